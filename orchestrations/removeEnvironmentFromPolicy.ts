// Remove an environment from its enterprise policy: its data returns to the platform key.
// Reverting -> RevertingOnline -> PlatformManaged. It still needs the customer key, to unwrap the
// DEKs it re-encrypts from, as the reference warns.
import * as df from "durable-functions";
import type { OrchestrationContext } from "durable-functions";
import type { RekeyInput } from "../shared/operations/contracts";
import { rekeyFlow } from "./rekeyFlow";
import { Orchestrations } from "../shared/operations/names";

df.app.orchestration(Orchestrations.removeEnvironmentFromPolicy, function* (context: OrchestrationContext) {
  const input = context.df.getInput<RekeyInput>();
  return yield* rekeyFlow(context, input);
});
