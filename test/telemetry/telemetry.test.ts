// Telemetry during a whole add + lock + unlock cycle, captured through a test sink: requests,
// dependencies (vault, tables, blobs) and the operation and lock events and metrics all arrive,
// and none of it holds a secret: no token, no DEK or index key bytes (hex, base64, base64url),
// no record value, record id or file path (names are data too).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { Keyward, DATA_USER, PLATFORM_ADMIN } from "../support/keyward";
import { services } from "../../shared/services";
import { setTelemetrySink, trackEvent, type TelemetryItem } from "../../shared/telemetry";
import { createDekResolver } from "../../shared/data/dekResolver";
import { KeyRingRepository } from "../../shared/data/keyRingRepository";

const items: TelemetryItem[] = [];
let kw: Keyward;

beforeAll(async () => {
  setTelemetrySink((item) => items.push(item));
  kw = await Keyward.start({ KEYWARD_REENCRYPT_PAGE_SIZE: "10", KEYWARD_ACTIVITY_FIRST_RETRY_MS: "50", KEYWARD_ACTIVITY_MAX_ATTEMPTS: "2" });
});
afterAll(async () => {
  setTelemetrySink(undefined);
  await kw?.stop();
});

/** Every key the environment's ring holds now, unwrapped straight from the vault (no cache). */
async function keyMaterial(environmentId: string): Promise<Uint8Array[]> {
  const s = services().settings;
  const rings = new KeyRingRepository({ connectionString: s.storageConnectionString, tableName: `${s.statePrefix}KeyRings` });
  const resolver = createDekResolver({ rings, wrapperFor: services().keys.wrapperFor, cache: { getOrLoad: (_key, _meta, load) => load() } });
  const keys = await resolver.keysFor(await kw.dataIdOf(environmentId));
  return [await keys.activeDek().then((d) => d.key), await keys.indexKey()];
}

function encodings(bytes: Uint8Array): string[] {
  const b = Buffer.from(bytes);
  // The first 12 bytes in each encoding are enough to find any rendering of the key.
  return [b.toString("hex"), b.toString("base64"), b.toString("base64url"), b.subarray(0, 12).toString("hex"), b.subarray(0, 12).toString("base64url")];
}

describe("telemetry", () => {
  it("covers requests, dependencies, operations, lock and unlock, and carries no secret", async () => {
    const secrets: string[] = [];
    const tokens = {
      user: await kw.token(DATA_USER, ["Environment.User"]),
      admin: await kw.token(PLATFORM_ADMIN, ["Platform.Admin"]),
    };
    secrets.push(tokens.user, tokens.admin, tokens.user.split(".")[2], tokens.admin.split(".")[2]);
    const as = (token: string) => ({ authorization: `Bearer ${token}` });

    const { policy, assignmentId, principalId, vaultId } = await kw.customerPolicy();
    const env = await kw.environment();
    const values: string[] = [];
    for (let i = 0; i < 12; i++) {
      const value = `secret-value-${randomBytes(8).toString("hex")}`;
      const recordId = `secret-id-${randomBytes(6).toString("hex")}`;
      values.push(value);
      secrets.push(value, recordId);
      const res = await kw.call("PUT", `environments/${env}/records/t${i % 2}/${recordId}`, { headers: as(tokens.user), body: { value } });
      expect(res.status).toBe(201);
    }
    const filePath = `secret-folder-${randomBytes(4).toString("hex")}/plan.txt`;
    const fileBody = `secret-file-${randomBytes(8).toString("hex")}`;
    secrets.push(filePath.split("/")[0], fileBody);
    expect((await kw.call("PUT", `environments/${env}/files/${filePath}`, { headers: as(tokens.user), raw: Buffer.from(fileBody) })).status).toBeLessThan(300);
    const platformKeys = await keyMaterial(env);

    // Add to the policy and wait for the end.
    const add = await kw.call("POST", `enterprisePolicies/${policy}/environments`, { headers: as(tokens.admin), body: { environmentIds: [env] } });
    expect(add.status).toBe(202);
    const operationId = add.body.operations[0].operationId as string;
    const op = await kw.until("the add", async () => (await kw.call("GET", `operations/${operationId}`, { headers: as(tokens.admin) })).body, (o) => o.status !== "Running", 90_000);
    expect(op.status).toBe("Succeeded");
    const customerKeys = await keyMaterial(env);

    // Lock (the role-assignment deletion event), then unlock (restored grant).
    await kw.revokeAssignment(assignmentId);
    await kw.until("locked", async () => (await kw.call("GET", `environments/${env}`, { headers: as(tokens.admin) })).body, (e) => e.state === "Locked", 30_000);
    expect((await kw.call("GET", `environments/${env}/records/t0/x`, { headers: as(tokens.user) })).status).toBe(423);
    await kw.grantKeyToPolicy(assignmentId, principalId, vaultId);
    await kw.until("unlocked", async () => {
      const e = (await kw.call("GET", `environments/${env}`, { headers: as(tokens.admin) })).body;
      if (e.state === "Locked") await kw.call("POST", `environments/${env}/unlock`, { headers: as(tokens.admin) });
      return e;
    }, (e) => e.state === "Enabled", 30_000);

    // What arrived.
    const events = new Set(items.filter((i) => i.kind === "event").map((i) => i.name));
    const metrics = new Set(items.filter((i) => i.kind === "metric").map((i) => i.name));
    for (const name of ["keyward.operation.start", "keyward.operation.step", "keyward.operation.end", "keyward.environment.locked", "keyward.environment.unlocked"]) {
      expect(events, name).toContain(name);
    }
    for (const name of ["keyward.operation.progress", "keyward.operation.duration", "keyward.reencrypt.items"]) expect(metrics, name).toContain(name);
    const requests = items.filter((i) => i.kind === "request");
    expect(requests.map((r) => r.name)).toContain("PUT /api/environments/{id}/records/{table}/{recordId}");
    expect(requests.find((r) => r.kind === "request" && r.resultCode === "423")).toBeDefined();
    const dependencyTypes = new Set(items.filter((i) => i.kind === "dependency").map((i) => i.kind === "dependency" && i.type));
    expect([...dependencyTypes].sort()).toEqual(["Azure Key Vault", "Azure blob", "Azure table"]);
    const vaultCalls = items.filter((i) => i.kind === "dependency" && i.type === "Azure Key Vault").map((i) => i.kind === "dependency" && i.name);
    expect(vaultCalls).toContain("POST /keys/{name}/{version}/unwrapkey");

    // What must never be in it.
    const dump = JSON.stringify(items);
    for (const key of [...platformKeys, ...customerKeys]) for (const text of encodings(key)) expect(dump.includes(text), "key material in telemetry").toBe(false);
    for (const secret of secrets) expect(dump.includes(secret), `secret ${secret.slice(0, 24)}... in telemetry`).toBe(false);
    expect(dump).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\./);
    for (const item of items) if (item.kind === "dependency") expect(item.data).not.toContain("?");
  }, 120_000);

  it("scrubs a token that a property would otherwise carry", async () => {
    const token = await kw.token(DATA_USER, ["Environment.User"]);
    const before = items.length;
    trackEvent("keyward.test.scrub", { message: `the caller sent Bearer ${token} and failed` });
    const item = items.slice(before).find((i) => i.kind === "event" && i.name === "keyward.test.scrub");
    expect(item?.kind === "event" && item.properties.message).toBe("the caller sent Bearer [redacted] and failed");
  });
});
