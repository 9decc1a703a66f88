// Every orchestration, in one table; registerOrchestrations registers each under its name.
import { registerOrchestrator, type Orchestrator } from "./orchestrator";
import { addEnvironmentToPolicy } from "./addEnvironmentToPolicy";
import { removeEnvironmentFromPolicy } from "./removeEnvironmentFromPolicy";
import { changePolicy } from "./changePolicy";
import { rotateKeyVersion } from "./rotateKeyVersion";
import { backupEnvironment } from "./backupEnvironment";
import { transferEnvironmentData } from "./transferEnvironmentData";
import { resetEnvironment } from "./resetEnvironment";
import { partitionWorker } from "./partitionWorker";
import { storeCounter } from "./storeCounter";
import { retiredDataWorker } from "./retiredDataWorker";
import { watchPolicyAccess } from "./watchPolicyAccess";

export const orchestrations = {
  addEnvironmentToPolicy, removeEnvironmentFromPolicy, changePolicy, rotateKeyVersion,
  backupEnvironment, transferEnvironmentData, resetEnvironment,
  // re-probing a policy's key after an event, until the change lands
  watchPolicyAccess,
  // one partition of any of the above, paged (the partition pump's sub-orchestration)
  partitionWorker,
  // stores counted partition by partition (sizing, a re-key's proof), through the pump
  storeCounter,
  // the storage generations a reset retired, deleted page by page
  retiredDataWorker,
};

export function registerOrchestrations(): void {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  for (const o of Object.values(orchestrations)) registerOrchestrator(o as Orchestrator<any, unknown>);
}
