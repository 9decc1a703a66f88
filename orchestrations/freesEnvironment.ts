// Whatever happens to an operation, its environment is freed: a flow whose own failure path throws
// (its state writes exhausted their retries) would otherwise end with the environment still
// claimed, and every later operation refused with 409 OperationInProgress. The guard frees the
// slot (and a data operation's 503 flag) and lets the failure stand.
import type { OrchestrationContext, Task } from "durable-functions";
import type { ActivityRetryPolicy, ReleaseEnvironmentInput } from "../shared/operations/contracts";
import type { ActivityTable } from "../activities";
import { proxyActivities } from "./activityProxy";
import type { OrchestrationBody, Sent } from "./orchestrator";

type EnvironmentOperationInput = Pick<ReleaseEnvironmentInput, "operationId" | "tenantId" | "environmentId"> & { retry: ActivityRetryPolicy };

export function freesEnvironment<I extends EnvironmentOperationInput, O>(body: OrchestrationBody<I, O>): OrchestrationBody<I, O> {
  return function* (context: OrchestrationContext, input: I): Generator<Task, O, Sent> {
    try {
      return yield* body(context, input);
    } catch (err) {
      const act = proxyActivities<ActivityTable>(context, input.retry);
      try {
        yield* act.releaseEnvironment({ operationId: input.operationId, tenantId: input.tenantId, environmentId: input.environmentId });
      } catch {
        // Storage is down for good: the failure below is what the instance reports.
      }
      throw err;
    }
  };
}
