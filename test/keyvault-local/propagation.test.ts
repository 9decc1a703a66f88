// Role assignment propagation, as Azure RBAC has it: ARM (the management API) shows a write or a
// delete at once and the subscription's topic raises its event at once, while the vault's data
// plane honours the change only `rolePropagationSeconds` later. Most tests run the vault on a
// manual clock; one runs on real time through the management API alone.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KeyVaultKey } from "@azure/keyvault-keys";
import { EVENT_TYPES, startLocalVault } from "../../local/keyvault";
import { manualClock, rejectionOf, startEventSink, startHarness, type EventSink, type Harness } from "./harness";

const ADMIN = "prop-admin";
const ROLE = "Key Vault Crypto Service Encryption User";
const clock = manualClock();
let h: Harness;
let sink: EventSink;
let vaultId: string;
let key: KeyVaultKey;
let wrapped: Uint8Array;
const dek = randomBytes(32);

beforeAll(async () => {
  h = await startHarness({ now: clock.now });
  sink = await startEventSink();
  await h.mgmt.putEventSubscription("arm", { endpoint: sink.url });
  ({ id: vaultId } = await h.vaultWithAdmin("propvault", ADMIN));
  key = await h.keyClient("propvault", ADMIN).createRsaKey("cmk");
  wrapped = (await h.cryptoClient(key.id!, ADMIN).wrapKey("RSA-OAEP-256", dek)).result;
  await h.mgmt.setBehaviour({ rolePropagationSeconds: 30 });
});
afterAll(async () => {
  await h?.close();
  await sink?.close();
});

/** "ok", or the refusal's inner code (a fresh client each time: no cached key). */
async function unwrapAs(oid: string): Promise<string> {
  try {
    const r = await h.cryptoClient(key.id!, oid).unwrapKey("RSA-OAEP-256", wrapped);
    return Buffer.from(r.result).equals(dek) ? "ok" : "wrong DEK";
  } catch (err) {
    const e = err as { statusCode?: number; details?: { error?: { innerError?: { code?: string } } } };
    return `${e.statusCode} ${e.details?.error?.innerError?.code}`;
  }
}

const resourceUri = (id: string) => `${vaultId}/providers/Microsoft.Authorization/roleAssignments/${id}`;

describe("a grant", () => {
  it("is listed and announced at once, and honoured by the data plane only after the delay", async () => {
    const t0 = clock.now();
    await h.mgmt.putRoleAssignment("grant-1", { principalId: "app-1", roleDefinitionName: ROLE, scope: vaultId });
    // ARM's side: at once.
    expect((await h.mgmt.roleAssignments()).map((a) => a.id)).toContain("grant-1");
    expect(sink.ofType(EVENT_TYPES.resourceWriteSuccess).some((e) => e.subject === resourceUri("grant-1"))).toBe(true);
    expect(await h.mgmt.rolePropagation("grant-1")).toEqual({ id: "grant-1", state: "propagating", effectiveAt: t0 + 30_000 });
    // The data plane's side: not yet.
    expect(await unwrapAs("app-1")).toBe("403 ForbiddenByRbac");
    clock.advance(29_999);
    expect(await unwrapAs("app-1")).toBe("403 ForbiddenByRbac");
    clock.advance(1);
    expect(await unwrapAs("app-1")).toBe("ok");
    expect((await h.mgmt.rolePropagation("grant-1")).state).toBe("effective");
  });
});

