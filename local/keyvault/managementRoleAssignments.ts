// Role assignments on the management API, as ARM handles them: a write or delete is visible to
// GET and raises its ResourceWriteSuccess / ResourceDeleteSuccess event at once; the data plane
// follows `rolePropagationSeconds` later (rolePropagation.ts). Events are delivered (first
// attempt) before the call answers, as ARM publishes when it accepts the change.
import type { VaultContext } from "./context";
import { badParameter, VaultError } from "./errors";
import { roleAssignmentEvent, roleAssignmentResourceId } from "./events";
import { nowSeconds, type ManagementResult } from "./http";
import { isKnownRole, ROLE_DEFINITIONS } from "./rbac";
import { propagationOf, recordDelete, recordWrite } from "./rolePropagation";
import type { RoleAssignmentState } from "./state";

const propagationDelayMs = (ctx: VaultContext): number => Math.round(ctx.behaviour.rolePropagationSeconds * 1000);

/** ARM's view: what was written, without the data plane's timing (see GET .../propagation for that). */
export function assignmentJson(a: RoleAssignmentState): Record<string, unknown> {
  return { id: a.id, resourceId: roleAssignmentResourceId(a), principalId: a.principalId, roleDefinitionName: a.roleDefinitionName, scope: a.scope, created: a.created };
}

export async function putRoleAssignment(ctx: VaultContext, id: string, body: Record<string, unknown>): Promise<ManagementResult> {
  const { principalId, roleDefinitionName, scope } = body;
  if (typeof principalId !== "string" || !principalId) throw badParameter("'principalId' is required.");
  if (typeof roleDefinitionName !== "string" || !isKnownRole(roleDefinitionName)) {
    throw badParameter(`'roleDefinitionName' must be one of: ${Object.keys(ROLE_DEFINITIONS).join(", ")}.`);
  }
  if (typeof scope !== "string" || !scope.startsWith("/")) {
    throw badParameter("'scope' must be an ARM resource id such as /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name}[/keys/{key}].");
  }
  const existing = ctx.store.data.roleAssignments[id];
  if (existing && existing.principalId === principalId && existing.roleDefinitionName === roleDefinitionName && existing.scope === scope) {
    return { status: 200, body: assignmentJson(existing) };
  }
  const assignment: RoleAssignmentState = { id, principalId, roleDefinitionName, scope, created: nowSeconds() };
  recordWrite(ctx.store.data, assignment, existing, ctx.now(), propagationDelayMs(ctx));
  ctx.store.save();
  await ctx.bus.publish([roleAssignmentEvent("write", assignment, ctx.tenantId)]);
  return { status: existing ? 200 : 201, body: assignmentJson(assignment) };
}

export async function deleteRoleAssignment(ctx: VaultContext, id: string): Promise<ManagementResult> {
  const existing = ctx.store.data.roleAssignments[id];
  if (!existing) return { status: 204 };
  recordDelete(ctx.store.data, existing, ctx.now(), propagationDelayMs(ctx));
  ctx.store.save();
  await ctx.bus.publish([roleAssignmentEvent("delete", existing, ctx.tenantId)]);
  return { status: 200, body: assignmentJson(existing) };
}

export function listRoleAssignments(ctx: VaultContext): ManagementResult {
  return { status: 200, body: { value: Object.values(ctx.store.data.roleAssignments).map(assignmentJson) } };
}

export function getRoleAssignment(ctx: VaultContext, id: string): ManagementResult {
  const a = ctx.store.data.roleAssignments[id];
  if (!a) throw new VaultError(404, "NotFound", `The role assignment '${id}' was not found.`);
  return { status: 200, body: assignmentJson(a) };
}

/** Test control, not ARM: where the assignment stands on the data plane (propagating, effective, revoking, absent). */
export function getRolePropagation(ctx: VaultContext, id: string): ManagementResult {
  return { status: 200, body: propagationOf(ctx.store.data, id, ctx.now()) };
}
