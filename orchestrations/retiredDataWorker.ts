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
import { orchestrator, type Sent } from "./orchestrator";

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
