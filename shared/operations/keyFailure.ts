// Activities report a lost key as a value (the orchestration fails fast and locks) and throw
// everything else (Durable Functions retries it: throttling, 5xx, storage hiccups).
import { isKeyAccessError } from "../keyvault";
import type { KeyFailure } from "./contracts";

export function asKeyFailure(err: unknown): KeyFailure {
  if (isKeyAccessError(err) && err.kind !== "Transient") {
    return { outcome: "AccessLost", code: err.vaultCode, message: err.message.split(/\r?\n/)[0].slice(0, 500) };
  }
  throw err;
}
