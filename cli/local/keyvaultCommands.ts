// `keyward local keyvault ...`: the key vault administrator's side of the reference's setup on the
// embedded default, named and shaped like the Azure CLI's `az keyvault` commands (the same
// flags; the same JSON out). Vaults go through the local vault's management API (the stand-in
// for ARM), keys through the real Key Vault SDK as the local Keys.Admin principal.
import { randomUUID } from "node:crypto";
import type { KeyClient, KeyVaultKey } from "@azure/keyvault-keys";
import { booleanValue, value, values, UsageError } from "../args";
import { ApiCallError } from "../client";
import { EXIT, required, type Command, type CommandContext } from "../command";
import type { LocalDefault } from "./localDefault";
import { azDeletedKey, azKey, azVault } from "./azShapes";
import { vaultCall } from "./vaultErrors";
import { awaitRoleChanges, NO_WAIT } from "./roleWait";
import type { VaultInfo } from "../../local/keyvault/managementClient";

/** What `az keyvault create` grants its creator on a new vault, so they can create keys in it. */
const CREATOR_ROLE = "Key Vault Crypto Officer";
/** The poll interval of the SDK's delete and recover pollers (its default is 2 s). */
const POLL_MS = 250;

function printJson(ctx: CommandContext, body: unknown): number {
  ctx.print(JSON.stringify(body, null, 2));
  return EXIT.ok;
}

/** `--expires` / `--not-before`: a UTC date and time, as az's `Y-m-d'T'H:M:S'Z'`. */
function dateOption(ctx: CommandContext, name: string): Date | undefined {
  const raw = value(ctx.args, name);
  if (raw === undefined) return undefined;
  const at = /^\d{4}-\d{2}-\d{2}/.test(raw) ? new Date(raw) : new Date(NaN);
  if (Number.isNaN(at.getTime())) throw new UsageError(`--${name} needs a UTC date and time such as 2030-01-31T00:00:00Z, not '${raw}'`);
  return at;
}

interface KeyTarget {
  vaultName: string;
  name: string;
  version?: string;
}

/** The key a command is about: --id, or --vault-name and --name (and --version where it applies). */
function keyTarget(ctx: CommandContext, local: LocalDefault, collection: "keys" | "deletedkeys" = "keys"): KeyTarget {
  const id = value(ctx.args, "id");
  if (id) {
    if (value(ctx.args, "vault-name") || value(ctx.args, "name")) throw new UsageError("give either --id or --vault-name and --name, not both");
    const parts = local.parseKeyId(id);
    if (parts.collection !== collection) throw new UsageError(collection === "keys" ? `${id} is a deleted key's recovery id; 'recover' takes it` : `${id} is not a recovery id (…/deletedkeys/<name>)`);
    return { vaultName: parts.vaultName, name: parts.name, version: parts.version };
  }
  if (!value(ctx.args, "vault-name") || !value(ctx.args, "name")) throw new UsageError("--vault-name and --name are required (or --id)");
  return { vaultName: required(ctx, "vault-name"), name: required(ctx, "name"), version: value(ctx.args, "version") };
}

async function withKeys<T>(ctx: CommandContext, target: KeyTarget, call: (client: KeyClient, local: LocalDefault) => Promise<T>): Promise<T> {
  const local = ctx.local();
  local.checkKeyVault(target.vaultName);
  return vaultCall(local.vaultUrl(target.vaultName), () => call(local.keyClient(target.vaultName), local));
}

const KEY_ID = { id: "the key's id (https://<vault>.vault.azure.net:<port>/keys/<name>[/<version>]) instead of --vault-name and --name" };
const VAULT_AND_NAME = { "vault-name": "the vault's name", name: "the key's name" };

