// Role assignments as the data plane sees them, `rolePropagationSeconds` behind ARM. ARM (the
// management API) shows a write or delete at once and raises its event at once; the vault's
// authorization only follows after the delay, as in Azure where a change can take up to 10
// minutes. A written assignment is honoured from `effectiveAt`; a deleted (or replaced) one
// stays honoured, as a retired assignment, until `effectiveUntil`. Times are the vault's clock
// in milliseconds and persist with the state, so a restart does not shorten the wait.
import type { PersistedState, RetiredRoleAssignmentState, RoleAssignmentState } from "./state";

export type PropagationState =
  /** Written; the data plane does not honour it yet. */
  | "propagating"
  /** Written and honoured. */
  | "effective"
  /** Deleted or replaced; the data plane still honours it. */
  | "revoking"
  /** Not known to ARM nor honoured. */
  | "absent";

export interface RolePropagation {
  id: string;
  state: PropagationState;
  /** When a written assignment is (or was) honoured from (ms). */
  effectiveAt?: number;
  /** When a deleted assignment stops being honoured (ms). */
  effectiveUntil?: number;
}

const retiredOf = (data: PersistedState): RetiredRoleAssignmentState[] => (data.retiredRoleAssignments ??= []);

/** Drops retired assignments the data plane no longer honours. */
export function pruneRetired(data: PersistedState, now: number): void {
  if (data.retiredRoleAssignments?.some((r) => r.effectiveUntil <= now)) {
    data.retiredRoleAssignments = data.retiredRoleAssignments.filter((r) => r.effectiveUntil > now);
  }
}

/** The assignments the data plane honours at `now`. */
export function effectiveAssignments(data: PersistedState, now: number): RoleAssignmentState[] {
  const live = Object.values(data.roleAssignments).filter((a) => (a.effectiveAt ?? 0) <= now);
  const retired = (data.retiredRoleAssignments ?? []).filter((r) => r.effectiveUntil > now).map((r) => r.assignment);
  return [...live, ...retired];
}

/** ARM accepted a write (new, or replacing `previous` under the same id). */
export function recordWrite(data: PersistedState, assignment: RoleAssignmentState, previous: RoleAssignmentState | undefined, now: number, delayMs: number): void {
  pruneRetired(data, now);
  if (previous) retire(data, previous, now, delayMs);
  data.roleAssignments[assignment.id] = { ...assignment, effectiveAt: now + delayMs };
}

/** ARM accepted a delete. */
export function recordDelete(data: PersistedState, existing: RoleAssignmentState, now: number, delayMs: number): void {
  pruneRetired(data, now);
  delete data.roleAssignments[existing.id];
  retire(data, existing, now, delayMs);
}

function retire(data: PersistedState, assignment: RoleAssignmentState, now: number, delayMs: number): void {
  // An assignment the data plane never honoured stops being pending at once: nothing to revoke.
  if ((assignment.effectiveAt ?? 0) > now || delayMs === 0) return;
  retiredOf(data).push({ assignment, effectiveUntil: now + delayMs });
}

/** Where an assignment id stands between ARM and the data plane. */
export function propagationOf(data: PersistedState, id: string, now: number): RolePropagation {
  const live = data.roleAssignments[id];
  if (live) {
    const effectiveAt = live.effectiveAt ?? live.created * 1000;
    return { id, state: (live.effectiveAt ?? 0) <= now ? "effective" : "propagating", effectiveAt };
  }
  const retired = (data.retiredRoleAssignments ?? []).filter((r) => r.assignment.id === id && r.effectiveUntil > now);
  if (retired.length) return { id, state: "revoking", effectiveUntil: Math.max(...retired.map((r) => r.effectiveUntil)) };
  return { id, state: "absent" };
}
