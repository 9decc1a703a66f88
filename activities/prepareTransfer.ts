// Activity: before a restore or copy, check the source is there and the target's key works, then
// build the fresh storage generation the data is written into (a new table, container and key
// ring on the target's key). The target's own data is not touched: the environment switches to
// the new generation only once everything is written (switchGeneration).
//
// Rerunnable: the fresh data id is derived from the operation and the data id it replaces, so a
// rerun finds the generation it began. It is listed on the environment as retired before it is
// built, so one a failed operation leaves half-written is deleted by the next cleanup.
import type { AppServices } from "../shared/appServices";
import type { PrepareTransferInput, PrepareTransferOutput } from "../shared/dataOperations/contracts";
import { freshDataId } from "../shared/dataOperations/generations";
import { withFreshListed } from "../shared/domain/dataGeneration";
import { conflict, notFound } from "../shared/errors";
import { terminalOutcomeOf } from "../shared/operations/activityOutcome";

export async function prepareTransfer(input: PrepareTransferInput, svc: AppServices): Promise<PrepareTransferOutput> {
  try {
    const { target, ...source } = await svc.backups.checkTransfer(input);
    const state = svc.state.forTenant(input.tenantId);
    const fresh = freshDataId(input.operationId, input.dataId);
    const env = await state.updateEnvironment(input.environmentId, (e) => withFreshListed(e, input.dataId, fresh));
    if (!env) throw notFound("EnvironmentNotFound", `Environment '${input.environmentId}' no longer exists.`, "environmentId");
    if (env.dataId !== input.dataId) {
      throw conflict("DataGenerationChanged", `Environment '${input.environmentId}' moved to other data while it was being prepared; start the operation again.`, "environmentId");
    }
    await svc.backups.buildGenerationLike(target, fresh);
    return { outcome: "ok", ...source, freshDataId: fresh };
  } catch (err) {
    return terminalOutcomeOf(err);
  }
}