export const LOCAL_KEYVAULT_COMMANDS: Command[] = [
  {
    words: ["local", "keyvault", "create"], params: [], required: ["name"],
    options: {
      name: "the vault's name (3-24 letters, digits and hyphens)",
      "resource-group": "its resource group (default keyward-local)",
      "retention-days": "soft-delete retention, 7 to 90 days (default 90)",
    },
    switches: {
      "enable-purge-protection": "purge protection (the reference requires it, with soft delete, which is always on)",
      "no-self-perms": `do not grant yourself (the local Keys.Admin principal) ${CREATOR_ROLE} on the new vault`,
    },
    flags: NO_WAIT,
    summary: "Create a key vault, as 'az keyvault create' (RBAC, soft delete on; you get Crypto Officer on it, in effect when it returns).",
    async run(ctx) {
      const local = ctx.local();
      const name = required(ctx, "name");
      const retentionRaw = value(ctx.args, "retention-days") ?? "90";
      const retentionDays = /^\d+$/.test(retentionRaw) ? Number(retentionRaw) : NaN;
      if (!(retentionDays >= 7 && retentionDays <= 90)) throw new UsageError(`--retention-days accepts 7 to 90, not '${retentionRaw}'`);
      const where = local.file.vault.managementUrl;
      const existing = await vaultCall(where, () => local.management.request("GET", `/vaults/${encodeURIComponent(name)}`));
      // ARM's PUT would update an existing vault; like `keyward ... create`, create never changes one.
      if (existing.status === 200) throw new ApiCallError(409, "VaultAlreadyExists", `The vault '${name}' already exists; 'create' never changes an existing one.`);
      const vault: VaultInfo = await vaultCall(where, () => local.management.putVault(name, {
        softDelete: true, purgeProtection: booleanValue(ctx.args, "enable-purge-protection") ?? false, retentionDays,
        resourceGroup: value(ctx.args, "resource-group"),
      }));
      if (!booleanValue(ctx.args, "no-self-perms")) {
        const grant = await vaultCall(where, () => local.management.putRoleAssignment(randomUUID(), { principalId: local.adminPrincipalId, roleDefinitionName: CREATOR_ROLE, scope: vault.id }));
        ctx.note(`Granted you (${local.adminPrincipalId}) "${CREATOR_ROLE}" on ${vault.id}.`);
        await awaitRoleChanges(ctx, local, [grant.id], "your grant");
      }
      return printJson(ctx, azVault(vault));
    },
  },
  {
    words: ["local", "keyvault", "show"], params: [], required: ["name"], options: { name: "the vault's name" },
    summary: "Show a key vault, as 'az keyvault show'.",
    async run(ctx) {
      const local = ctx.local();
      const name = required(ctx, "name");
      return printJson(ctx, azVault(await vaultCall(local.file.vault.managementUrl, () => local.management.getVault(name))));
    },
  },
  {
    words: ["local", "keyvault", "key", "create"], params: [], required: ["vault-name", "name"],
    options: {
      ...VAULT_AND_NAME,
      kty: "RSA (default) or RSA-HSM",
      size: "the key size in bits: 2048 (default) or 3072 (what customer-managed keys accept)",
      expires: "expiry, a UTC date and time (2030-01-31T00:00:00Z); an expired key locks its environments",
      "not-before": "not usable before this UTC date and time",
    },
    lists: { ops: "permitted operations (default all), e.g. --ops wrapKey unwrapKey" },
    switches: { disabled: "create it disabled" },
    summary: "Create a key, or a new version of an existing one, as 'az keyvault key create'; prints its id at .key.kid.",
    async run(ctx) {
      const target = { vaultName: required(ctx, "vault-name"), name: required(ctx, "name") };
      const kty = value(ctx.args, "kty") ?? "RSA";
      if (kty !== "RSA" && kty !== "RSA-HSM") throw new UsageError(`--kty is RSA or RSA-HSM (what customer-managed keys use), not '${kty}'`);
      const sizeRaw = value(ctx.args, "size") ?? "2048";
      if (!/^\d+$/.test(sizeRaw)) throw new UsageError(`--size is a number of bits (2048 or 3072), not '${sizeRaw}'`);
      const ops = values(ctx.args, "ops");
      const key = await withKeys(ctx, target, (client) => client.createRsaKey(target.name, {
        hsm: kty === "RSA-HSM", keySize: Number(sizeRaw), expiresOn: dateOption(ctx, "expires"), notBefore: dateOption(ctx, "not-before"),
        enabled: !(booleanValue(ctx.args, "disabled") ?? false),
        ...(ops.length ? { keyOps: ops as NonNullable<Parameters<KeyClient["createRsaKey"]>[1]>["keyOps"] } : {}),
      }));
      return printJson(ctx, azKey(key));
    },
  },
  {
    words: ["local", "keyvault", "key", "show"], params: [], required: [], options: { ...VAULT_AND_NAME, version: "a version (default the latest)", ...KEY_ID },
    summary: "Show a key (its latest version, or --version), as 'az keyvault key show'.",
    async run(ctx) {
      const target = keyTarget(ctx, ctx.local());
      return printJson(ctx, azKey(await withKeys(ctx, target, (client) => client.getKey(target.name, target.version ? { version: target.version } : {}))));
    },
  },
  {
    words: ["local", "keyvault", "key", "rotate"], params: [], required: [], options: { ...VAULT_AND_NAME, ...KEY_ID },
    summary: "Rotate a key: a new version, as 'az keyvault key rotate' (keyward re-wraps its DEKs, no downtime).",
    async run(ctx) {
      const target = keyTarget(ctx, ctx.local());
      return printJson(ctx, azKey(await withKeys(ctx, target, (client) => client.rotateKey(target.name))));
    },
  },
  {
    words: ["local", "keyvault", "key", "set-attributes"], params: [], required: [],
    options: { ...VAULT_AND_NAME, version: "a version (default the latest)", ...KEY_ID, expires: "a new expiry (UTC date and time)", "not-before": "not usable before (UTC date and time)" },
    lists: { ops: "permitted operations, e.g. --ops wrapKey unwrapKey" },
    switches: { enabled: "enable (true) or disable (false) the key version: disabling locks the environments that need it" },
    summary: "Enable, disable or set the expiry of a key version, as 'az keyvault key set-attributes'.",
    async run(ctx) {
      const target = keyTarget(ctx, ctx.local());
      const enabled = booleanValue(ctx.args, "enabled");
      const expiresOn = dateOption(ctx, "expires");
      const notBefore = dateOption(ctx, "not-before");
      const ops = values(ctx.args, "ops");
      if (enabled === undefined && !expiresOn && !notBefore && !ops.length) throw new UsageError("nothing to change: give --enabled true|false, --expires, --not-before or --ops");
      const options = {
        ...(enabled !== undefined ? { enabled } : {}), ...(expiresOn ? { expiresOn } : {}), ...(notBefore ? { notBefore } : {}),
        ...(ops.length ? { keyOps: ops as KeyVaultKey["keyOperations"] } : {}),
      };
      const key = await withKeys(ctx, target, (client) => client.updateKeyProperties(target.name, target.version ?? "", options));
      return printJson(ctx, azKey(key));
    },
  },
  {
    words: ["local", "keyvault", "key", "delete"], params: [], required: [], options: { ...VAULT_AND_NAME, ...KEY_ID },
    summary: "Delete a key (soft delete: 'recover' brings it back), as 'az keyvault key delete'; its environments lock.",
    async run(ctx) {
      const target = keyTarget(ctx, ctx.local());
      const deleted = await withKeys(ctx, target, async (client) => (await client.beginDeleteKey(target.name, { intervalInMs: POLL_MS })).pollUntilDone());
      return printJson(ctx, azDeletedKey(deleted));
    },
  },
  {
    words: ["local", "keyvault", "key", "recover"], params: [], required: [],
    options: { ...VAULT_AND_NAME, id: "the deleted key's recovery id (https://<vault>.vault.azure.net:<port>/deletedkeys/<name>)" },
    summary: "Recover a deleted key, as 'az keyvault key recover'.",
    async run(ctx) {
      const target = keyTarget(ctx, ctx.local(), "deletedkeys");
      await withKeys(ctx, target, async (client) => (await client.beginRecoverDeletedKey(target.name, { intervalInMs: POLL_MS })).pollUntilDone());
      return printJson(ctx, azKey(await withKeys(ctx, target, (client) => client.getKey(target.name))));
    },
  },
];
