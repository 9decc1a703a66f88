// After an event that may change a policy's access to its key: the probe at once has run; start
// the watch (orchestrations/watchPolicyAccess.ts) that re-probes until the change lands. A watch
// that cannot start is logged, not thrown: Event Grid would redeliver an event whose probe ran.
import type { InvocationContext } from "@azure/functions";
import type { DurableClient } from "durable-functions";
import type { AppServices } from "../../shared/appServices";
import { watchPolicy } from "../../shared/locking/policyWatch";
import { watchPolicyAccess } from "../../orchestrations/watchPolicyAccess";

export async function watchPolicyAfterEvent(svc: AppServices, client: DurableClient, policy: { tenantId: string; name: string }, trigger: string, context: InvocationContext): Promise<void> {
  if (svc.settings.eventReprobeMinutes === 0) return;
  try {
    const w = await watchPolicy(client, watchPolicyAccess, policy, trigger);
    context.log(`policy ${policy.name}: ${w.started ? "watching" : "already watched"} (${w.instanceId})`);
  } catch (err) {
    context.log(`policy ${policy.name}: the watch did not start (${err instanceof Error ? err.message.split("\n")[0] : String(err)}); the key health timer still probes`);
  }
}
