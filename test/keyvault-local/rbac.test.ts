// Azure RBAC on the data plane: each built-in role's allowed / refused operations, key scopes,
// and revocation taking effect on the next call.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KeyClient, KeyVaultKey } from "@azure/keyvault-keys";
import { rejectionOf, startHarness, type Harness } from "./harness";

const ADMIN = "rbac-admin";
let h: Harness;
let admin: KeyClient;
let vaultId: string;
let key: KeyVaultKey;
let wrapped: Uint8Array;
let encrypted: Uint8Array;
const dek = randomBytes(32);

beforeAll(async () => {
  h = await startHarness();
  ({ id: vaultId } = await h.vaultWithAdmin("rbacvault", ADMIN, { purgeProtection: false }));
  admin = h.keyClient("rbacvault", ADMIN);
  key = await admin.createRsaKey("shared");
  wrapped = (await h.cryptoClient(key.id!, ADMIN).wrapKey("RSA-OAEP-256", dek)).result;
  encrypted = (await h.cryptoClient(key.id!, ADMIN).encrypt({ algorithm: "RSA-OAEP-256", plaintext: Buffer.from("x") })).result;
});
afterAll(async () => h?.close());

type Op = "get" | "list" | "create" | "update" | "rotate" | "delete" | "backup" | "wrapKey" | "unwrapKey" | "decrypt";
const OPS: Op[] = ["get", "list", "create", "update", "rotate", "delete", "backup", "wrapKey", "unwrapKey", "decrypt"];

/** Runs every operation as `oid`; "allowed", or the refusal's status/code/inner code. */
async function tryAll(oid: string, tag: string): Promise<Record<Op, string>> {
  const kc = h.keyClient("rbacvault", oid);
  // Keys this principal may rotate or delete without disturbing the shared one.
  await admin.createRsaKey(`rot-${tag}`);
  await admin.createRsaKey(`del-${tag}`);
  const runs: Record<Op, () => Promise<unknown>> = {
    get: () => kc.getKey("shared"),
    list: async () => { for await (const _ of kc.listPropertiesOfKeys()) { /* drain */ } },
    create: () => kc.createRsaKey(`new-${tag}`),
    update: () => kc.updateKeyProperties("shared", key.properties.version!, { tags: { by: tag } }),
    rotate: () => kc.rotateKey(`rot-${tag}`),
    delete: async () => (await kc.beginDeleteKey(`del-${tag}`, { intervalInMs: 10 })).pollUntilDone(),
    backup: () => kc.backupKey("shared"),
    // A fresh client each time: the SDK caches the key after its first GET.
    wrapKey: () => h.cryptoClient(key.id!, oid).wrapKey("RSA-OAEP-256", dek),
    unwrapKey: () => h.cryptoClient(key.id!, oid).unwrapKey("RSA-OAEP-256", wrapped),
    decrypt: () => h.cryptoClient(key.id!, oid).decrypt({ algorithm: "RSA-OAEP-256", ciphertext: encrypted }),
  };
  const out = {} as Record<Op, string>;
  for (const op of OPS) {
    try {
      await runs[op]();
      out[op] = "allowed";
    } catch (err) {
      const e = err as { statusCode?: number; code?: string; details?: { error?: { innerError?: { code?: string } } }; message: string };
      // Paged operations (list) throw "Pagination failed with unexpected statusCode 403" without `details`.
      out[op] = e.statusCode ? `${e.statusCode} ${e.code}/${e.details ? e.details.error?.innerError?.code : "(no details)"}` : `error: ${e.message}`;
    }
  }
  return out;
}

