// The reference: locked environments are deleted after 7 days (sandboxes) or 30 (production).
// keyward records the deadline, alerts ahead of it, and deletes nothing unless a setting allows
// (KEYWARD_DELETE_LOCKED_ENVIRONMENTS=true: then, past the deadline, the environment's data,
// backups and keys are erased as a reset would, and the environment is deleted).
import type { AppServices } from "../appServices";
import { deleteLockedEnvironment } from "../dataOperations/deleteLocked";
import type { Environment } from "../domain/environment";

const DAY = 86_400_000;

export function deletionDeadline(env: Environment): Date | undefined {
  if (env.state !== "Locked" || !env.lockedSince) return undefined;
  const days = env.type === "Production" ? 30 : 7;
  return new Date(Date.parse(env.lockedSince) + days * DAY);
}

/** Every tenant's locked environments against their deadline. Returns the ids warned or deleted. */
export async function checkLockedTooLong(deps: Pick<AppServices, "state" | "backups" | "dekCache" | "settings">, now = new Date()): Promise<string[]> {
  const warned: string[] = [];
  for (const env of await deps.state.listAllEnvironments()) {
    const deadline = deletionDeadline(env);
    if (!deadline) continue;
    if (now.getTime() >= deadline.getTime() && deps.settings.deleteLockedEnvironments) {
      if (await deleteLockedEnvironment(deps, env, deadline)) warned.push(env.id);
      continue;
    }
    const daysLeft = Math.ceil((deadline.getTime() - now.getTime()) / DAY);
    const bucket = daysLeft <= 1 ? 1 : daysLeft <= 3 ? 3 : undefined;
    if (bucket === undefined) continue;
    if (await deps.state.forTenant(env.tenantId).raiseAlert(`locked-too-long|${env.id}|${env.lockedSince}|${bucket}`, {
      kind: "LockedTooLong", severity: "Critical", environmentId: env.id, policy: env.encryption.policy, dueAt: deadline.toISOString(),
      message: `Environment ${env.id} has been locked since ${env.lockedSince}; under the platform's rule its data may be deleted at ${deadline.toISOString()}. Restore the key's access to unlock it.`,
    })) warned.push(env.id);
  }
  return warned;
}
