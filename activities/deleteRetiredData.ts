// Activity: one bounded page of deleting a storage generation an operation retired (its table and
// container in one call each, its key ring, then a bounded number of its backup blobs). When
// nothing of it is left, the environment stops listing it. Rerunnable: each page deletes what is
// left; the generation is no longer the environment's, so nothing reads it.
import type { AppServices } from "../shared/appServices";
import type { DeleteRetiredDataInput, DeleteRetiredDataOutput } from "../shared/dataOperations/contracts";
import { deleteRetiredPage } from "../shared/dataOperations/generations";
import { backupHomeOf } from "../shared/domain/environment";
import { conflict } from "../shared/errors";
import { terminalOutcomeOf } from "../shared/operations/activityOutcome";

export async function deleteRetiredData(input: DeleteRetiredDataInput, svc: AppServices): Promise<DeleteRetiredDataOutput> {
  try {
    const state = svc.state.forTenant(input.tenantId);
    const env = await state.getEnvironment(input.environmentId);
    // Never the generation the environment is on: that would be its live data.
    if (env?.dataId === input.retiredDataId) {
      throw conflict("GenerationInUse", `Environment '${input.environmentId}' still uses this data; it is not deleted.`, "environmentId");
    }
    // Nor the backups the environment keeps under a data id its data has left (a restore or copy).
    const keepBackups = env !== undefined && backupHomeOf(env) === input.retiredDataId;
    const page = await deleteRetiredPage(svc.backups.context, input.retiredDataId, undefined, keepBackups);
    if (page.done && env?.retiredDataIds?.includes(input.retiredDataId)) {
      await state.updateEnvironment(input.environmentId, (e) => {
        if (!e.retiredDataIds?.includes(input.retiredDataId)) return undefined;
        const rest = e.retiredDataIds.filter((id) => id !== input.retiredDataId);
        const { retiredDataIds: _ids, ...kept } = e;
        return rest.length > 0 ? { ...kept, retiredDataIds: rest } : kept;
      });
    }
    return { outcome: "ok", done: page.done, backupsDeleted: page.backupsDeleted };
  } catch (err) {
    const outcome = terminalOutcomeOf(err);
    if (outcome.outcome === "AccessLost") throw err; // no key is used here: never expected, retried
    return outcome;
  }
}