const A = "allowed";
const R = "403 Forbidden/ForbiddenByRbac";
const RL = "403 Forbidden/(no details)"; // list refused: the SDK's pager drops the error body
const expected: Record<string, Record<Op, string>> = {
  "Key Vault Administrator": { get: A, list: A, create: A, update: A, rotate: A, delete: A, backup: A, wrapKey: A, unwrapKey: A, decrypt: A },
  "Key Vault Crypto Officer": { get: A, list: A, create: A, update: A, rotate: A, delete: A, backup: A, wrapKey: A, unwrapKey: A, decrypt: A },
  "Key Vault Crypto User": { get: A, list: A, create: R, update: A, rotate: R, delete: R, backup: A, wrapKey: A, unwrapKey: A, decrypt: A },
  "Key Vault Crypto Service Encryption User": { get: A, list: A, create: R, update: R, rotate: R, delete: R, backup: R, wrapKey: A, unwrapKey: A, decrypt: R },
  "Key Vault Reader": { get: A, list: A, create: R, update: R, rotate: R, delete: R, backup: R, wrapKey: R, unwrapKey: R, decrypt: R },
  // An HSM role means nothing on a vault.
  "Managed HSM Crypto User": { get: R, list: RL, create: R, update: R, rotate: R, delete: R, backup: R, wrapKey: R, unwrapKey: R, decrypt: R },
};

describe("built-in roles at vault scope", () => {
  for (const [i, [role, allowed]] of Object.entries(expected).entries()) {
    it(`${role}`, async () => {
      const oid = `principal-${i}`;
      await h.mgmt.putRoleAssignment(`ra-${i}`, { principalId: oid, roleDefinitionName: role, scope: vaultId });
      expect(await tryAll(oid, `r${i}`)).toEqual(allowed);
    });
  }

  it("no role at all: everything refused", async () => {
    const all = Object.fromEntries(OPS.map((op) => [op, op === "list" ? RL : R]));
    expect(await tryAll("nobody", "none")).toEqual(all);
  });

  it("purge and recover need Crypto Officer (or Administrator), under Azure's data action names", async () => {
    await admin.createRsaKey("purge-me");
    await admin.createRsaKey("recover-me");
    for (const name of ["purge-me", "recover-me"]) await (await admin.beginDeleteKey(name, { intervalInMs: 10 })).pollUntilDone();
    await h.mgmt.putRoleAssignment("ra-purge-user", { principalId: "purge-user", roleDefinitionName: "Key Vault Crypto User", scope: vaultId });
    const user = h.keyClient("rbacvault", "purge-user");
    const purge = await rejectionOf(user.purgeDeletedKey("purge-me"));
    expect(purge.statusCode).toBe(403);
    expect(purge.message).toContain("Action: 'Microsoft.KeyVault/vaults/keys/purge/action'");
    const recover = await rejectionOf(user.beginRecoverDeletedKey("recover-me"));
    expect(recover.statusCode).toBe(403);
    expect(recover.message).toContain("Action: 'Microsoft.KeyVault/vaults/keys/recover/action'");
    // Deleted keys are read with keys/read, which the Crypto User has.
    expect((await user.getDeletedKey("purge-me")).name).toBe("purge-me");

    await h.mgmt.putRoleAssignment("ra-purge-officer", { principalId: "purge-officer", roleDefinitionName: "Key Vault Crypto Officer", scope: vaultId });
    const officer = h.keyClient("rbacvault", "purge-officer");
    await officer.purgeDeletedKey("purge-me");
    expect((await (await officer.beginRecoverDeletedKey("recover-me", { intervalInMs: 10 })).pollUntilDone()).name).toBe("recover-me");
  });

  it("Crypto Officer's data actions are keys/* and keyrotationpolicies/* only: it manages keys and their rotation policies", async () => {
    await h.mgmt.putRoleAssignment("ra-officer-policy", { principalId: "policy-officer", roleDefinitionName: "Key Vault Crypto Officer", scope: vaultId });
    const officer = h.keyClient("rbacvault", "policy-officer");
    await officer.updateKeyRotationPolicy("shared", { lifetimeActions: [{ action: "Notify", timeBeforeExpiry: "P30D" }] });
    expect((await officer.getKeyRotationPolicy("shared")).lifetimeActions).toEqual([{ action: "Notify", timeBeforeExpiry: "P30D" }]);
    // The Crypto User has neither rotation policy action.
    await h.mgmt.putRoleAssignment("ra-user-policy", { principalId: "policy-user", roleDefinitionName: "Key Vault Crypto User", scope: vaultId });
    const denied = await rejectionOf(h.keyClient("rbacvault", "policy-user").getKeyRotationPolicy("shared"));
    expect(denied.statusCode).toBe(403);
    expect(denied.message).toContain("Action: 'Microsoft.KeyVault/vaults/keyrotationpolicies/read'");
  });
});

