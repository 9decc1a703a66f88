// How the data operation activities report what retrying cannot fix: a lost key (KeyFailure, as
// every activity does), a backup whose key versions were taken away, or a refused request (a
// backup or key ring that is not there). Anything else is thrown, for Durable Functions to retry.
import { ApiError } from "../errors";
import type { KeyFailure } from "../operations/contracts";
import { asKeyFailure } from "../operations/keyFailure";
import { BackupKeyUnusable } from "./backupKeys";
import type { Refusal } from "./contracts";

export function asOperationFailure(err: unknown): KeyFailure | Refusal {
  if (err instanceof BackupKeyUnusable) return { outcome: "AccessLost", code: "BackupKeyVersionUnusable", message: err.message };
  if (err instanceof ApiError && err.status >= 400 && err.status < 500) return { outcome: "Refused", code: err.code, message: err.message };
  return asKeyFailure(err);
}
