// Activity: the one place an operation writes the environment's encryption status, progress and
// key state, and its history entry (steps, end, error). Idempotent: steps are upserted by name,
// so a retried call leaves the same record.
import * as df from "durable-functions";
import { Activities } from "../shared/operations/names";
import type { SetStatusInput } from "../shared/operations/contracts";
import { recordStatus } from "../shared/operations/statusRecorder";
import { operationStatusWritten } from "../shared/operations/operationTelemetry";
import { telemetryEnabled } from "../shared/telemetry";
import { services } from "../shared/services";

df.app.activity(Activities.setEncryptionStatus, {
  handler: async (input: SetStatusInput) => {
    await recordStatus(input);
    if (!telemetryEnabled()) return;
    // The operation's start is read only for the duration metric at its end.
    const startedAt = input.operationStatus ? (await services().state.getOperation(input.operationId))?.startedAt : undefined;
    operationStatusWritten(input, startedAt);
  },
});
