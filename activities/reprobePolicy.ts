// Activity: one reconcile of a watched policy (probe, then lock or unlock), through the process's
// reconcile gate, so a watch, a burst of failed data calls and the probe timer share one probe.
import type { AppServices } from "../shared/appServices";
import type { ReprobePolicyInput, ReprobePolicyOutput } from "../shared/operations/contracts";
import { reconcilePolicy } from "../shared/locking/keyHealth";
import { terminalOutcomeOf } from "../shared/operations/activityOutcome";

/** An error no retry cures comes back as a value (the watch skips that probe); the rest are retried. */
export async function reprobePolicy(input: ReprobePolicyInput, svc: AppServices): Promise<ReprobePolicyOutput> {
  try {
    const r = await reconcilePolicy(svc, input.tenantId, input.policy, input.trigger);
    if (!r) return { outcome: "gone" };
    return { outcome: "probed", status: r.probe.status, locked: r.locked.length, unlocked: r.unlocked.length };
  } catch (err) {
    return terminalOutcomeOf(err);
  }
}