describe("a revocation", () => {
  it("is gone from ARM and announced at once, while the data plane keeps honouring it until the delay has passed", async () => {
    await h.mgmt.setBehaviour({ rolePropagationSeconds: 0 });
    await h.mgmt.putRoleAssignment("grant-2", { principalId: "app-2", roleDefinitionName: ROLE, scope: vaultId });
    await h.mgmt.setBehaviour({ rolePropagationSeconds: 30 });
    expect(await unwrapAs("app-2")).toBe("ok");

    const t0 = clock.now();
    await h.mgmt.deleteRoleAssignment("grant-2");
    expect((await h.mgmt.roleAssignments()).map((a) => a.id)).not.toContain("grant-2");
    expect((await h.mgmt.request("GET", "/roleAssignments/grant-2")).status).toBe(404);
    expect(sink.ofType(EVENT_TYPES.resourceDeleteSuccess).some((e) => e.subject === resourceUri("grant-2"))).toBe(true);
    expect(await h.mgmt.rolePropagation("grant-2")).toEqual({ id: "grant-2", state: "revoking", effectiveUntil: t0 + 30_000 });

    expect(await unwrapAs("app-2")).toBe("ok");
    clock.advance(29_999);
    expect(await unwrapAs("app-2")).toBe("ok");
    clock.advance(1);
    expect(await unwrapAs("app-2")).toBe("403 ForbiddenByRbac");
    expect(await h.mgmt.rolePropagation("grant-2")).toEqual({ id: "grant-2", state: "absent" });
  });

  it("a grant revoked before it reached the data plane never takes effect", async () => {
    await h.mgmt.putRoleAssignment("grant-3", { principalId: "app-3", roleDefinitionName: ROLE, scope: vaultId });
    clock.advance(10_000);
    await h.mgmt.deleteRoleAssignment("grant-3");
    clock.advance(25_000);
    expect(await unwrapAs("app-3")).toBe("403 ForbiddenByRbac");
    expect((await h.mgmt.rolePropagation("grant-3")).state).toBe("absent");
  });

  it("a pending change survives a restart of the vault", async () => {
    await h.mgmt.setBehaviour({ rolePropagationSeconds: 0 });
    await h.mgmt.putRoleAssignment("grant-4", { principalId: "app-4", roleDefinitionName: ROLE, scope: vaultId });
    await h.mgmt.setBehaviour({ rolePropagationSeconds: 30 });
    await h.mgmt.deleteRoleAssignment("grant-4");
    await h.mgmt.putRoleAssignment("grant-5", { principalId: "app-5", roleDefinitionName: ROLE, scope: vaultId });
    await h.restart({ port: h.vault.port });
    // Behaviour set at run time is not kept (the restart's options are); the timestamps are.
    expect((await h.mgmt.behaviour()).rolePropagationSeconds).toBe(0);
    expect(await unwrapAs("app-4")).toBe("ok");
    expect(await unwrapAs("app-5")).toBe("403 ForbiddenByRbac");
    clock.advance(30_000);
    expect(await unwrapAs("app-4")).toBe("403 ForbiddenByRbac");
    expect(await unwrapAs("app-5")).toBe("ok");
  });
});

describe("settings", () => {
  it("on real time through the management API alone: waitForRolePropagation resolves once the data plane follows", async () => {
    const real = await startHarness({ behaviour: { rolePropagationSeconds: 1 } });
    try {
      const v = await real.vaultWithAdmin("realvault", ADMIN);
      const t0 = Date.now();
      await real.mgmt.waitForRolePropagation(`admin-realvault-${ADMIN}`, { timeoutMs: 30_000 });
      // A lower bound only: a loaded machine can make this later, never earlier.
      expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
      const k = await real.keyClient("realvault", ADMIN).createRsaKey("k");
      expect(k.name).toBe("k");
      await real.mgmt.putRoleAssignment("late", { principalId: "late-app", roleDefinitionName: ROLE, scope: v.id });
      expect((await rejectionOf(real.cryptoClient(k.id!, "late-app").wrapKey("RSA-OAEP-256", dek))).statusCode).toBe(403);
      expect((await real.mgmt.waitForRolePropagation("late", { timeoutMs: 30_000 })).state).toBe("effective");
      expect((await real.cryptoClient(k.id!, "late-app").wrapKey("RSA-OAEP-256", dek)).result.length).toBe(256);
    } finally {
      await real.close();
    }
  });

  it("refuses a delay past Azure's documented 10 minutes, at start and at run time", async () => {
    const dataDir = path.join(os.tmpdir(), `kv-never-${process.pid}-${Date.now()}`);
    await expect(startLocalVault({ dataDir, verifyToken: async () => ({ oid: "x" }), behaviour: { rolePropagationSeconds: 601 } }))
      .rejects.toThrow(/^startLocalVault: options\.behaviour is invalid: rolePropagationSeconds must be a number from 0 to 600/);
    expect(fs.existsSync(dataDir)).toBe(false);
    const res = await h.mgmt.request<{ error: { message: string } }>("PATCH", "/behaviour", { rolePropagationSeconds: -1 });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^rolePropagationSeconds must be a number from 0 to 600/);
  });
});
