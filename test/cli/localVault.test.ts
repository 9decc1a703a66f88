// `keyward local ...` against an in-process embedded keyward: vaults, keys (through the real Key
// Vault SDK) and role assignments on the local vault, shaped like az, each outcome read back
// through the local vault itself (the management API, a KeyClient of the test's own) or keyward's
// API (the policy's key probe); the waits for a role change to take effect under the delay
// `npm start` runs the vault with; and the refusals: a remote API, an Azure vault template, a key
// id or scope outside the local vaults, the platform's own vault, a management URL off this
// machine, no local file.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { Keyward, KEYS_ADMIN } from "../support/keyward";
import { enterprisePolicyBody } from "../../local/embeddedApi";
import { PLATFORM_KEY, PLATFORM_VAULT } from "../../local/platformKey";
import { cli, json, localFileFor, writeLocalFile, type Run } from "./support/cliAgainst";
import type { LocalFile } from "../../local/cli/localFile";

let kw: Keyward;
let local: LocalFile;
let localFile: string;

beforeAll(async () => {
  kw = await Keyward.start();
  local = await localFileFor(kw);
  localFile = writeLocalFile(local);
});
afterAll(async () => {
  await kw?.stop();
  if (localFile) fs.rmSync(path.dirname(localFile), { recursive: true, force: true });
});

const run = (argv: string[], env?: Record<string, string>) => cli(argv, { localFile, env });
const vaultName = () => `kv${randomBytes(5).toString("hex")}`;
const ENCRYPTION_USER = "Key Vault Crypto Service Encryption User";

async function createVault(name: string, ...extra: string[]): Promise<string> {
  const created = await run(["local", "keyvault", "create", "--name", name, "--enable-purge-protection", ...extra]);
  expect(created.code, created.stderr).toBe(0);
  return json(created).id;
}

/** The vault as the local vault's management API reports it, or undefined. */
async function vaultState(name: string) {
  const res = await kw.management.request<any>("GET", `/vaults/${name}`);
  return res.status === 200 ? res.body : undefined;
}

