// Timer (daily by default, KEYWARD_KEY_EXPIRY_SCHEDULE): alerts 30, 7 and 1 days before a key in
// use expires; an expired key is re-probed (and so locks, as the reference says). Also alerts on
// environments locked long enough to near the reference's deletion deadline, and on key versions
// still needed that were disabled or deleted.
import { app, type InvocationContext } from "@azure/functions";
import { settings } from "../../shared/settings";
import { services } from "../../shared/services";
import type { AppServices } from "../../shared/appServices";
import { policiesInUse, reconcilePolicy } from "../../shared/locking/keyHealth";
import { checkKeyExpiry } from "../../shared/alerts/expiry";
import { checkLockedTooLong } from "../../shared/alerts/lockedTooLong";
import { checkNeededKeyVersions } from "../../shared/dataOperations/keyUsage";

async function runExpiryChecks(svc: AppServices, context: InvocationContext): Promise<void> {
  for (const { tenantId, policy } of await policiesInUse(svc)) {
    try {
      const outcome = await checkKeyExpiry(svc, tenantId, policy);
      if (outcome === "Expired") await reconcilePolicy(svc, tenantId, policy, "KeyExpiryCheck");
    } catch (err) {
      context.error(`expiry check of policy ${policy} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  await checkLockedTooLong(svc);
  // Key versions still needed (by environments, backups, or the 28/30-day rules) that were disabled or deleted.
  await checkNeededKeyVersions(svc).catch((err: unknown) => context.error(`key version check failed: ${err instanceof Error ? err.message : String(err)}`));
}

app.timer("keyExpiryCheck", { schedule: settings().keyExpirySchedule, handler: (_timer, context) => runExpiryChecks(services(), context) });
