// The inputs of the long-running operations, from the app settings: parallelism, page size and
// activity retries come from here, so every route starts its operation the same way.
import type { Settings } from "../shared/settings";
import type { Environment } from "../shared/domain/environment";
import { retryFromSettings } from "../shared/operations/startOperation";
import type { ChangePolicyInput, Downtime, EnvironmentScope, KeyTarget, RekeyInput } from "../shared/operations/contracts";
import type { DataOperationInput } from "../shared/dataOperations/contracts";

const common = (s: Settings) => ({ parallelism: s.reencryptParallelism, retry: retryFromSettings(s), pageSize: s.reencryptPageSize });

/** Where an operation finds the environment's state (tenant, id) and its data (data id). */
export const scopeOf = (env: Environment): EnvironmentScope => ({ tenantId: env.tenantId, environmentId: env.id, dataId: env.dataId });

export function rekeyInput(s: Settings, operationId: string, env: Environment, target: KeyTarget, extra: Pick<RekeyInput, "fromPolicy" | "resumeOnline" | "downtime"> = {}): RekeyInput {
  const { downtime, ...rest } = extra;
  return { operationId, ...scopeOf(env), target, ...common(s), ...rest, ...(downtime === "none" ? { downtime } : {}) };
}

export function changePolicyInput(s: Settings, operationId: string, env: Environment, fromPolicy: string, toPolicy: string, downtime: Downtime = "reference"): ChangePolicyInput {
  return { operationId, ...scopeOf(env), fromPolicy, toPolicy, ...common(s), ...(downtime === "none" ? { downtime } : {}) };
}

export function dataOperationInput(s: Settings, operationId: string, env: Environment,
  fields: Omit<DataOperationInput, "operationId" | "retry" | "pageSize" | "parallelism" | keyof EnvironmentScope>): DataOperationInput {
  return { operationId, ...scopeOf(env), ...common(s), ...fields };
}
