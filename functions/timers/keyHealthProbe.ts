// Timer (every minute by default, KEYWARD_KEY_HEALTH_PROBE_SCHEDULE): probe the key of every
// policy in use. Lost access locks the policy's environments within one interval even when no
// event arrives; restored access unlocks them.
import { app, type InvocationContext } from "@azure/functions";
import { settings } from "../../shared/settings";
import { services } from "../../shared/services";
import type { AppServices } from "../../shared/appServices";
import { policiesInUse, reconcilePolicy } from "../../shared/locking/keyHealth";

async function probeAllPolicies(svc: AppServices, context: InvocationContext): Promise<void> {
  for (const { tenantId, policy } of await policiesInUse(svc)) {
    try {
      const r = await reconcilePolicy(svc, tenantId, policy, "KeyHealthProbe");
      if (r && (r.locked.length || r.unlocked.length)) context.log(`policy ${policy}: ${r.probe.status}; locked ${r.locked.join(",") || "-"}; unlocked ${r.unlocked.join(",") || "-"}`);
    } catch (err) {
      // One policy's trouble must not stop the others being probed.
      context.error(`probe of policy ${policy} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

app.timer("keyHealthProbe", { schedule: settings().keyHealthProbeSchedule, handler: (_timer, context) => probeAllPolicies(services(), context) });
