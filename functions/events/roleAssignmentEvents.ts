// Event Grid: a role assignment was deleted (or written) at or above a vault. Re-probe every
// policy whose vault lies under the assignment's scope: a revoked grant locks, a restored one
// unlocks. The probe decides, not the event. Azure applies the change up to 10 minutes after the
// event, so each policy is watched (re-probed about every second) for KEYWARD_EVENT_REPROBE_MINUTES.
import { app, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { watchPolicyAfterEvent } from "./watchAfterEvent";
import { normalizeEvent, dataString } from "../../shared/events/eventShape";
import { reconcilePolicy } from "../../shared/locking/keyHealth";
import { services } from "../../shared/services";
import type { AppServices } from "../../shared/appServices";
import { EVENT_FUNCTION_NAMES } from "../../shared/events/names";

const ROLE_OPERATIONS = new Set(["Microsoft.Authorization/roleAssignments/delete", "Microsoft.Authorization/roleAssignments/write"]);

/** The scope an assignment applies to: its resource id without the roleAssignments suffix. */
function scopeOf(data: Record<string, unknown>, subject: string): string {
  const auth = data.authorization as { scope?: unknown } | undefined;
  const raw = (typeof auth?.scope === "string" && auth.scope) || dataString(data, "resourceUri") || subject;
  return raw.replace(/\/providers\/Microsoft\.Authorization\/roleAssignments\/[^/]+$/i, "").toLowerCase();
}

async function handle(svc: AppServices, raw: unknown, context: InvocationContext): Promise<void> {
  const event = normalizeEvent(raw);
  const operation = dataString(event.data, "operationName") ?? "";
  if (!ROLE_OPERATIONS.has(operation)) return;
  const scope = scopeOf(event.data, event.subject);
  const policies = (await svc.state.listAllPolicies()).filter((p) => {
    const vault = p.keyVaultId.toLowerCase();
    return vault.startsWith(scope) || scope.startsWith(vault);
  });
  for (const policy of policies) {
    const r = await reconcilePolicy(svc, policy.tenantId, policy.name, operation);
    if (r) context.log(`policy ${policy.name}: probe ${r.probe.status}, locked ${r.locked.length}, unlocked ${r.unlocked.length}`);
    await watchPolicyAfterEvent(svc, df.getClient(context), policy, operation, context);
  }
}

app.eventGrid(EVENT_FUNCTION_NAMES.resources, { extraInputs: [df.input.durableClient()], handler: (event, context) => handle(services(), event, context) });
