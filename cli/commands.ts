// The admin API's commands: policies, environments, key operations, backups and operations.
// Commands are thin: one or two API calls, then print (a table or key: value lines, or the API's
// JSON with --json). Operations (add, remove, change-policy, backups, restore, copy, reset) print
// their operation ids, or with --wait follow them to the end.
import { value, UsageError } from "./args";
import { ApiCallError, type Role } from "./client";
import { e, EXIT, required, show, type Command, type CommandContext } from "./command";
import { columns, describe } from "./format";
import { waitForOperation } from "./wait";

const vaultName = (armId: string | undefined) => armId?.split("/").pop() ?? "-";

const NO_DOWNTIME = "keep the environment online throughout (\"downtime\": \"none\"; the default is the reference's downtime)";
/** The downtime option of a key operation, from --no-downtime. */
const downtimeOf = (ctx: CommandContext): { downtime?: "none" } => (ctx.args.flags.has("no-downtime") ? { downtime: "none" } : {});

/**
 * The API's PUT creates or updates; `create` must only create (an update would, say, clear the
 * Managed flag or re-point a policy), so it refuses a name that exists.
 */
async function requireAbsent(ctx: CommandContext, role: Role, path: string, what: string): Promise<void> {
  const existing = await ctx.client.request(role, "GET", path).then(() => true, (err: unknown) => {
    if (err instanceof ApiCallError && err.status === 404) return false;
    throw err;
  });
  if (existing) throw new ApiCallError(409, "AlreadyExists", `${what} already exists; 'create' never changes an existing one.`);
}

/** Prints started operations, or waits for each and prints how it ended. */
export async function operations(ctx: CommandContext, body: any, started: { environmentId?: string; operationId: string }[]): Promise<number> {
  if (!ctx.wait) {
    if (ctx.json) return show(ctx, body);
    for (const op of started) ctx.print(`Started operation ${op.operationId}${op.environmentId ? ` on ${op.environmentId}` : ""}.`);
    ctx.print(`Follow it with 'keyward wait ${started[0].operationId}', or rerun with --wait.`);
    return EXIT.ok;
  }
  const finals = [];
  for (const op of started) finals.push(await waitForOperation(ctx.client, op.operationId, ctx.waitOptions));
  if (ctx.json) ctx.print(JSON.stringify({ ...body, operations: finals }, null, 2));
  else for (const op of finals) ctx.print(`${op.environmentId ?? op.policy ?? op.operationId}: ${op.operation} ${op.status}${op.error ? `: ${op.error.code}: ${op.error.message}` : ""}`);
  return finals.every((op) => op.status === "Succeeded") ? EXIT.ok : EXIT.operationFailed;
}

/** The operation ids in an accepted (202) answer: {operations: [...]}, or {operationId}. */
export function startedIn(body: any, environmentId?: string): { environmentId?: string; operationId: string }[] {
  if (Array.isArray(body?.operations)) return body.operations;
  if (typeof body?.operationId === "string") return [{ environmentId, operationId: body.operationId }];
  throw new Error(`The API accepted the request but named no operation: ${JSON.stringify(body)}`);
}

