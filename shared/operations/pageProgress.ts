// A page activity's own progress report: the items it looked at are added to the operation's
// history entry (and, for a re-key, to the environment's encryption progress), each an If-Match
// read-modify-write, so concurrent pages of other partitions add up rather than overwrite. The
// orchestration therefore needs no status activity per wave, and its history stays the size of
// its partitions. A retried page may count its items twice: done is capped at the total, and the
// orchestration writes the exact figure when a step ends.
import type { AppServices } from "../appServices";
import type { Progress } from "../domain/environment";
import { REKEYING_STATUSES } from "../domain/encryptionStatus";
import type { ProgressTarget } from "./contracts";

export function addDone(progress: Progress | undefined, items: number): Progress | undefined {
  if (!progress) return undefined;
  const done = progress.done + items;
  return { ...progress, done: progress.total > 0 ? Math.min(progress.total, done) : done };
}

export async function recordPageProgress(deps: Pick<AppServices, "state">, target: ProgressTarget | undefined, items: number): Promise<void> {
  if (!target || items <= 0) return;
  const state = deps.state.forTenant(target.tenantId);
  await Promise.all([
    state.updateOperation(target.operationId, (op) => (op.status !== "Running" || !op.progress ? undefined : { ...op, progress: addDone(op.progress, items) })),
    target.environment
      ? state.updateEnvironment(target.environmentId, (e) =>
        // Only while a re-key is under way: a late page never writes over a final status's figures.
        !REKEYING_STATUSES.includes(e.encryption.status) || !e.encryption.progress ? undefined : { ...e, encryption: { ...e.encryption, progress: addDone(e.encryption.progress, items) } })
      : undefined,
  ]);
}