describe("keyward local keyvault", () => {
  it("creates a vault with soft delete and purge protection, granting its creator Crypto Officer as az does, and never changes an existing one", async () => {
    const name = vaultName();
    const created = await run(["local", "keyvault", "create", "--name", name, "--enable-purge-protection", "--retention-days", "30"]);
    expect(created.code, created.stderr).toBe(0);
    const out = json(created);
    expect(out).toMatchObject({ name, type: "Microsoft.KeyVault/vaults", properties: { enablePurgeProtection: true, enableSoftDelete: true, softDeleteRetentionInDays: 30, enableRbacAuthorization: true } });
    expect(out.id).toMatch(new RegExp(`/providers/Microsoft\\.KeyVault/vaults/${name}$`));
    expect((await vaultState(name)).properties).toMatchObject({ softDelete: true, purgeProtection: true, retentionDays: 30 });
    const assignments = await kw.management.roleAssignments();
    expect(assignments.filter((a) => a.scope === out.id)).toEqual([expect.objectContaining({ principalId: KEYS_ADMIN, roleDefinitionName: "Key Vault Crypto Officer" })]);
    expect(created.stderr).toContain(`Granted you (${KEYS_ADMIN}) "Key Vault Crypto Officer"`);

    const again = await run(["local", "keyvault", "create", "--name", name, "--retention-days", "90"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`error: VaultAlreadyExists: The vault '${name}' already exists; 'create' never changes an existing one.\n`);
    expect((await vaultState(name)).properties.retentionDays).toBe(30);

    const shown = await run(["local", "keyvault", "show", "--name", name]);
    expect(json(shown)).toEqual(out);
  });

  it("without --enable-purge-protection (or with false) and with --no-self-perms: no purge protection, no grant", async () => {
    const plain = vaultName();
    const a = await run(["local", "keyvault", "create", "--name", plain, "--no-self-perms"]);
    expect(a.code, a.stderr).toBe(0);
    expect(json(a).properties.enablePurgeProtection).toBeNull();
    expect((await vaultState(plain)).properties).toMatchObject({ softDelete: true, purgeProtection: false, retentionDays: 90 });
    expect((await kw.management.roleAssignments()).some((x) => x.scope === json(a).id)).toBe(false);
    const off = vaultName();
    expect((await run(["local", "keyvault", "create", "--name", off, "--enable-purge-protection", "false"])).code).toBe(0);
    expect((await vaultState(off)).properties.purgeProtection).toBe(false);
  });

  it("refuses bad input (exit 2 before touching the vault; a name the vault refuses, exit 1)", async () => {
    const name = vaultName();
    const short = await run(["local", "keyvault", "create", "--name", name, "--retention-days", "5"]);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain("--retention-days accepts 7 to 90");
    expect(await vaultState(name)).toBeUndefined();
    expect((await run(["local", "keyvault", "create"])).stderr).toContain("--name is required");
    expect((await run(["local", "keyvault", "create", "--name", name, "--enable-purge-protection=maybe"])).stderr).toContain("--enable-purge-protection is true or false, not 'maybe'");
    // A word after a three-state flag that is not true or false is an argument, and create takes none.
    expect((await run(["local", "keyvault", "create", "--name", name, "--enable-purge-protection", "maybe"])).stderr).toContain("expected no arguments");
    // A name Azure would refuse: the local vault refuses it too, with its message.
    const bad = await run(["local", "keyvault", "create", "--name", "-x"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("The vault name '-x' is not valid: use 3-24 letters, digits and hyphens");
  });
});

describe("keyward local keyvault key", () => {
  it("creates, shows, rotates, disables, re-enables, deletes and recovers a key, printing az's JSON; the SDK sees each change", async () => {
    const vault = vaultName();
    await createVault(vault);
    const keys = kw.api.keyClient(vault, KEYS_ADMIN);

    const created = await run(["local", "keyvault", "key", "create", "--vault-name", vault, "--name", "cmk", "--kty", "RSA", "--size", "3072",
      "--ops", "wrapKey", "unwrapKey", "--expires", "2031-01-31T00:00:00Z"]);
    expect(created.code, created.stderr).toBe(0);
    const key = json(created);
    expect(key).toMatchObject({ name: "cmk", key: { kty: "RSA", keyOps: ["wrapKey", "unwrapKey"] }, attributes: { enabled: true, expires: "2031-01-31T00:00:00.000Z", recoveryLevel: "Recoverable" } });
    const stored = await keys.getKey("cmk");
    expect(stored.id).toBe(key.key.kid);
    expect(stored.key!.n!.length * 8).toBe(3072);
    expect(stored.keyOperations).toEqual(["wrapKey", "unwrapKey"]);
    expect(stored.properties.expiresOn?.toISOString()).toBe("2031-01-31T00:00:00.000Z");

    const shown = await run(["local", "keyvault", "key", "show", "--id", key.key.kid]);
    expect(json(shown).key.kid).toBe(key.key.kid);

    const rotated = await run(["local", "keyvault", "key", "rotate", "--vault-name", vault, "--name", "cmk"]);
    expect(rotated.code, rotated.stderr).toBe(0);
    const newKid = json(rotated).key.kid;
    expect(newKid).not.toBe(key.key.kid);
    expect((await keys.getKey("cmk")).id).toBe(newKid);

    const latest = async () => {
      const versions = [];
      for await (const v of keys.listPropertiesOfKeyVersions("cmk")) versions.push(v);
      return versions.find((v) => v.id === newKid)!;
    };
    const disabled = await run(["local", "keyvault", "key", "set-attributes", "--vault-name", vault, "--name", "cmk", "--enabled", "false"]);
    expect(disabled.code, disabled.stderr).toBe(0);
    expect(json(disabled).attributes.enabled).toBe(false);
    expect((await latest()).enabled).toBe(false);
    const enabled = await run(["local", "keyvault", "key", "set-attributes", "--vault-name", vault, "--name", "cmk", "--enabled", "--expires", "2032-06-30T12:00:00Z"]);
    expect(enabled.code, enabled.stderr).toBe(0);
    expect(await latest()).toMatchObject({ enabled: true, expiresOn: new Date("2032-06-30T12:00:00Z") });
    // One version by --version: the first one, disabled alone.
    const firstVersion = key.key.kid.split("/").pop();
    expect((await run(["local", "keyvault", "key", "set-attributes", "--vault-name", vault, "--name", "cmk", "--version", firstVersion, "--enabled", "false"])).code).toBe(0);
    expect((await keys.getKey("cmk")).properties.enabled).toBe(true);
    expect((await run(["local", "keyvault", "key", "set-attributes", "--vault-name", vault, "--name", "cmk"])).stderr).toContain("nothing to change");

    const deleted = await run(["local", "keyvault", "key", "delete", "--vault-name", vault, "--name", "cmk"]);
    expect(deleted.code, deleted.stderr).toBe(0);
    const gone = json(deleted);
    expect(gone.recoveryId).toBe(`${kw.vault.vaultUrl(vault)}/deletedkeys/cmk`);
    expect(gone.scheduledPurgeDate).toBeTruthy();
    expect((await keys.getDeletedKey("cmk")).name).toBe("cmk");
    await expect(keys.getKey("cmk")).rejects.toMatchObject({ statusCode: 404 });

    const recovered = await run(["local", "keyvault", "key", "recover", "--id", gone.recoveryId]);
    expect(recovered.code, recovered.stderr).toBe(0);
    expect(json(recovered).key.kid).toBe(newKid);
    expect((await keys.getKey("cmk")).id).toBe(newKid);
  });

  it("creates RSA-HSM and disabled keys, refuses other types, and names a vault that does not exist", async () => {
    const vault = vaultName();
    await createVault(vault);
    const hsm = await run(["local", "keyvault", "key", "create", "--vault-name", vault, "--name", "hsm-key", "--kty", "RSA-HSM", "--disabled"]);
    expect(hsm.code, hsm.stderr).toBe(0);
    expect(json(hsm)).toMatchObject({ key: { kty: "RSA-HSM" }, attributes: { enabled: false } });
    const versions = [];
    for await (const v of kw.api.keyClient(vault, KEYS_ADMIN).listPropertiesOfKeyVersions("hsm-key")) versions.push(v);
    expect(versions.map((v) => v.enabled)).toEqual([false]);

    const ec = await run(["local", "keyvault", "key", "create", "--vault-name", vault, "--name", "ec", "--kty", "EC"]);
    expect(ec.code).toBe(2);
    expect(ec.stderr).toContain("--kty is RSA or RSA-HSM");
    const badDate = await run(["local", "keyvault", "key", "create", "--vault-name", vault, "--name", "k", "--expires", "next tuesday"]);
    expect(badDate.stderr).toContain("--expires needs a UTC date and time");
    const badSize = await run(["local", "keyvault", "key", "create", "--vault-name", vault, "--name", "k", "--size", "1024"]);
    expect(badSize.code).toBe(1);
    expect(badSize.stderr).toMatch(/^error: \w+: .*key size/i);
    const missing = await run(["local", "keyvault", "key", "create", "--vault-name", "no-such-vault", "--name", "k"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("error: VaultNotFound: There is no vault https://no-such-vault.vault.azure.net:");
  });
});

describe("keyward local role assignment", () => {
  it("grants the policy's identity on the key, lists, and deletes by id or by filter, as az does; keyward's probe follows each", async () => {
    const vault = vaultName();
    const vaultId = await createVault(vault);
    expect((await run(["local", "keyvault", "key", "create", "--vault-name", vault, "--name", "cmk", "--ops", "wrapKey", "unwrapKey"])).code).toBe(0);
    const policy = `p${randomBytes(4).toString("hex")}`;
    const principal = (await kw.api.expect(201, "PUT", `enterprisePolicies/${policy}`, { oid: KEYS_ADMIN, roles: ["Keys.Admin"] }, enterprisePolicyBody(vaultId, "cmk"))).identity.principalId;
    const health = async () => (await kw.keysAdmin("GET", `enterprisePolicies/${policy}/health`)).body.status;
    expect(await health()).toBe("Forbidden");
    const scope = `${vaultId}/keys/cmk`;

    // az takes the role's name in any case.
    const created = await run(["local", "role", "assignment", "create", "--assignee", principal, "--role", ENCRYPTION_USER.toLowerCase(), "--scope", scope]);
    expect(created.code, created.stderr).toBe(0);
    const assignment = json(created);
    expect(assignment).toMatchObject({ principalId: principal, roleDefinitionName: ENCRYPTION_USER, scope, type: "Microsoft.Authorization/roleAssignments" });
    expect(assignment.id).toBe(`${scope}/providers/Microsoft.Authorization/roleAssignments/${assignment.name}`);
    expect(await kw.management.roleAssignments()).toContainEqual(expect.objectContaining({ id: assignment.name, principalId: principal, scope }));
    expect(await health()).toBe("Healthy");

    const twice = await run(["local", "role", "assignment", "create", "--assignee-object-id", principal, "--role", ENCRYPTION_USER, "--scope", scope]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toBe("error: RoleAssignmentExists: The role assignment already exists.\n");

    const byAssignee = json(await run(["local", "role", "assignment", "list", "--assignee", principal]));
    expect(byAssignee.map((a: any) => a.id)).toEqual([assignment.id]);
    const atVault = json(await run(["local", "role", "assignment", "list", "--scope", vaultId]));
    expect(atVault.map((a: any) => a.roleDefinitionName)).toEqual(["Key Vault Crypto Officer"]);
    const inherited = json(await run(["local", "role", "assignment", "list", "--scope", scope, "--include-inherited"]));
    expect(inherited.map((a: any) => a.roleDefinitionName).sort()).toEqual(["Key Vault Crypto Officer", ENCRYPTION_USER]);

    const byId = await run(["local", "role", "assignment", "delete", "--ids", assignment.id]);
    expect(byId.code, byId.stderr).toBe(0);
    expect(json(byId)).toEqual([assignment]);
    expect((await kw.management.roleAssignments()).some((a) => a.id === assignment.name)).toBe(false);
    expect(await health()).toBe("Forbidden");

    expect((await run(["local", "role", "assignment", "create", "--assignee", principal, "--role", ENCRYPTION_USER, "--scope", scope, "--name", "grant-again"])).code).toBe(0);
    expect(await health()).toBe("Healthy");
    const byFilter = await run(["local", "role", "assignment", "delete", "--assignee", principal, "--role", ENCRYPTION_USER, "--scope", scope]);
    expect(byFilter.code, byFilter.stderr).toBe(0);
    expect(json(byFilter).map((a: any) => a.name)).toEqual(["grant-again"]);
    expect(await health()).toBe("Forbidden");

    const none = await run(["local", "role", "assignment", "delete", "--assignee", principal]);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe("error: RoleAssignmentNotFound: No matched assignments were found to delete.\n");
  });

  it("refuses an unknown role, a missing option and a delete that names nothing", async () => {
    const vaultId = await createVault(vaultName());
    const unknown = await run(["local", "role", "assignment", "create", "--assignee", "x", "--role", "Owner", "--scope", vaultId]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(`--role 'Owner' is not a role of the local vault; use one of: "Key Vault Administrator"`);
    expect((await run(["local", "role", "assignment", "create", "--assignee", "x", "--role", ENCRYPTION_USER])).stderr).toContain("--assignee, --role and --scope are required");
    expect((await run(["local", "role", "assignment", "delete"])).code).toBe(2);
    expect((await run(["local", "role", "assignment", "delete", "--ids", "not-an-id"])).stderr).toContain("is not a role assignment id");
  });
});

describe("keyward local under the role propagation delay (npm start's 5 s)", () => {
  const DELAY_S = 5;
  /** Runs `body` with the local vault applying role changes DELAY_S late, then puts it back. */
  async function underDelay(body: () => Promise<void>): Promise<void> {
    const before = (await kw.management.behaviour()).rolePropagationSeconds;
    await kw.management.setBehaviour({ rolePropagationSeconds: DELAY_S });
    try {
      await body();
    } finally {
      await kw.management.setBehaviour({ rolePropagationSeconds: before });
    }
  }
  const afterSeconds = (stderr: string) => Number(/is in effect \(after ([\d.]+) s\)/.exec(stderr)?.[1] ?? NaN);

  it("keyvault create returns once its Crypto Officer grant is in effect: a key create right after it succeeds; with --no-wait it gets 403", async () => {
    await underDelay(async () => {
      const vault = vaultName();
      const started = Date.now();
      const created = await run(["local", "keyvault", "create", "--name", vault, "--enable-purge-protection"]);
      expect(created.code, created.stderr).toBe(0);
      expect(created.stderr).toContain("Waiting for your grant to take effect: the local vault applies role changes 5 s late, as Azure RBAC does");
      expect(afterSeconds(created.stderr)).toBeGreaterThanOrEqual(DELAY_S - 1);
      expect(Date.now() - started).toBeGreaterThanOrEqual((DELAY_S - 1) * 1000);
      const grant = (await kw.management.roleAssignments()).find((a) => a.scope === json(created).id)!;
      expect((await kw.management.rolePropagation(grant.id)).state).toBe("effective");
      const key = await run(["local", "keyvault", "key", "create", "--vault-name", vault, "--name", "cmk", "--size", "3072", "--ops", "wrapKey", "unwrapKey"]);
      expect(key.code, key.stderr).toBe(0);
      expect((await kw.api.keyClient(vault, KEYS_ADMIN).getKey("cmk")).id).toBe(json(key).key.kid);

      // Without the wait, the same key create right after is refused: the grant is not in effect yet.
      const early = vaultName();
      const noWait = await run(["local", "keyvault", "create", "--name", early, "--no-wait"]);
      expect(noWait.code, noWait.stderr).toBe(0);
      expect(noWait.stderr).toContain("Not waiting (--no-wait): the local vault applies your grant 5 s from now");
      const refused = await run(["local", "keyvault", "key", "create", "--vault-name", early, "--name", "cmk"]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^error: Forbidden: /);
    });
  });

  it("role assignment create and delete return once the vault applies them: keyward's probe sees each at once", async () => {
    const vault = vaultName();
    const vaultId = await createVault(vault);
    expect((await run(["local", "keyvault", "key", "create", "--vault-name", vault, "--name", "cmk", "--ops", "wrapKey", "unwrapKey"])).code).toBe(0);
    const policy = `p${randomBytes(4).toString("hex")}`;
    const principal = (await kw.api.expect(201, "PUT", `enterprisePolicies/${policy}`, { oid: KEYS_ADMIN, roles: ["Keys.Admin"] }, enterprisePolicyBody(vaultId, "cmk"))).identity.principalId;
    const health = async () => (await kw.keysAdmin("GET", `enterprisePolicies/${policy}/health`)).body.status;
    const scope = `${vaultId}/keys/cmk`;
    await underDelay(async () => {
      const granted = await run(["local", "role", "assignment", "create", "--assignee", principal, "--role", ENCRYPTION_USER, "--scope", scope]);
      expect(granted.code, granted.stderr).toBe(0);
      expect(granted.stderr).toContain("Waiting for the grant to take effect");
      expect(afterSeconds(granted.stderr)).toBeGreaterThanOrEqual(DELAY_S - 1);
      expect(await health()).toBe("Healthy");

      const revoked = await run(["local", "role", "assignment", "delete", "--ids", json(granted).id]);
      expect(revoked.code, revoked.stderr).toBe(0);
      expect(revoked.stderr).toContain("Waiting for the revocation to take effect");
      expect((await kw.management.rolePropagation(json(granted).name)).state).toBe("absent");
      expect(await health()).toBe("Forbidden");

      // --no-wait: accepted, listed, not yet honoured.
      const quick = await run(["local", "role", "assignment", "create", "--assignee", principal, "--role", ENCRYPTION_USER, "--scope", scope, "--no-wait"]);
      expect(quick.code, quick.stderr).toBe(0);
      expect((await kw.management.rolePropagation(json(quick).name)).state).toBe("propagating");
      expect(await health()).toBe("Forbidden");
    });
  });
});

describe("keyward local leaves the platform's own vault alone", () => {
  const platformPrincipal = () => kw.stack.appSettings.KEYWARD_PLATFORM_PRINCIPAL_ID;
  async function refused(result: Run, message: RegExp): Promise<void> {
    expect(result.code, result.stdout).toBe(1);
    expect(result.stderr).toMatch(/^error: refused: /);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe("");
  }

  it("refuses key commands on it, and role assignments in, on or above it (its resource group and subscription), changing nothing", async () => {
    const platformVaultId = (await kw.management.getVault(PLATFORM_VAULT)).id;
    const before = await kw.management.roleAssignments();
    expect(before.filter((a) => a.scope === platformVaultId).length).toBeGreaterThanOrEqual(2);
    const platformGrant = before.find((a) => a.principalId === platformPrincipal() && a.scope === platformVaultId)!;

    const keyCommand = /keyward-platform is the platform's own vault, not a customer's: 'keyward local' does not change it, as it holds the platform key every environment starts on/;
    await refused(await run(["local", "keyvault", "key", "delete", "--vault-name", PLATFORM_VAULT, "--name", PLATFORM_KEY]), keyCommand);
    await refused(await run(["local", "keyvault", "key", "set-attributes", "--id", kw.stack.platformKeyId, "--enabled", "false"]), keyCommand);
    await refused(await run(["local", "keyvault", "key", "create", "--vault-name", "KEYWARD-PLATFORM", "--name", "mine"]), /KEYWARD-PLATFORM is the platform's own vault/);

    const inVault = /The scope .* (is in|covers) the platform's own vault .*vaults\/keyward-platform: 'keyward local' does not change role assignments there/;
    await refused(await run(["local", "role", "assignment", "create", "--assignee", KEYS_ADMIN, "--role", "Key Vault Administrator", "--scope", platformVaultId]), inVault);
    await refused(await run(["local", "role", "assignment", "create", "--assignee", KEYS_ADMIN, "--role", "Key Vault Administrator", "--scope", `${platformVaultId}/keys/${PLATFORM_KEY}`]), /is in the platform's own vault/);
    const resourceGroup = platformVaultId.split("/providers/")[0];
    await refused(await run(["local", "role", "assignment", "create", "--assignee", KEYS_ADMIN, "--role", "Key Vault Administrator", "--scope", resourceGroup]), /covers the platform's own vault/);
    await refused(await run(["local", "role", "assignment", "create", "--assignee", KEYS_ADMIN, "--role", "Key Vault Administrator", "--scope", resourceGroup.split("/resourceGroups/")[0]]), /covers the platform's own vault/);
    await refused(await run(["local", "role", "assignment", "delete", "--ids", platformGrant.resourceId]), inVault);
    // Filters without a scope that match the platform's grant: refused before any is deleted.
    await refused(await run(["local", "role", "assignment", "delete", "--assignee", platformPrincipal()]), inVault);
    await refused(await run(["local", "role", "assignment", "delete", "--role", ENCRYPTION_USER]), inVault);

    expect(await kw.management.roleAssignments()).toEqual(before);
    const platformKey = await kw.api.keyClient(PLATFORM_VAULT, platformPrincipal()).getKey(PLATFORM_KEY);
    expect(platformKey.properties.enabled).toBe(true);
    // Reading is not changing: its role assignments still list.
    expect(json(await run(["local", "role", "assignment", "list", "--scope", platformVaultId])).length).toBe(before.filter((a) => a.scope === platformVaultId).length);
  });
});

describe("keyward local refuses anything but the embedded default", () => {
  async function refusedWith(result: Run, message: RegExp): Promise<void> {
    expect(result.code, result.stdout).toBe(1);
    expect(result.stderr).toMatch(/^error: refused: /);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe("");
  }

  it("refuses a KEYWARD_API or --api that is not the local keyward, creating nothing", async () => {
    const name = vaultName();
    await refusedWith(await run(["local", "keyvault", "create", "--name", name], { KEYWARD_API: "https://keyward.contoso.example/api" }),
      /KEYWARD_API is https:\/\/keyward\.contoso\.example\/api, not the local keyward \(http:\/\/127\.0\.0\.1:\d+\/api in \.keyward\/local\.json\)/);
    await refusedWith(await run(["local", "keyvault", "create", "--name", name, "--api", "https://keyward.contoso.example/api"]), /--api is https:\/\/keyward\.contoso\.example\/api/);
    expect(await vaultState(name)).toBeUndefined();
    // The local keyward's own address is fine.
    expect((await run(["local", "keyvault", "create", "--name", name], { KEYWARD_API: `${kw.stack.apiBaseUrl}/` })).code).toBe(0);
  });

  it("refuses a local file whose vault template, management URL or API is not the local default's", async () => {
    const name = vaultName();
    const cases: [Partial<LocalFile>, RegExp][] = [
      [{ vault: { ...local.vault, urlTemplate: "https://{vault}.vault.azure.net" } }, /The vault URL template "https:\/\/\{vault\}\.vault\.azure\.net" in \.keyward\/local\.json is not the local Key Vault's/],
      [{ vault: { ...local.vault, managementUrl: "https://management.azure.com/_local" } }, /The vault management URL "https:\/\/management\.azure\.com\/_local" .* is not the local vault's/],
      [{ apiBaseUrl: "https://keyward.azurewebsites.net/api" }, /names the API "https:\/\/keyward\.azurewebsites\.net\/api", which is not on this machine/],
    ];
    for (const [change, message] of cases) {
      const doctored = writeLocalFile({ ...local, ...change });
      try {
        await refusedWith(await cli(["local", "keyvault", "create", "--name", name], { localFile: doctored }), message);
      } finally {
        fs.rmSync(path.dirname(doctored), { recursive: true, force: true });
      }
    }
    expect(await vaultState(name)).toBeUndefined();
  });

  it("refuses a key id, a scope or an assignment id outside the local vaults", async () => {
    const vault = vaultName();
    const vaultId = await createVault(vault);
    await refusedWith(await run(["local", "keyvault", "key", "rotate", "--id", "https://contoso.vault.azure.net/keys/cmk"]),
      /https:\/\/contoso\.vault\.azure\.net\/keys\/cmk is not a key of the local Key Vault: its vaults are https:\/\/\{vault\}\.vault\.azure\.net:\d+/);
    await refusedWith(await run(["local", "keyvault", "key", "delete", "--id", `https://${vault}.vault.azure.net:1/keys/cmk`]), /is not a key of the local Key Vault/);
    const foreign = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/prod/providers/Microsoft.KeyVault/vaults/prodvault";
    const before = (await kw.management.roleAssignments()).length;
    await refusedWith(await run(["local", "role", "assignment", "create", "--assignee", KEYS_ADMIN, "--role", "Key Vault Administrator", "--scope", foreign]),
      /The scope \/subscriptions\/11111111-2222-3333-4444-555555555555\/.*prodvault is not a vault of the local Key Vault/);
    await refusedWith(await run(["local", "role", "assignment", "delete", "--ids", `${foreign}/providers/Microsoft.Authorization/roleAssignments/x`]), /is not a vault of the local Key Vault/);
    expect((await kw.management.roleAssignments()).length).toBe(before);
    // The local vault's own subscription and resource group are local scopes.
    const resourceGroup = vaultId.split("/providers/")[0];
    expect((await run(["local", "role", "assignment", "list", "--scope", resourceGroup])).code).toBe(0);
  });

  it("says to start the embedded default when its vault does not answer", async () => {
    const vault = vaultName();
    await createVault(vault);
    // Port 9 (discard) on loopback: nothing listens there.
    const deadManagement = writeLocalFile({ ...local, vault: { ...local.vault, managementUrl: "https://127.0.0.1:9/_local" } });
    const deadVault = writeLocalFile({ ...local, vault: { ...local.vault, urlTemplate: "https://{vault}.vault.azure.net:9" } });
    try {
      const shown = await cli(["local", "keyvault", "show", "--name", vault], { localFile: deadManagement });
      expect(shown.code).toBe(1);
      expect(shown.stderr).toBe("error: The local Key Vault (https://127.0.0.1:9/_local) does not answer (ECONNREFUSED): is 'npm start' running?\n");
      const key = await cli(["local", "keyvault", "key", "rotate", "--vault-name", vault, "--name", "cmk"], { localFile: deadVault });
      expect(key.code).toBe(1);
      expect(key.stderr).toBe(`error: The local Key Vault (https://${vault}.vault.azure.net:9) does not answer (ECONNREFUSED): is 'npm start' running?\n`);
    } finally {
      for (const f of [deadManagement, deadVault]) fs.rmSync(path.dirname(f), { recursive: true, force: true });
    }
  });

  it("says to start the embedded default when there is no local file", async () => {
    const res = await cli(["local", "keyvault", "show", "--name", "x"], { localFile: path.join(path.dirname(localFile), "missing", "local.json") });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/local\.json does not exist: 'keyward local' drives the embedded default, so start it first with 'npm start'/);
  });
});

describe("keyward local help", () => {
  it("lists the local commands and explains each", async () => {
    const all = await run(["--help"]);
    for (const words of ["local keyvault create", "local keyvault key create", "local keyvault key set-attributes", "local keyvault key recover", "local role assignment delete", "alerts", "audit", "licenses set", "records import"]) {
      expect(all.stdout).toContain(`  ${words}`);
    }
    const help = await run(["local", "keyvault", "key", "create", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("usage: keyward local keyvault key create --vault-name <value> --name <value> [--kty <value>] [--size <value>]");
    expect(help.stdout).toContain("[--ops <value...>] [--disabled [true|false]]");
    expect(help.stdout).toContain("it refuses to run against anything else");
    const group = await run(["local", "keyvault", "frobnicate"]);
    expect(group.code).toBe(2);
    expect(group.stderr).toContain("local keyvault has: create, show, key create, key show, key rotate, key set-attributes, key delete, key recover");
  });
});
