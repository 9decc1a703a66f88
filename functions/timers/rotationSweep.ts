// Timer (daily by default, KEYWARD_ROTATION_SWEEP_SCHEDULE): picks up new key versions whose
// KeyNewVersionCreated event was missed, by comparing each policy's current key version with the
// version its environments are wrapped under.
import { app, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { settings } from "../../shared/settings";
import { policiesNeedingRotation } from "../../shared/operations/rotationSweep";
import { startRotation } from "../../shared/operations/rotation";
import { services } from "../../shared/services";
import { rotateKeyVersion } from "../../orchestrations/rotateKeyVersion";

async function sweep(context: InvocationContext): Promise<void> {
  for (const { tenantId, policy, keyId } of await policiesNeedingRotation(services())) {
    const r = await startRotation(df.getClient(context), rotateKeyVersion, { tenantId, name: policy }, keyId);
    context.log(`rotation sweep: policy ${policy} -> ${keyId} (${r.started ? "started" : "already running"})`);
  }
}

app.timer("rotationSweep", { schedule: settings().rotationSweepSchedule, extraInputs: [df.input.durableClient()], handler: (_timer, context) => sweep(context) });
