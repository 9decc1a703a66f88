// How an environment's state row records a switch to a fresh storage generation (a reset, a
// restore, a copy: shared/dataOperations/generations.ts). Pure: the activities write these in
// conditional updates.
import type { Environment } from "./environment";

/**
 * `fresh` listed as retired before it is built, so a generation an operation leaves half-built
 * (it failed before its switch) is found and deleted by the next cleanup. Undefined (nothing to
 * write) when the environment is no longer on `dataId`, or lists `fresh` already.
 */
export function withFreshListed(e: Environment, dataId: string, fresh: string): Environment | undefined {
  if (e.dataId !== dataId || e.retiredDataIds?.includes(fresh)) return undefined;
  return { ...e, retiredDataIds: [...(e.retiredDataIds ?? []), fresh] };
}

/**
 * The environment on `fresh`: the data id it leaves (and `alsoRetired`) listed as retired, for the
 * orchestration to delete page by page, and remembered among its former data ids (the key version
 * ledger knows it by them).
 */
export function movedTo(e: Environment, fresh: string, alsoRetired: string[] = []): Environment {
  const retiring = [e.dataId, ...alsoRetired.filter((id) => id !== e.dataId)];
  return {
    ...e, dataId: fresh,
    retiredDataIds: [...(e.retiredDataIds ?? []).filter((id) => !retiring.includes(id) && id !== fresh), ...retiring],
    formerDataIds: [...(e.formerDataIds ?? []).filter((id) => id !== e.dataId), e.dataId],
  };
}
