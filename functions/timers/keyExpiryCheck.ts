// Timer (daily by default, KEYWARD_KEY_EXPIRY_SCHEDULE): alerts 30, 7 and 1 days before a key in
// use expires; an expired key is re-probed (and so locks, as the reference says). Also alerts on
// environments locked long enough to near the reference's deletion deadline.
import { app, type InvocationContext } from "@azure/functions";
import { settings } from "../../shared/settings";
import { policiesInUse, reconcilePolicy } from "../../shared/locking/keyHealth";
import { checkKeyExpiry } from "../../shared/alerts/expiry";
import { checkLockedTooLong } from "../../shared/alerts/lockedTooLong";

export async function runExpiryChecks(context: InvocationContext): Promise<void> {
  for (const policy of await policiesInUse()) {
    try {
      const outcome = await checkKeyExpiry(policy);
      if (outcome === "Expired") await reconcilePolicy(policy, "KeyExpiryCheck");
    } catch (err) {
      context.error(`expiry check of policy ${policy} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  await checkLockedTooLong();
}

app.timer("keyExpiryCheck", { schedule: settings().keyExpirySchedule, handler: (_timer, context) => runExpiryChecks(context) });
