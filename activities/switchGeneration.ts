// Activity: the switch of a restore or copy. Every item is in the fresh generation; the
// environment's state row moves to it in one conditional write. Its backups stay where they are
// stored (backupsDataId), and the generation it leaves is listed as retired for the orchestration
// to delete in bounded pages (deleteRetiredData), backups kept. Nothing is deleted here.
//
// Rerunnable: a rerun after the switch finds it done.
import type { AppServices } from "../shared/appServices";
import type { SwitchGenerationInput, SwitchGenerationOutput } from "../shared/dataOperations/contracts";
import { backupHomeOf, type Environment } from "../shared/domain/environment";
import { movedTo } from "../shared/domain/dataGeneration";
import { settleAfterSwitch } from "../shared/dataOperations/generations";
import { conflict, notFound } from "../shared/errors";
import { terminalOutcomeOf } from "../shared/operations/activityOutcome";

/** On the fresh generation, its backups kept where they are stored. */
const switched = (e: Environment, fresh: string): Environment => ({ ...movedTo(e, fresh), backupsDataId: backupHomeOf(e) });

export async function switchGeneration(input: SwitchGenerationInput, svc: AppServices): Promise<SwitchGenerationOutput> {
  try {
    const state = svc.state.forTenant(input.tenantId);
    const env = await state.updateEnvironment(input.environmentId, (e) => (e.dataId === input.dataId ? switched(e, input.freshDataId) : undefined));
    if (!env) throw notFound("EnvironmentNotFound", `Environment '${input.environmentId}' no longer exists.`, "environmentId");
    if (env.dataId !== input.freshDataId) {
      throw conflict("DataGenerationChanged", `Environment '${input.environmentId}' moved to other data while its data was being replaced; start the operation again.`, "environmentId");
    }
    await settleAfterSwitch({ dekCache: svc.dekCache, stateCacheMs: svc.settings.dataStateCacheMs }, input.dataId);
    return { outcome: "ok", retired: env.retiredDataIds ?? [] };
  } catch (err) {
    const outcome = terminalOutcomeOf(err);
    if (outcome.outcome === "AccessLost") throw err; // no key is used here: never expected, retried
    return outcome;
  }
}
