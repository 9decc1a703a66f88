// Event Grid events from the local vault, received by a tiny HTTP endpoint.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KeyClient } from "@azure/keyvault-keys";
import { EVENT_TYPES, LOCAL_ARM_CALLER } from "../../local/keyvault";
import { startEventSink, startHarness, type EventSink, type Harness } from "./harness";

const ADMIN = "ev-admin";
let h: Harness;
let sink: EventSink;
let kc: KeyClient;
let vaultId: string;

beforeAll(async () => {
  h = await startHarness({ nearExpiryDays: 30 });
  sink = await startEventSink();
  await h.mgmt.putEventSubscription("app", { endpoint: sink.url });
  ({ id: vaultId } = await h.vaultWithAdmin("evvault", ADMIN));
  kc = h.keyClient("evvault", ADMIN);
});
afterAll(async () => {
  await h?.close();
  await sink?.close();
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe("key events", () => {
  it("create and rotate each fire KeyNewVersionCreated for the new version", async () => {
    const created = await kc.createRsaKey("cmk");
    const rotated = await kc.rotateKey("cmk");
    await h.mgmt.flushEvents(); // key API events are delivered asynchronously
    const events = sink.ofType(EVENT_TYPES.keyNewVersionCreated).filter((e) => e.subject === "cmk");
    expect(events.map((e) => e.data.Version)).toEqual([created.properties.version, rotated.properties.version]);
    const e = events[1];
    expect(e).toMatchObject({
      topic: vaultId,
      subject: "cmk",
      eventType: "Microsoft.KeyVault.KeyNewVersionCreated",
      dataVersion: "1",
      metadataVersion: "1",
      data: { Id: rotated.id, VaultName: "evvault", ObjectType: "Key", ObjectName: "cmk", Version: rotated.properties.version, NBF: null, EXP: null },
    });
    expect(e.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(e.eventTime)).toBeGreaterThan(Date.now() - 60_000);
    const post = sink.posts.find((p) => p.body[0].id === e.id)!;
    expect(post.headers["aeg-event-type"]).toBe("Notification");
    expect(post.body).toHaveLength(1);
  });

  it("KeyNearExpiry once per version inside the window, KeyExpired once when exp has passed", async () => {
    // exp is moved with updates (not by waiting), so the test does not depend on how fast keys are made.
    const key = await kc.createRsaKey("short-lived");
    const version = key.properties.version!;
    await kc.createRsaKey("far", { expiresOn: new Date((nowSeconds() + 60 * 86400) * 1000) });
    const nearExp = nowSeconds() + 10 * 86400;
    await kc.updateKeyProperties("short-lived", version, { expiresOn: new Date(nearExp * 1000) });
    const first = await h.mgmt.scanExpiry();
    expect(first.events.filter((e) => e.subject === "short-lived").map((e) => e.eventType)).toEqual([EVENT_TYPES.keyNearExpiry]);
    expect(first.events.filter((e) => e.subject === "far")).toEqual([]);
    // Scan-caused events are delivered before scanExpiry answers.
    const near = sink.ofType(EVENT_TYPES.keyNearExpiry).filter((e) => e.subject === "short-lived");
    expect(near).toHaveLength(1);
    expect(near[0].data).toMatchObject({ Version: version, EXP: nearExp, NBF: null, Id: key.id, ObjectName: "short-lived" });
    expect((await h.mgmt.scanExpiry()).events.filter((e) => e.subject === "short-lived")).toEqual([]);

    const pastExp = nowSeconds() - 10;
    await kc.updateKeyProperties("short-lived", version, { expiresOn: new Date(pastExp * 1000) });
    const second = await h.mgmt.scanExpiry();
    expect(second.events.filter((e) => e.subject === "short-lived").map((e) => [e.eventType, e.data.EXP])).toEqual([[EVENT_TYPES.keyExpired, pastExp]]);
    expect((await h.mgmt.scanExpiry()).events.filter((e) => e.subject === "short-lived")).toEqual([]);
    expect(sink.ofType(EVENT_TYPES.keyExpired).filter((e) => e.subject === "short-lived")).toHaveLength(1);

    // A new expiry date earns a new notice.
    const newExp = nowSeconds() + 5 * 86400;
    await kc.updateKeyProperties("short-lived", version, { expiresOn: new Date(newExp * 1000) });
    const third = await h.mgmt.scanExpiry();
    expect(third.events.filter((e) => e.subject === "short-lived").map((e) => [e.eventType, e.data.EXP])).toEqual([[EVENT_TYPES.keyNearExpiry, newExp]]);
  });

  it("a rotation policy's Notify window decides when KeyNearExpiry fires", async () => {
    await kc.createRsaKey("policy-notify", { expiresOn: new Date((nowSeconds() + 45 * 86400) * 1000) });
    expect((await h.mgmt.scanExpiry()).events.filter((e) => e.subject === "policy-notify")).toEqual([]);
    await kc.updateKeyRotationPolicy("policy-notify", { lifetimeActions: [{ action: "Notify", timeBeforeExpiry: "P60D" }], expiresIn: "P90D" });
    expect((await h.mgmt.scanExpiry()).events.filter((e) => e.subject === "policy-notify").map((e) => e.eventType)).toEqual([EVENT_TYPES.keyNearExpiry]);
  });

  it("a rotation policy's Rotate action rotates the key on the scan", async () => {
    const k = await kc.createRsaKey("auto-rotate");
    await kc.updateKeyRotationPolicy("auto-rotate", { lifetimeActions: [{ action: "Rotate", timeAfterCreate: "PT1S" }] });
    await new Promise((r) => setTimeout(r, 1100));
    const scan = await h.mgmt.scanExpiry();
    expect(scan.rotated).toContain("evvault/auto-rotate");
    const latest = await kc.getKey("auto-rotate");
    expect(latest.properties.version).not.toBe(k.properties.version);
    await h.mgmt.flushEvents();
    expect(sink.ofType(EVENT_TYPES.keyNewVersionCreated).some((e) => e.data.Version === latest.properties.version)).toBe(true);
  });

  it("the background scanner fires without being asked", async () => {
    const port = h.vault.port;
    await h.restart({ port, expiryCheckIntervalMs: 100 });
    try {
      const client = h.keyClient("evvault", ADMIN);
      const key = await client.createRsaKey("background");
      // Set exp with an update so the scanner sees the version before and after it passes: 8 s
      // leaves room for a slow update on a loaded machine (the scanner looks every 100 ms).
      await client.updateKeyProperties("background", key.properties.version!, { expiresOn: new Date(Date.now() + 8000) });
      const deadline = Date.now() + 40_000;
      while (!sink.ofType(EVENT_TYPES.keyExpired).some((e) => e.data.Version === key.properties.version) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(sink.ofType(EVENT_TYPES.keyNearExpiry).filter((e) => e.data.Version === key.properties.version)).toHaveLength(1);
      expect(sink.ofType(EVENT_TYPES.keyExpired).filter((e) => e.data.Version === key.properties.version)).toHaveLength(1);
    } finally {
      await h.restart({ port, expiryCheckIntervalMs: 3_600_000 });
      kc = h.keyClient("evvault", ADMIN);
    }
  });
});

describe("events only where Azure raises them", () => {
  it("KeyNearExpiry and KeyExpired watch the current version only; \"extended\" events watch every version", async () => {
    const v1 = await kc.createRsaKey("old-expiring", { expiresOn: new Date((nowSeconds() + 10 * 86400) * 1000) });
    const v2 = await kc.rotateKey("old-expiring");
    const ofKey = (events: Array<{ subject: string; eventType: string; data: Record<string, unknown> }>) =>
      events.filter((e) => e.subject === "old-expiring").map((e) => [e.eventType, e.data.Version]);
    // v1 is no longer current: its coming expiry raises nothing.
    expect(ofKey((await h.mgmt.scanExpiry()).events)).toEqual([]);
    await kc.updateKeyProperties("old-expiring", v1.properties.version!, { expiresOn: new Date((nowSeconds() - 10) * 1000) });
    expect(ofKey((await h.mgmt.scanExpiry()).events)).toEqual([]);
    // The current version is watched.
    await kc.updateKeyProperties("old-expiring", v2.properties.version!, { expiresOn: new Date((nowSeconds() + 5 * 86400) * 1000) });
    expect(ofKey((await h.mgmt.scanExpiry()).events)).toEqual([[EVENT_TYPES.keyNearExpiry, v2.properties.version]]);

    await h.mgmt.setBehaviour({ events: "extended" });
    try {
      expect(ofKey((await h.mgmt.scanExpiry()).events)).toEqual([[EVENT_TYPES.keyExpired, v1.properties.version]]);
    } finally {
      await h.mgmt.setBehaviour({ events: "azure" });
    }
  });

  it("disabling, re-enabling, updating, deleting, recovering and purging a key raise no event", async () => {
    await h.mgmt.putVault("quietvault", { softDelete: true, purgeProtection: false });
    await h.mgmt.putRoleAssignment("quiet-admin", { principalId: ADMIN, roleDefinitionName: "Key Vault Administrator", scope: (await h.mgmt.getVault("quietvault")).id });
    const quiet = h.keyClient("quietvault", ADMIN);
    const key = await quiet.createRsaKey("hushed");
    await h.mgmt.flushEvents();
    const before = (await h.mgmt.events()).length;
    await quiet.updateKeyProperties("hushed", key.properties.version!, { enabled: false });
    await quiet.updateKeyProperties("hushed", key.properties.version!, { enabled: true, tags: { a: "b" } });
    await (await quiet.beginDeleteKey("hushed", { intervalInMs: 10 })).pollUntilDone();
    await (await quiet.beginRecoverDeletedKey("hushed", { intervalInMs: 10 })).pollUntilDone();
    await (await quiet.beginDeleteKey("hushed", { intervalInMs: 10 })).pollUntilDone();
    await quiet.purgeDeletedKey("hushed");
    const after = await h.mgmt.flushEvents();
    expect(after.slice(before).map((p) => p.event.eventType)).toEqual([]);
    expect(sink.events.filter((e) => e.subject === "hushed").map((e) => e.eventType)).toEqual([EVENT_TYPES.keyNewVersionCreated]);
  });

  it("changing vault properties raises no VaultAccessPolicyChanged (Azure raises it for access policies only); \"extended\" events do", async () => {
    const count = () => sink.ofType(EVENT_TYPES.vaultAccessPolicyChanged).filter((e) => e.subject === "evvault").length;
    const before = count();
    await h.mgmt.putVault("evvault", { retentionDays: 60 });
    expect(count()).toBe(before);
    await h.mgmt.setBehaviour({ events: "extended" });
    try {
      await h.mgmt.putVault("evvault", { purgeProtection: true });
      expect(count()).toBe(before + 1);
      const e = sink.ofType(EVENT_TYPES.vaultAccessPolicyChanged).at(-1)!;
      expect(e).toMatchObject({ topic: vaultId, subject: "evvault", data: { Id: h.vault.vaultUrl("evvault"), VaultName: "evvault", ObjectType: "Vault", ObjectName: "evvault" } });
      await h.mgmt.putVault("evvault", { purgeProtection: true });
      expect(count()).toBe(before + 1);
    } finally {
      await h.mgmt.setBehaviour({ events: "azure" });
    }
  });

  it("refuses the access policy permission model, the only change Azure would raise VaultAccessPolicyChanged for", async () => {
    const res = await h.mgmt.request<{ error: { message: string } }>("PUT", "/vaults/evvault", { enableRbacAuthorization: false });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/only the Azure RBAC permission model/);
  });
});

describe("role assignment events (the subscription's ARM topic)", () => {
  it("a write and a delete raise ResourceWriteSuccess / ResourceDeleteSuccess before the call returns, naming the assignment and its writer, not its grantee", async () => {
    const a = await h.mgmt.putRoleAssignment("ra-ev-1", { principalId: "policy-identity", roleDefinitionName: "Key Vault Crypto Service Encryption User", scope: `${vaultId}/keys/cmk` });
    const resourceUri = `${vaultId}/keys/cmk/providers/Microsoft.Authorization/roleAssignments/ra-ev-1`;
    expect(a.resourceId).toBe(resourceUri);
    const write = sink.ofType(EVENT_TYPES.resourceWriteSuccess).find((e) => e.subject === resourceUri);
    expect(write?.data).toMatchObject({
      operationName: "Microsoft.Authorization/roleAssignments/write", resourceUri, status: "Succeeded", resourceProvider: "Microsoft.Authorization",
      authorization: { scope: resourceUri, action: "Microsoft.Authorization/roleAssignments/write", evidence: { role: "Owner", principalId: LOCAL_ARM_CALLER } },
      httpRequest: { method: "PUT" },
    });
    // ARM's event does not say whom the assignment grants, nor which role.
    expect(JSON.stringify(write)).not.toContain("policy-identity");
    expect(JSON.stringify(write)).not.toContain("Crypto Service Encryption User");

    await h.mgmt.deleteRoleAssignment("ra-ev-1");
    const del = sink.ofType(EVENT_TYPES.resourceDeleteSuccess).find((e) => e.subject === resourceUri);
    expect(del).toMatchObject({
      topic: "/subscriptions/00000000-0000-4000-8000-00000000c0de",
      subject: resourceUri,
      dataVersion: "1",
      metadataVersion: "1",
      data: {
        operationName: "Microsoft.Authorization/roleAssignments/delete",
        resourceUri,
        status: "Succeeded",
        subscriptionId: "00000000-0000-4000-8000-00000000c0de",
        tenantId: "72f988bf-0000-4000-8000-00000000c0de",
        authorization: { scope: resourceUri, action: "Microsoft.Authorization/roleAssignments/delete" },
        httpRequest: { method: "DELETE" },
      },
    });
  });
});

describe("subscriptions and delivery", () => {
  it("filters by event type, skips disabled subscriptions, and retries failed deliveries", async () => {
    const filtered = await startEventSink();
    const disabled = await startEventSink();
    try {
      await h.mgmt.putEventSubscription("only-expired", { endpoint: filtered.url, eventTypes: [EVENT_TYPES.keyExpired] });
      await h.mgmt.putEventSubscription("off", { endpoint: disabled.url, enabled: false });
      sink.failNext(2, 503);
      const key = await kc.createRsaKey("retry-me");
      const published = await h.mgmt.flushEvents();
      const record = published.find((p) => p.event.data.Version === key.properties.version)!;
      expect(record.deliveries.find((d) => d.subscription === "app")).toMatchObject({ status: "delivered", attempts: 3 });
      expect(record.deliveries.map((d) => d.subscription)).toEqual(["app"]);
      expect(sink.ofType(EVENT_TYPES.keyNewVersionCreated).filter((e) => e.data.Version === key.properties.version)).toHaveLength(1);
      expect(filtered.events).toEqual([]);
      expect(disabled.events).toEqual([]);
      expect(h.logs.some((l) => l.includes("failed, attempt 1: HTTP 503"))).toBe(true);
      const subs = (await h.mgmt.request<{ value: unknown[] }>("GET", "/eventSubscriptions")).body.value;
      expect(subs).toHaveLength(3);
    } finally {
      await h.mgmt.deleteEventSubscription("only-expired");
      await h.mgmt.deleteEventSubscription("off");
      await filtered.close();
      await disabled.close();
    }
  });

  it("gives up after the last retry against a dead endpoint, without holding up the key API", async () => {
    await h.mgmt.putEventSubscription("dead", { endpoint: "http://127.0.0.1:1/events" });
    try {
      const t0 = Date.now();
      const key = await kc.createRsaKey("dead-letter");
      expect(Date.now() - t0).toBeLessThan(3000);
      const published = await h.mgmt.flushEvents();
      const record = published.find((p) => p.event.data.Version === key.properties.version)!;
      expect(record.deliveries.find((d) => d.subscription === "dead")).toMatchObject({ status: "failed", attempts: 4 });
      expect(h.logs.some((l) => l.includes("gave up delivering") && l.includes("dead"))).toBe(true);
    } finally {
      await h.mgmt.deleteEventSubscription("dead");
    }
  });
});
