// Add an environment to an enterprise policy: its data moves from the platform key (or a legacy
// BYOK key) to the customer's key. Encrypting -> EncryptingOnline -> Encrypted.
import type { RekeyInput, RekeyResult } from "../shared/operations/contracts";
import { orchestrator } from "./orchestrator";
import { rekeyFlow } from "./rekeyFlow";
import { freesEnvironment } from "./freesEnvironment";

export const addEnvironmentToPolicy = orchestrator<RekeyInput, RekeyResult>("addEnvironmentToPolicy", freesEnvironment(rekeyFlow));
