// Remove an environment from its enterprise policy: its data returns to the platform key.
// Reverting -> RevertingOnline -> PlatformManaged. It still needs the customer key, to unwrap the
// DEKs it re-encrypts from, as the reference warns.
import type { RekeyInput, RekeyResult } from "../shared/operations/contracts";
import { orchestrator } from "./orchestrator";
import { rekeyFlow } from "./rekeyFlow";
import { freesEnvironment } from "./freesEnvironment";

export const removeEnvironmentFromPolicy = orchestrator<RekeyInput, RekeyResult>("removeEnvironmentFromPolicy", freesEnvironment(rekeyFlow));
