// The deletion of the storage generations an operation retired (shared/dataOperations/generations.ts),
// one bounded page per activity call. Every `callsPerExecution` calls it continues as new with
// what is left and its count, so no execution's history grows with the size of what is deleted.
// It never fails on purpose: a refusal comes back as `stopped`, an activity that spent its
// retries as `failed` with its message, so the parent reports either as its own step's failure.
import type { OrchestrationContext, Task } from "durable-functions";
import type { ActivityRetryPolicy } from "../shared/operations/contracts";
import type { ActivityTable } from "../activities";
import { proxyActivities } from "./activityProxy";
import { errorMessage } from "./retry";
import { callOrchestrator, orchestrator, type Sent } from "./orchestrator";

export interface RetiredDataWork {
  operationId: string;
  tenantId: string;
  environmentId: string;
  /** The data ids left to delete, the first one in progress. */
  retired: string[];
  retry: ActivityRetryPolicy;
  callsPerExecution: number;
  /** Backups deleted so far. */
  backupsDeleted: number;
}

export type RetiredDataResult =
  | { outcome: "done"; backupsDeleted: number }
  | { outcome: "stopped"; code: string; message: string }
  | { outcome: "failed"; message: string };

/** Page calls per execution of the worker before it continues as new. */
export const RETIRED_CALLS_PER_EXECUTION = 20;

function* retiredDataFlow(context: OrchestrationContext, input: RetiredDataWork): Generator<Task, RetiredDataResult, Sent> {
  const act = proxyActivities<ActivityTable>(context, input.retry);
  const retired = [...input.retired];
  let { backupsDeleted } = input;
  for (let call = 0; call < Math.max(1, input.callsPerExecution); call++) {
    if (retired.length === 0) return { outcome: "done", backupsDeleted };
    let page;
    try {
      page = yield* act.deleteRetiredData({ operationId: input.operationId, tenantId: input.tenantId, environmentId: input.environmentId, retiredDataId: retired[0] });
    } catch (err) {
      return { outcome: "failed", message: errorMessage(err) };
    }
    if (page.outcome !== "ok") return { outcome: "stopped", code: page.code, message: page.message };
    backupsDeleted += page.backupsDeleted;
    if (page.done) retired.shift();
  }
  if (retired.length === 0) return { outcome: "done", backupsDeleted };
  context.df.continueAsNew({ ...input, retired, backupsDeleted } satisfies RetiredDataWork);
  // The engine discards the output of an execution that continued as new: the parent hears from the last one.
  return undefined as never;
}

export const retiredDataWorker = orchestrator<RetiredDataWork, RetiredDataResult>("retiredDataWorker", retiredDataFlow);

/**
 * A parent operation's deletion of the generations it retired: the worker as a sub-orchestration
 * (its instance id derived from the parent's), its end as the parent reports it: the backups
 * deleted, or the error the parent's step fails with (`stage` names the step).
 */
export function* deleteRetiredGenerations(
  context: OrchestrationContext, base: { operationId: string; tenantId: string; environmentId: string }, retired: string[], retry: ActivityRetryPolicy, stage: string,
): Generator<Task, { backupsDeleted: number; error?: undefined } | { error: { code: string; message: string } }, Sent> {
  const deleted = yield* callOrchestrator(context, retiredDataWorker, {
    ...base, retired, retry, callsPerExecution: RETIRED_CALLS_PER_EXECUTION, backupsDeleted: 0,
  }, `${context.df.instanceId}:retired`);
  if (deleted.outcome === "stopped") return { error: { code: deleted.code, message: deleted.message } };
  if (deleted.outcome === "failed") return { error: { code: "OperationFailed", message: `${stage} failed: ${deleted.message}` } };
  return { backupsDeleted: deleted.backupsDeleted };
}
