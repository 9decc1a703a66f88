// Activity: the one place an operation writes the environment's encryption status, progress and
// key state, and its history entry (steps, end, error). Idempotent: steps are upserted by name,
// so a retried call leaves the same record.
import * as df from "durable-functions";
import { Activities } from "../shared/operations/names";
import type { SetStatusInput } from "../shared/operations/contracts";
import { recordStatus } from "../shared/operations/statusRecorder";

df.app.activity(Activities.setEncryptionStatus, { handler: (input: SetStatusInput) => recordStatus(input) });
