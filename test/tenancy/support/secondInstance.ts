// Starts a second keyward instance beside a test's Keyward (secondInstanceMain.cjs, a child
// process on the same storage, issuer and vault) and calls it as any client would. What one
// instance writes (a membership removed) the other must honour: nothing is shared but storage.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { Keyward, ApiResult } from "../../support/keyward";
import type { Principal } from "../../../local/embeddedApi";

const MAIN = path.join(__dirname, "secondInstanceMain.cjs");
const COMPILED_APP = path.resolve(__dirname, "../../../dist/app.js");

export class SecondInstance {
  private constructor(private readonly child: ChildProcess, readonly apiBaseUrl: string, private readonly first: Keyward) {}

  static async start(first: Keyward): Promise<SecondInstance> {
    if (!fs.existsSync(COMPILED_APP)) throw new Error(`${COMPILED_APP} is missing: run the build first (npm test does)`);
    const settings = { ...first.stack.appSettings, KEYWARD_TASK_HUB: `${first.stack.appSettings.KEYWARD_STATE_PREFIX}Second` };
    const child = spawn(process.execPath, [MAIN], { env: { ...process.env, KEYWARD_SECOND_INSTANCE_SETTINGS: JSON.stringify(settings) }, stdio: ["ignore", "pipe", "pipe"] });
    const output: string[] = [];
    child.stderr?.on("data", (d: Buffer) => output.push(d.toString()));
    const apiBaseUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the second instance did not come up: ${output.join("").slice(-2000)}`)), 60_000);
      child.stdout?.on("data", (d: Buffer) => {
        const line = d.toString().split("\n").find((l) => l.startsWith("{"));
        if (line) { clearTimeout(timer); resolve(JSON.parse(line).apiBaseUrl as string); }
      });
      child.once("exit", (code) => { clearTimeout(timer); reject(new Error(`the second instance exited (${code}): ${output.join("").slice(-2000)}`)); });
    });
    return new SecondInstance(child, apiBaseUrl, first);
  }

  async call(who: Principal, method: string, route: string, body?: unknown): Promise<ApiResult> {
    const headers: Record<string, string> = { authorization: `Bearer ${await this.first.stack.token(who.oid, who.roles, undefined, who.tenantId)}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${this.apiBaseUrl}/${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text && res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text, headers: res.headers };
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once("exit", r));
    this.child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
  }
}
