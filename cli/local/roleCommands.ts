// `keyward local role assignment create|delete|list`: Azure RBAC on the local vaults, named and
// shaped like `az role assignment`. Granting the enterprise policy's identity "Key Vault Crypto
// Service Encryption User" on the key is what lets keyward use it; deleting that assignment is
// how the reference revokes access (keyward locks the policy's environments). Like Azure RBAC, the
// local vault applies a change some seconds late: create and delete wait for it (roleWait.ts).
import { randomUUID } from "node:crypto";
import { booleanValue, value, values, UsageError } from "../args";
import { ApiCallError } from "../client";
import { EXIT, type Command, type CommandContext } from "../command";
import { ROLE_DEFINITIONS } from "../../local/keyvault/rbac";
import type { RoleAssignmentInfo } from "../../local/keyvault/managementClient";
import { azRoleAssignment } from "./azShapes";
import { scopeCovers as covers } from "./guard";
import { vaultCall } from "./vaultErrors";
import { awaitRoleChanges, NO_WAIT } from "./roleWait";

const ASSIGNMENT_ID = /\/providers\/Microsoft\.Authorization\/roleAssignments\/([^/]+)$/i;

/** A role by name, as az takes it (any case); refuses an unknown one, listing the known. */
function roleName(raw: string): string {
  const known = Object.keys(ROLE_DEFINITIONS).find((r) => r.toLowerCase() === raw.trim().toLowerCase());
  if (!known) throw new UsageError(`--role '${raw}' is not a role of the local vault; use one of: ${Object.keys(ROLE_DEFINITIONS).map((r) => `"${r}"`).join(", ")}`);
  return known;
}

/** --assignee or --assignee-object-id: a principal's object id (the local issuer has no sign-in names to look up). */
function assignee(ctx: CommandContext): string | undefined {
  const a = value(ctx.args, "assignee");
  const o = value(ctx.args, "assignee-object-id");
  if (a && o && a !== o) throw new UsageError("give --assignee or --assignee-object-id, not both");
  return a ?? o;
}

const sameScope = (a: string, b: string) => a.toLowerCase().replace(/\/+$/, "") === b.toLowerCase().replace(/\/+$/, "");

interface Filter {
  assignee?: string;
  role?: string;
  scope?: string;
  inherited?: boolean;
}

function matches(a: RoleAssignmentInfo, f: Filter): boolean {
  if (f.assignee && a.principalId.toLowerCase() !== f.assignee.toLowerCase()) return false;
  if (f.role && a.roleDefinitionName !== f.role) return false;
  if (f.scope && !(f.inherited ? covers(a.scope, f.scope) : sameScope(a.scope, f.scope))) return false;
  return true;
}

function filterOf(ctx: CommandContext): Filter {
  const role = value(ctx.args, "role");
  return { assignee: assignee(ctx), role: role ? roleName(role) : undefined, scope: value(ctx.args, "scope") };
}

const FILTERS = {
  assignee: "the principal's object id (for an enterprise policy: its identity.principalId)",
  "assignee-object-id": "the same, as az also names it",
  role: 'the role\'s name, e.g. "Key Vault Crypto Service Encryption User"',
  scope: "the ARM id it applies to: a vault's id, or <vault id>/keys/<key> for one key",
};

export const LOCAL_ROLE_COMMANDS: Command[] = [
  {
    words: ["local", "role", "assignment", "create"], params: [], required: ["assignee", "role", "scope"],
    options: { ...FILTERS, name: "the assignment's name (a GUID; default a new one)" },
    flags: NO_WAIT,
    summary: "Assign a role on a local vault or key, as 'az role assignment create'; returns once the vault applies it.",
    async run(ctx) {
      const local = ctx.local();
      const f = filterOf(ctx);
      if (!f.assignee || !f.role || !f.scope) throw new UsageError("--assignee, --role and --scope are required");
      await vaultCall(local.file.vault.managementUrl, () => local.checkScope(f.scope!));
      const all = await vaultCall(local.file.vault.managementUrl, () => local.management.roleAssignments());
      if (all.some((a) => matches(a, f))) throw new ApiCallError(409, "RoleAssignmentExists", "The role assignment already exists.");
      const created = await vaultCall(local.file.vault.managementUrl, () => local.management.putRoleAssignment(value(ctx.args, "name") ?? randomUUID(),
        { principalId: f.assignee!, roleDefinitionName: f.role!, scope: f.scope! }));
      await awaitRoleChanges(ctx, local, [created.id], "the grant");
      ctx.print(JSON.stringify(azRoleAssignment(created), null, 2));
      return EXIT.ok;
    },
  },
  {
    words: ["local", "role", "assignment", "delete"], params: [], required: [],
    options: FILTERS,
    lists: { ids: "the assignments' ids (.id of 'create' or 'list'), instead of the filters" },
    flags: NO_WAIT,
    summary: "Delete role assignments (by --ids, or every one matching --assignee/--role/--scope), as 'az role assignment delete'; returns once the vault applies it.",
    async run(ctx) {
      const local = ctx.local();
      const ids = values(ctx.args, "ids");
      const f = filterOf(ctx);
      if (ids.length && (f.assignee || f.role || f.scope)) throw new UsageError("give either --ids or the filters --assignee, --role, --scope");
      if (!ids.length && !f.assignee && !f.role && !f.scope) throw new UsageError("say which: --ids, or one or more of --assignee, --role, --scope");
      const where = local.file.vault.managementUrl;
      for (const id of ids) {
        if (!ASSIGNMENT_ID.test(id)) throw new UsageError(`${id} is not a role assignment id (<scope>/providers/Microsoft.Authorization/roleAssignments/<name>)`);
        await vaultCall(where, () => local.checkScope(id.replace(ASSIGNMENT_ID, "")));
      }
      if (f.scope) await vaultCall(where, () => local.checkScope(f.scope!));
      const all = await vaultCall(where, () => local.management.roleAssignments());
      const doomed = ids.length ? all.filter((a) => ids.some((id) => a.resourceId.toLowerCase() === id.toLowerCase())) : all.filter((a) => matches(a, f));
      if (!doomed.length) throw new ApiCallError(404, "RoleAssignmentNotFound", "No matched assignments were found to delete.");
      // Filters without --scope can match the platform vault's own grants: refuse before deleting any.
      await vaultCall(where, () => local.checkScope(...doomed.map((a) => a.scope)));
      for (const a of doomed) await vaultCall(where, () => local.management.deleteRoleAssignment(a.id));
      await awaitRoleChanges(ctx, local, doomed.map((a) => a.id), doomed.length > 1 ? "the revocations" : "the revocation");
      ctx.print(JSON.stringify(doomed.map(azRoleAssignment), null, 2));
      return EXIT.ok;
    },
  },
  {
    words: ["local", "role", "assignment", "list"], params: [], required: [],
    options: FILTERS,
    switches: { "include-inherited": "with --scope: also those on its parents (they apply there too)", all: "every assignment, whatever --scope says" },
    summary: "List role assignments on the local vaults, as 'az role assignment list'.",
    async run(ctx) {
      const local = ctx.local();
      const f = { ...filterOf(ctx), inherited: booleanValue(ctx.args, "include-inherited") ?? false };
      if (booleanValue(ctx.args, "all")) f.scope = undefined;
      const all = await vaultCall(local.file.vault.managementUrl, () => local.management.roleAssignments());
      ctx.print(JSON.stringify(all.filter((a) => matches(a, f)).map(azRoleAssignment), null, 2));
      return EXIT.ok;
    },
  },
];