describe("scopes and revocation", () => {
  it("a key-scoped grant reaches that key only, and does not allow listing", async () => {
    const other = await admin.createRsaKey("other");
    await h.mgmt.putRoleAssignment("ra-key-scope", {
      principalId: "key-scoped", roleDefinitionName: "Key Vault Crypto Service Encryption User", scope: `${vaultId}/keys/shared`,
    });
    const ok = await h.cryptoClient(key.id!, "key-scoped").unwrapKey("RSA-OAEP-256", wrapped);
    expect(Buffer.from(ok.result).equals(dek)).toBe(true);
    const err = await rejectionOf(h.cryptoClient(other.id!, "key-scoped").wrapKey("RSA-OAEP-256", dek));
    expect(err.statusCode).toBe(403);
    const list = await rejectionOf((async () => { for await (const _ of h.keyClient("rbacvault", "key-scoped").listPropertiesOfKeys()) { /* drain */ } })());
    expect(list.statusCode).toBe(403);
  });

  it("a grant at resource group or subscription scope covers the vault", async () => {
    const rgScope = vaultId.replace(/\/providers\/.*$/, "");
    await h.mgmt.putRoleAssignment("ra-rg", { principalId: "rg-user", roleDefinitionName: "Key Vault Reader", scope: rgScope });
    expect((await h.keyClient("rbacvault", "rg-user").getKey("shared")).name).toBe("shared");
    // Another resource group does not.
    await h.mgmt.putRoleAssignment("ra-rg2", { principalId: "rg2-user", roleDefinitionName: "Key Vault Reader", scope: `${rgScope}-other` });
    expect((await rejectionOf(h.keyClient("rbacvault", "rg2-user").getKey("shared"))).statusCode).toBe(403);
  });

  it("removing the assignment refuses the very next unwrap with ForbiddenByRbac, naming the action", async () => {
    await h.mgmt.putRoleAssignment("ra-app", { principalId: "app", roleDefinitionName: "Key Vault Crypto Service Encryption User", scope: vaultId });
    const cc = h.cryptoClient(key.id!, "app");
    expect(Buffer.from((await cc.unwrapKey("RSA-OAEP-256", wrapped)).result).equals(dek)).toBe(true);
    await h.mgmt.deleteRoleAssignment("ra-app");
    const err = await rejectionOf(cc.unwrapKey("RSA-OAEP-256", wrapped));
    expect(err.statusCode).toBe(403);
    expect(err.code).toBe("Forbidden");
    expect(err.details?.error?.innerError?.code).toBe("ForbiddenByRbac");
    expect(err.message).toMatch(/^Caller is not authorized to perform action on resource\.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time\.\r\nCaller: .*oid=app;/);
    expect(err.message).toContain("Action: 'Microsoft.KeyVault/vaults/keys/unwrap/action'");
    expect(err.message).toContain(`Resource: '${vaultId.toLowerCase()}/keys/shared'`);
    // And a new grant restores access at once.
    await h.mgmt.putRoleAssignment("ra-app", { principalId: "app", roleDefinitionName: "Key Vault Crypto Service Encryption User", scope: vaultId });
    expect(Buffer.from((await cc.unwrapKey("RSA-OAEP-256", wrapped)).result).equals(dek)).toBe(true);
  });

  it("lists assignments and validates them", async () => {
    const list = await h.mgmt.roleAssignments();
    const app = list.find((a) => a.id === "ra-app");
    expect(app).toMatchObject({ principalId: "app", roleDefinitionName: "Key Vault Crypto Service Encryption User", scope: vaultId,
      resourceId: `${vaultId}/providers/Microsoft.Authorization/roleAssignments/ra-app` });
    const badRole = await h.mgmt.request("PUT", "/roleAssignments/bad", { principalId: "x", roleDefinitionName: "Key Vault God", scope: vaultId });
    expect(badRole.status).toBe(400);
    const badScope = await h.mgmt.request("PUT", "/roleAssignments/bad", { principalId: "x", roleDefinitionName: "Key Vault Reader", scope: "vaults/x" });
    expect(badScope.status).toBe(400);
    expect((await h.mgmt.request("DELETE", "/roleAssignments/never-existed")).status).toBe(204);
  });
});