export const ADMIN_COMMANDS: Command[] = [
  // ---- enterprise policies (the key vault administrator) ----
  {
    words: ["policies", "create"], api: "putEnterprisePolicy", params: ["<name>"], role: "Keys.Admin",
    options: { "vault-id": "the key vault's ARM id (/subscriptions/.../providers/Microsoft.KeyVault/vaults/<vault>)", key: "the key's name in the vault", location: "the policy's region (default europe)", "vault-tenant": "the vault's Entra tenant id: your own, which is the default on Azure (the tenant consents to keyward's multi-tenant app first)" },
    summary: "Create an enterprise policy for a Key Vault key; prints the principal to grant on the key.",
    async run(ctx, [name]) {
      await requireAbsent(ctx, "Keys.Admin", `enterprisePolicies/${e(name)}`, `Enterprise policy '${name}'`);
      const body = (await ctx.client.request("Keys.Admin", "PUT", `enterprisePolicies/${e(name)}`, {
        location: value(ctx.args, "location") ?? "europe", kind: "Encryption", identity: { type: "SystemAssigned" },
        properties: { encryption: { state: "Enabled", keyVault: { id: required(ctx, "vault-id"), ...(value(ctx.args, "vault-tenant") ? { tenantId: value(ctx.args, "vault-tenant") } : {}), key: { name: required(ctx, "key") } } } },
      })).body;
      return show(ctx, body, () => `Policy ${body.name} (${body.location}) on key ${body.properties.encryption.keyVault.key.name} in ${vaultName(body.properties.encryption.keyVault.id)}.\n` +
        `Grant its identity ${body.identity.principalId} the role "Key Vault Crypto Service Encryption User" on the key:\n` +
        `  az role assignment create --assignee ${body.identity.principalId} --role "Key Vault Crypto Service Encryption User" --scope ${body.properties.encryption.keyVault.id}/keys/${body.properties.encryption.keyVault.key.name}\n` +
        "(on the embedded default: 'keyward local role assignment create' with the same options).");
    },
  },
  {
    words: ["policies", "list"], api: "listEnterprisePolicies", params: [], role: "Keys.Admin", summary: "List the enterprise policies.",
    async run(ctx) {
      const body = (await ctx.client.request("Keys.Admin", "GET", "enterprisePolicies")).body;
      return show(ctx, body, () => columns(["NAME", "LOCATION", "VAULT", "KEY", "PRINCIPAL", "READERS"],
        body.value.map((p: any) => [p.name, p.location, vaultName(p.properties.encryption.keyVault.id), p.properties.encryption.keyVault.key.name, p.identity.principalId, p.properties.readers.length])));
    },
  },
  {
    words: ["policies", "show"], api: "getEnterprisePolicy", params: ["<name>"], role: "Keys.Admin", summary: "Show an enterprise policy.",
    async run(ctx, [name]) {
      const body = (await ctx.client.request("Keys.Admin", "GET", `enterprisePolicies/${e(name)}`)).body;
      return show(ctx, body, () => describe(body));
    },
  },
  {
    words: ["policies", "delete"], api: "deleteEnterprisePolicy", params: ["<name>"], role: "Keys.Admin", summary: "Delete an enterprise policy no environment uses.",
    async run(ctx, [name]) {
      await ctx.client.request("Keys.Admin", "DELETE", `enterprisePolicies/${e(name)}`);
      return show(ctx, { deleted: name }, () => `Deleted policy ${name}.`);
    },
  },
  {
    words: ["policies", "grant-reader"], api: "grantPolicyReader", params: ["<name>", "<objectId>"], role: "Keys.Admin",
    summary: "Grant a platform admin Reader on the policy, so they can add environments to it.",
    async run(ctx, [name, objectId]) {
      const body = (await ctx.client.request("Keys.Admin", "PUT", `enterprisePolicies/${e(name)}/readers/${e(objectId)}`)).body;
      return show(ctx, body, () => `${objectId} is a Reader of ${name}.`);
    },
  },
  {
    words: ["policies", "revoke-reader"], api: "revokePolicyReader", params: ["<name>", "<objectId>"], role: "Keys.Admin", summary: "Revoke a platform admin's Reader on the policy.",
    async run(ctx, [name, objectId]) {
      await ctx.client.request("Keys.Admin", "DELETE", `enterprisePolicies/${e(name)}/readers/${e(objectId)}`);
      return show(ctx, { policy: name, objectId, revoked: true }, () => `${objectId} is no longer a Reader of ${name}.`);
    },
  },
  {
    words: ["policies", "health"], api: "getEnterprisePolicyHealth", params: ["<name>"], role: "Keys.Admin", summary: "Probe the policy's key now (wrap and unwrap as the policy's identity).",
    async run(ctx, [name]) {
      const body = (await ctx.client.request("Keys.Admin", "GET", `enterprisePolicies/${e(name)}/health`)).body;
      show(ctx, body, () => describe(body));
      return body.status === "Healthy" ? EXIT.ok : EXIT.operationFailed;
    },
  },
  {
    words: ["policies", "key-usage"], api: "getEnterprisePolicyKeyUsage", params: ["<name>"], role: "Keys.Admin",
    summary: "Each key version: what still needs it and the earliest date it can safely be disabled.",
    async run(ctx, [name]) {
      const body = (await ctx.client.request("Keys.Admin", "GET", `enterprisePolicies/${e(name)}/keyUsage`)).body;
      return show(ctx, body, () => describe(body));
    },
  },

  // ---- environments (the platform administrator) ----
  {
    words: ["environments", "create"], api: "putEnvironment", params: ["<id>"], role: "Platform.Admin",
    options: { region: "its region (e.g. europe)", type: "Production (default), Sandbox, Developer, Trial or Teams", "display-name": "its display name (default: the id)" },
    flags: { managed: "enable Managed Environments (needed before adding it to a policy)" },
    summary: "Create an environment (its data starts under the platform-managed key).",
    async run(ctx, [id]) {
      await requireAbsent(ctx, "Platform.Admin", `environments/${e(id)}`, `Environment '${id}'`);
      const body = (await ctx.client.request("Platform.Admin", "PUT", `environments/${e(id)}`, {
        displayName: value(ctx.args, "display-name") ?? id, region: required(ctx, "region"), type: value(ctx.args, "type") ?? "Production",
        managed: ctx.args.flags.has("managed"),
      })).body;
      return show(ctx, body, () => describe(body));
    },
  },
  {
    words: ["environments", "enable-managed"], api: "enableManagedEnvironment", params: ["<id>"], role: "Platform.Admin", summary: "Enable Managed Environments on an environment.",
    async run(ctx, [id]) {
      const body = (await ctx.client.request("Platform.Admin", "POST", `environments/${e(id)}/enableManaged`)).body;
      return show(ctx, body, () => `${id}: managed ${body.managed}.`);
    },
  },
  {
    words: ["environments", "list"], api: "listEnvironments", params: [], role: "Platform.Admin", options: { policy: "only those on this enterprise policy" },
    summary: "List environments.",
    async run(ctx) {
      const policy = value(ctx.args, "policy");
      const body = (await ctx.client.request("Platform.Admin", "GET", `environments${policy ? `?policy=${e(policy)}` : ""}`)).body;
      return show(ctx, body, () => columns(["ID", "TYPE", "REGION", "STATE", "KEY", "STATUS", "POLICY"],
        body.value.map((x: any) => [x.id, x.type, x.region, x.state, x.encryption.keyType, x.encryption.status, x.encryption.policy])));
    },
  },
  {
    words: ["environments", "show"], api: "getEnvironment", params: ["<id>"], role: "Platform.Admin", summary: "Show an environment: state, key, encryption status and progress.",
    async run(ctx, [id]) {
      const body = (await ctx.client.request("Platform.Admin", "GET", `environments/${e(id)}`)).body;
      return show(ctx, body, () => describe(body));
    },
  },
  {
    words: ["environments", "history"], api: "getEnvironmentHistory", params: ["<id>"], role: "Platform.Admin", summary: "The environment's operations, newest first.",
    async run(ctx, [id]) {
      const body = (await ctx.client.request("Platform.Admin", "GET", `environments/${e(id)}/history`)).body;
      return show(ctx, body, () => columns(["STARTED", "OPERATION", "STATUS", "ENDED", "ERROR"],
        body.value.map((h: any) => [h.startedAt, h.operation, h.status, h.endedAt, h.error ? `${h.error.code}: ${h.error.message}` : null])));
    },
  },

  // ---- key operations ----
  {
    words: ["add"], api: "addEnvironmentsToPolicy", params: ["<policy>", "<environmentId...>"], role: "Platform.Admin", long: true,
    summary: "Add environments to a policy: their data is re-encrypted under the customer's key.",
    flags: { "no-downtime": NO_DOWNTIME },
    async run(ctx, [policy, ...ids]) {
      const body = (await ctx.client.request("Platform.Admin", "POST", `enterprisePolicies/${e(policy)}/environments`, { environmentIds: ids, ...downtimeOf(ctx) })).body;
      return operations(ctx, body, startedIn(body));
    },
  },
  {
    words: ["remove"], api: "removePolicyEnvironment", params: ["<policy>", "<environmentId>"], role: "Platform.Admin", long: true,
    summary: "Remove an environment from its policy: its data returns to the platform-managed key.",
    flags: { "no-downtime": NO_DOWNTIME },
    async run(ctx, [policy, id]) {
      const query = downtimeOf(ctx).downtime ? "?downtime=none" : "";
      const body = (await ctx.client.request("Platform.Admin", "DELETE", `enterprisePolicies/${e(policy)}/environments/${e(id)}${query}`)).body;
      return operations(ctx, body, startedIn(body, id));
    },
  },
  {
    words: ["change-policy"], api: "changeEnvironmentPolicy", params: ["<environmentId>", "<newPolicy>"], role: "Platform.Admin", long: true,
    summary: "Move an environment to another policy (remove, then add: two downtimes, none with --no-downtime).",
    flags: { "no-downtime": NO_DOWNTIME },
    async run(ctx, [id, policy]) {
      const body = (await ctx.client.request("Platform.Admin", "POST", `environments/${e(id)}/changePolicy`, { policy, ...downtimeOf(ctx) })).body;
      return operations(ctx, body, startedIn(body, id));
    },
  },
  {
    words: ["rotate"], api: "rotateEnterprisePolicyKey", params: ["<policy>"], role: "Keys.Admin", long: true,
    summary: "Re-wrap every DEK on the policy under the key's current version (no downtime).",
    async run(ctx, [policy]) {
      const body = (await ctx.client.request("Keys.Admin", "POST", `enterprisePolicies/${e(policy)}/rotate`)).body;
      if (!ctx.json && !ctx.wait) ctx.print(`Rotation to ${body.keyId} ${body.started ? "started" : "already running"}.`);
      return operations(ctx, body, startedIn(body));
    },
  },
  {
    words: ["unlock"], api: "unlockEnvironment", params: ["<environmentId>"], role: "Platform.Admin", summary: "Probe the environment's key now and unlock it if the key is reachable again.",
    async run(ctx, [id]) {
      const body = (await ctx.client.request("Platform.Admin", "POST", `environments/${e(id)}/unlock`)).body;
      return show(ctx, body, () => `${id}: ${body.state}.`);
    },
  },

  // ---- backups and database operations ----
  {
    words: ["backups", "create"], api: "createBackup", params: ["<environmentId>"], role: "Platform.Admin", long: true, summary: "Back up an environment.",
    async run(ctx, [id]) {
      const body = (await ctx.client.request("Platform.Admin", "POST", `environments/${e(id)}/backups`)).body;
      if (!ctx.json && body?.backupId) ctx.print(`Backup ${body.backupId}.`);
      if (!body?.operationId && !body?.operations) return show(ctx, body, () => "");
      return operations(ctx, body, startedIn(body, id));
    },
  },
  {
    words: ["backups", "list"], api: "listBackups", params: ["<environmentId>"], role: "Platform.Admin", summary: "The environment's backups.",
    async run(ctx, [id]) {
      const body = (await ctx.client.request("Platform.Admin", "GET", `environments/${e(id)}/backups`)).body;
      return show(ctx, body, () => columns(["BACKUP", "CREATED", "STATUS", "KEY"],
        (body.value ?? []).map((b: any) => [b.backupId ?? b.id, b.createdAt, b.status, b.keyId ?? (Array.isArray(b.keyIds) ? b.keyIds.join(" ") : null)])));
    },
  },
  {
    words: ["restore"], api: "restoreEnvironment", params: ["<environmentId>"], role: "Platform.Admin", long: true,
    options: { source: "the environment the backup was taken from", backup: "the backup id" },
    summary: "Restore a backup into the environment (its data is replaced).",
    async run(ctx, [id]) {
      const body = (await ctx.client.request("Platform.Admin", "POST", `environments/${e(id)}/restore`, { sourceEnvironmentId: required(ctx, "source"), backupId: required(ctx, "backup") })).body;
      return operations(ctx, body, startedIn(body, id));
    },
  },
  {
    words: ["copy"], api: "copyEnvironment", params: ["<environmentId>"], role: "Platform.Admin", long: true, options: { source: "the environment to copy from" },
    summary: "Copy another environment's data into this one (its data is replaced).",
    async run(ctx, [id]) {
      const body = (await ctx.client.request("Platform.Admin", "POST", `environments/${e(id)}/copy`, { sourceEnvironmentId: required(ctx, "source") })).body;
      return operations(ctx, body, startedIn(body, id));
    },
  },
  {
    words: ["reset"], api: "resetEnvironment", params: ["<environmentId>"], role: "Platform.Admin", long: true, flags: { yes: "confirm: the data and backups are deleted" },
    summary: "Delete the environment's data and backups; it returns to the platform-managed key.",
    async run(ctx, [id]) {
      if (!ctx.args.flags.has("yes")) throw new UsageError(`reset deletes every record, file and backup of ${id}; pass --yes to confirm`);
      const body = (await ctx.client.request("Platform.Admin", "POST", `environments/${e(id)}/reset`)).body;
      return operations(ctx, body, startedIn(body, id));
    },
  },

  // ---- operations ----
  {
    words: ["operations", "show"], api: "getOperation", params: ["<operationId>"], role: "Platform.Admin", summary: "An operation's status, steps and progress.",
    async run(ctx, [id]) {
      const body = (await ctx.client.request("Platform.Admin", "GET", `operations/${e(id)}`)).body;
      return show(ctx, body, () => describe(body));
    },
  },
  {
    words: ["wait"], api: "getOperation", params: ["<operationId>"], role: "Platform.Admin", summary: "Follow an operation to its end (exit 3 if it failed).",
    async run(ctx, [id]) {
      return operations({ ...ctx, wait: true }, { operationId: id }, [{ operationId: id }]);
    },
  },
];
