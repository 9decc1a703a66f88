// `npm start` as a user runs it: the compiled CLI (npm test builds first) in a fresh data folder,
// its own Azurite, vault and issuer. It must answer GET /api/health within 30 seconds, write
// .keyward/local.json with working tokens, and keep its tokens valid across a restart.
import { afterAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "../../local/ports";

const root = path.resolve(__dirname, "../..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyward-start-"));
let child: ChildProcess | undefined;

function start(port: number): ChildProcess {
  const c = spawn(process.execPath, [path.join(root, "dist/local/cli/start.js"), "--port", String(port)], {
    cwd: dir, env: { ...process.env, KEYWARD_LOCAL_DIR: path.join(dir, ".keyward") }, stdio: ["ignore", "pipe", "pipe"],
  });
  c.stdout?.resume();
  c.stderr?.resume();
  return c;
}

async function stop(c: ChildProcess | undefined): Promise<void> {
  if (!c || c.exitCode !== null) return;
  const exited = new Promise((r) => c.once("exit", r));
  c.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (c.exitCode === null) c.kill("SIGKILL");
}

async function healthWithin(url: string, ms: number): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    const ok = await fetch(url).then((r) => r.status === 200, () => false);
    if (ok) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer 200 within ${ms} ms`);
}

afterAll(async () => {
  await stop(child);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("npm start", () => {
  it("answers health within 30 s, with usable tokens that survive a restart", async () => {
    const port = await freePort();
    child = start(port);
    const elapsed = await healthWithin(`http://127.0.0.1:${port}/api/health`, 30_000);
    expect(elapsed).toBeLessThan(30_000);

    const localFile = path.join(dir, ".keyward", "local.json");
    await expect.poll(() => fs.existsSync(localFile), { timeout: 10_000 }).toBe(true);
    const local = JSON.parse(fs.readFileSync(localFile, "utf8"));
    expect(local.apiBaseUrl).toBe(`http://127.0.0.1:${port}/api`);
    const auth = { authorization: `Bearer ${local.tokens["Platform.Admin"]}` };
    expect((await fetch(`${local.apiBaseUrl}/environments`, { headers: auth })).status).toBe(200);
    const created = await fetch(`${local.apiBaseUrl}/environments/restart-check`, {
      method: "PUT", headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ displayName: "Restart check", region: "europe", type: "Sandbox" }),
    });
    expect(created.status).toBe(201);
    // The data user reaches the environment's data only as a member of it.
    const granted = await fetch(`${local.apiBaseUrl}/environments/restart-check/members/${local.principals["Environment.User"]}`, {
      method: "PUT", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ access: "ReadWrite" }),
    });
    expect(granted.status).toBe(201);

    // Restart on the same folder: same issuer (old tokens valid), same vault (old key ids valid).
    await stop(child);
    child = start(port);
    await healthWithin(`http://127.0.0.1:${port}/api/health`, 30_000);
    const again = await fetch(`${local.apiBaseUrl}/environments/restart-check`, { headers: auth });
    expect(again.status).toBe(200);
    const userAuth = { authorization: `Bearer ${local.tokens["Environment.User"]}`, "content-type": "application/json" };
    const put = await fetch(`${local.apiBaseUrl}/environments/restart-check/records/t/r1`, { method: "PUT", headers: userAuth, body: JSON.stringify({ ok: true }) });
    expect(put.status).toBe(201);
  }, 120_000);
});
