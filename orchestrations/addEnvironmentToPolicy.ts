// Add an environment to an enterprise policy: its data moves from the platform key (or a legacy
// BYOK key) to the customer's key. Encrypting -> EncryptingOnline -> Encrypted.
import * as df from "durable-functions";
import type { OrchestrationContext } from "durable-functions";
import type { RekeyInput } from "../shared/operations/contracts";
import { rekeyFlow } from "./rekeyFlow";
import { Orchestrations } from "../shared/operations/names";

df.app.orchestration(Orchestrations.addEnvironmentToPolicy, function* (context: OrchestrationContext) {
  const input = context.df.getInput<RekeyInput>();
  return yield* rekeyFlow(context, input);
});
