// Storage down: keyward answers 503 StorageUnavailable with Retry-After (not a 500) on the data
// API and the admin API, and nothing is half-written: once storage is back, the record written
// before the outage reads back unchanged and the writes refused during it are absent. keyward
// runs in this process on an Azurite of this test's own, stopped and started again on its ports.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAzurite, type RunningAzurite } from "../../local/azurite";
import { DATA_USER, Keyward, PLATFORM_ADMIN } from "../support/keyward";

const USER = { as: { oid: DATA_USER, roles: ["Environment.User"] } };
const ADMIN = { as: { oid: PLATFORM_ADMIN, roles: ["Platform.Admin"] } };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyward-storage-down-"));
let azurite: RunningAzurite;
let kw: Keyward;

beforeAll(async () => {
  azurite = await startAzurite({ location: dir });
  kw = await Keyward.start({}, { storageConnectionString: azurite.connectionString });
});
afterAll(async () => {
  await kw?.stop();
  await azurite?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("storage down", () => {
  it("answers 503 StorageUnavailable with Retry-After, and changes nothing", async () => {
    const env = await kw.environment();
    const route = (id: string) => `environments/${env}/records/accounts/${id}`;
    expect((await kw.call("PUT", route("kept"), { ...USER, body: { balance: 1 } })).status).toBe(201);

    const { blobPort, tablePort } = azurite;
    await azurite.stop();
    for (const [what, answer] of [
      ["overwrite", await kw.call("PUT", route("kept"), { ...USER, body: { balance: 2 } })],
      ["new record", await kw.call("PUT", route("new"), { ...USER, body: { balance: 3 } })],
      ["read", await kw.call("GET", route("kept"), USER)],
      ["admin read", await kw.call("GET", `environments/${env}`, ADMIN)],
    ] as const) {
      expect(answer.status, `${what}: ${JSON.stringify(answer.body)}`).toBe(503);
      expect(answer.body.error.code, what).toBe("StorageUnavailable");
      expect(answer.body.error.message, what).toMatch(/Retry in \d+ seconds/);
      expect(answer.headers.get("retry-after"), what).toMatch(/^\d+$/);
    }

    azurite = await startAzurite({ location: dir, blobPort, tablePort });
    expect((await kw.call("GET", route("kept"), USER)).body.value).toEqual({ balance: 1 });
    const absent = await kw.call("GET", route("new"), USER);
    expect(absent.status).toBe(404);
    expect(absent.body.error.code).toBe("RecordNotFound");
  }, 240_000);
});
