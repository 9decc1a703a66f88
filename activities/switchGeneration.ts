// Activity: the switch of a restore or copy. Every item is in the fresh generation; the
// environment's state row moves to it in one conditional write. Its backups stay where they are
// stored (backupsDataId), and the generation it leaves is listed as retired for the orchestration
// to delete in bounded pages (deleteRetiredData), backups kept. Nothing is deleted here.
//
// Rerunnable: a rerun after the switch finds it done.
import type { AppServices } from "../shared/appServices";
import type { SwitchGenerationInput, SwitchGenerationOutput } from "../shared/dataOperations/contracts";
import { backupHomeOf, type Environment } from "../shared/domain/environment";
import { conflict, notFound } from "../shared/errors";
import { terminalOutcomeOf } from "../shared/operations/activityOutcome";

function switched(e: Environment, fresh: string): Environment {
  return {
    ...e, dataId: fresh, backupsDataId: backupHomeOf(e),
    retiredDataIds: [...(e.retiredDataIds ?? []).filter((id) => id !== e.dataId && id !== fresh), e.dataId],
    formerDataIds: [...(e.formerDataIds ?? []).filter((id) => id !== e.dataId), e.dataId],
  };
}

export async function switchGeneration(input: SwitchGenerationInput, svc: AppServices): Promise<SwitchGenerationOutput> {
  try {
    const state = svc.state.forTenant(input.tenantId);
    const env = await state.updateEnvironment(input.environmentId, (e) => (e.dataId === input.dataId ? switched(e, input.freshDataId) : undefined));
    if (!env) throw notFound("EnvironmentNotFound", `Environment '${input.environmentId}' no longer exists.`, "environmentId");
    if (env.dataId !== input.freshDataId) {
      throw conflict("DataGenerationChanged", `Environment '${input.environmentId}' moved to other data while its data was being replaced; start the operation again.`, "environmentId");
    }
    svc.dekCache.purgeByScope(input.dataId);
    // A reader whose cached environment state predates the operation's claim (so without its 503
    // flag) may still read the old generation for up to the state cache's bound: the old
    // generation stays whole until that has passed.
    await new Promise((resolve) => setTimeout(resolve, svc.settings.dataStateCacheMs));
    return { outcome: "ok", retired: env.retiredDataIds ?? [] };
  } catch (err) {
    const outcome = terminalOutcomeOf(err);
    if (outcome.outcome === "AccessLost") throw err; // no key is used here: never expected, retried
    return outcome;
  }
}
