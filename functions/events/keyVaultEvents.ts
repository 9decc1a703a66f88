// Event Grid: the customer's vault tells keyward about its keys.
//   KeyNewVersionCreated -> re-wrap every DEK on the policies using that key (no downtime)
//   KeyNearExpiry        -> alert
//   KeyExpired           -> re-probe those policies (an expired key locks, as the reference says)
//   VaultAccessPolicyChanged -> re-probe the policies on that vault
// (re-probes: at once, then watched for KEYWARD_EVENT_REPROBE_MINUTES, see watchAfterEvent.ts)
// An event is a hint; the probe decides whether anything locks or unlocks.
import { app, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { normalizeEvent, dataString } from "../../shared/events/eventShape";
import { policiesOnVault, reconcilePolicy } from "../../shared/locking/keyHealth";
import { startRotation } from "../../shared/operations/rotation";
import { services } from "../../shared/services";
import type { AppServices } from "../../shared/appServices";
import { rotateKeyVersion } from "../../orchestrations/rotateKeyVersion";
import { EVENT_FUNCTION_NAMES } from "../../shared/events/names";
import { watchPolicyAfterEvent } from "./watchAfterEvent";

async function handle(svc: AppServices, raw: unknown, context: InvocationContext): Promise<void> {
  const event = normalizeEvent(raw);
  const keyName = dataString(event.data, "ObjectName", "objectName") ?? (event.type.includes(".Key") ? event.subject : undefined);
  const vault = event.topic || dataString(event.data, "VaultName", "vaultName") || "";
  const keyId = dataString(event.data, "Id", "id");
  switch (event.type) {
    case "Microsoft.KeyVault.KeyNewVersionCreated": {
      for (const policy of await policiesOnVault(svc, vault, keyName)) {
        const started = await startRotation(df.getClient(context), rotateKeyVersion, policy, keyId);
        context.log(`rotation for policy ${policy.name}: ${started.instanceId} (${started.started ? "started" : "already running"})`);
      }
      return;
    }
    case "Microsoft.KeyVault.KeyNearExpiry": {
      const exp = Number(event.data.EXP ?? event.data.exp);
      for (const policy of await policiesOnVault(svc, vault, keyName)) {
        await svc.state.forTenant(policy.tenantId).raiseAlert(`near-expiry-event|${keyId ?? keyName}|${policy.name}`, {
          kind: "KeyNearExpiry", severity: "Warning", policy: policy.name, keyId,
          dueAt: Number.isFinite(exp) && exp > 0 ? new Date(exp * 1000).toISOString() : undefined,
          message: `The key of enterprise policy ${policy.name} expires soon. Renew its expiration date or create a new version before it expires, or its environments lock.`,
        });
      }
      return;
    }
    case "Microsoft.KeyVault.KeyExpired":
    case "Microsoft.KeyVault.VaultAccessPolicyChanged": {
      const policies = await policiesOnVault(svc, vault, event.type === "Microsoft.KeyVault.KeyExpired" ? keyName : undefined);
      for (const policy of policies) {
        await reconcilePolicy(svc, policy.tenantId, policy.name, event.type);
        await watchPolicyAfterEvent(svc, df.getClient(context), policy, event.type, context);
      }
      return;
    }
    default:
      context.log(`ignored event ${event.type}`);
  }
}

app.eventGrid(EVENT_FUNCTION_NAMES.keyVault, { extraInputs: [df.input.durableClient()], handler: (event, context) => handle(services(), event, context) });
