// The inputs of the long-running operations, from the app settings: parallelism, page size and
// activity retries come from here, so every route starts its operation the same way.
import type { Settings } from "../shared/settings";
import { retryFromSettings } from "../shared/operations/startOperation";
import type { ChangePolicyInput, KeyTarget, RekeyInput } from "../shared/operations/contracts";
import type { DataOperationInput } from "../shared/backups/contracts";

const common = (s: Settings) => ({ parallelism: s.reencryptParallelism, retry: retryFromSettings(s), pageSize: s.reencryptPageSize });

export function rekeyInput(s: Settings, operationId: string, environmentId: string, target: KeyTarget, extra: Pick<RekeyInput, "fromPolicy" | "resumeOnline"> = {}): RekeyInput {
  return { operationId, environmentId, target, ...common(s), ...extra };
}

export function changePolicyInput(s: Settings, operationId: string, environmentId: string, fromPolicy: string, toPolicy: string): ChangePolicyInput {
  return { operationId, environmentId, fromPolicy, toPolicy, ...common(s) };
}

export function dataOperationInput(s: Settings, operationId: string, fields: Omit<DataOperationInput, "operationId" | "retry" | "pageSize" | "parallelism">): DataOperationInput {
  return { operationId, ...common(s), ...fields };
}
