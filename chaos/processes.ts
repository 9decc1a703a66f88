// The processes a campaign runs and breaks: one Azurite (its data on disk, so a stop and restart
// keeps it, on the same ports) and one keyward as `npm start` runs it (the compiled CLI,
// dist/local/cli/start.js, in a child process on that Azurite under one namespace and data
// folder, so a SIGKILL and a restart find the same storage, vault state, vault port and issuer
// key). The local vault runs inside keyward's process (as under `npm start`): a SIGKILL takes it
// down too, and it comes back with its persisted keys and role assignments but without its
// in-memory fault rules.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { startAzurite, type RunningAzurite } from "../local/azurite";
import { freePort } from "../local/ports";
import type { LocalFile } from "../local/cli/localFile";

export class AzuriteProcess {
  private running: RunningAzurite | undefined;
  private ports: { blobPort: number; tablePort: number } | undefined;

  constructor(private readonly location: string) {}

  get up(): boolean {
    return this.running !== undefined;
  }

  get connectionString(): string {
    if (!this.lastConnectionString) throw new Error("Azurite was never started");
    return this.lastConnectionString;
  }

  private lastConnectionString: string | undefined;

  async start(): Promise<void> {
    if (this.running) return;
    this.running = await startAzurite({ location: this.location, ...this.ports });
    this.ports = { blobPort: this.running.blobPort, tablePort: this.running.tablePort };
    this.lastConnectionString = this.running.connectionString;
  }

  /** A clean stop (SIGINT: Azurite saves its metadata then), as a storage outage that loses nothing acknowledged. */
  async stop(): Promise<void> {
    const r = this.running;
    this.running = undefined;
    await r?.stop();
  }
}

export class KeywardProcess {
  private child: ChildProcess | undefined;
  private port = 0;
  /** Incremented at every start: an attempt made under an older generation cannot land later (its process is gone). */
  generation = 0;
  /** Exits the campaign did not ask for (a crash). */
  unexpectedExits: string[] = [];
  local!: LocalFile;
  private expectingExit = false;
  private tail = "";

  constructor(
    private readonly cli: string,
    readonly dataDir: string,
    readonly namespace: string,
    private readonly storage: () => string,
    private readonly settings: Record<string, string>,
  ) {}

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  get output(): string {
    return this.tail;
  }

  async start(): Promise<void> {
    if (this.running) return;
    if (!fs.existsSync(this.cli)) throw new Error(`${this.cli} is missing: build first (npm run chaos does)`);
    this.port ||= await freePort();
    const localFile = path.join(this.dataDir, "local.json");
    fs.rmSync(localFile, { force: true });
    const child = spawn(process.execPath, [this.cli, "--port", String(this.port)], {
      cwd: this.dataDir,
      env: {
        ...process.env, ...this.settings,
        KEYWARD_LOCAL_DIR: this.dataDir, KEYWARD_LOCAL_STORAGE: this.storage(), KEYWARD_LOCAL_NAMESPACE: this.namespace,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    this.generation++;
    this.expectingExit = false;
    const keep = (d: Buffer) => { this.tail = (this.tail + d.toString()).slice(-20_000); };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    child.once("exit", (code, signal) => {
      if (!this.expectingExit) this.unexpectedExits.push(`keyward exited by itself (code ${code}, signal ${signal}): ${this.tail.slice(-1500)}`);
    });
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`keyward exited at start (${child.exitCode}): ${this.tail.slice(-2000)}`);
      const ok = fs.existsSync(localFile) && (await fetch(`http://127.0.0.1:${this.port}/api/health`).then((r) => r.status === 200, () => false));
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`keyward did not come up in 120 s: ${this.tail.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    this.local = JSON.parse(fs.readFileSync(localFile, "utf8")) as LocalFile;
  }

  /** kill -9: no shutdown code runs. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    this.expectingExit = true;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    this.expectingExit = true;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (this.running) await this.kill();
  }
}
