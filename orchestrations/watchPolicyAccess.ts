// After an ARM role event or a vault event: re-probe the policy's key until the watch ends, so a
// revocation locks within about `maxIntervalMs` (plus one probe) of the vault starting to refuse,
// however late the vault applies it (Azure RBAC: up to 10 minutes, with no event when it does).
// The first probes come quickly (the change may already apply) and the interval doubles up to
// `maxIntervalMs`. The watch ends early once a probe locked or unlocked something: the event's
// change has landed. A probe that cannot run (storage down) is skipped, not fatal: the next one
// tries again, and the key health timer remains the backstop; one that no retry cures (an error
// by kind, as a value) is skipped at once rather than retried.
import type { OrchestrationContext, Task } from "durable-functions";
import type { ActivityTable } from "../activities";
import type { WatchPolicyAccessInput } from "../shared/operations/contracts";
import { proxyActivities } from "./activityProxy";
import { orchestrator, type Sent } from "./orchestrator";

export interface WatchResult {
  ended: "Decided" | "Expired" | "PolicyGone";
  probes: number;
  /** The last probe's status (Healthy, Forbidden, Unreachable...). */
  status?: string;
}

/** Probes per execution before it continues as new: the history stays this size. */
export const PROBES_PER_EXECUTION = 50;

function* watchFlow(context: OrchestrationContext, input: WatchPolicyAccessInput): Generator<Task, WatchResult, Sent> {
  const act = proxyActivities<ActivityTable>(context, input.retry);
  const until = Date.parse(input.until);
  let interval = Math.max(1, input.intervalMs ?? input.firstIntervalMs);
  let probes = input.probes ?? 0;
  let status: string | undefined;
  for (let n = 0; n < PROBES_PER_EXECUTION; n++) {
    try {
      const r = yield* act.reprobePolicy({ tenantId: input.tenantId, policy: input.policy, trigger: input.trigger });
      probes++;
      if (r.outcome === "gone") return { ended: "PolicyGone", probes };
      // A probe no retry cures is skipped at once, as one that could not run: the next one tries again.
      if (r.outcome === "probed") {
        status = r.status;
        if (r.locked > 0 || r.unlocked > 0) return { ended: "Decided", probes, status };
      }
    } catch {
      probes++;
    }
    const now = context.df.currentUtcDateTime.getTime();
    if (now >= until) return { ended: "Expired", probes, ...(status ? { status } : {}) };
    yield context.df.createTimer(new Date(Math.min(until, now + interval)));
    interval = Math.min(input.maxIntervalMs, interval * 2);
  }
  context.df.continueAsNew({ ...input, intervalMs: interval, probes });
  return { ended: "Expired", probes, ...(status ? { status } : {}) };
}

export const watchPolicyAccess = orchestrator<WatchPolicyAccessInput, WatchResult>("watchPolicyAccess", watchFlow);
