// Storage that does not answer (connection refused or dropped, a timeout, a 5xx such as
// ServerBusy) is a 503 StorageUnavailable with Retry-After at the HTTP edge, not a 500: nothing
// was changed that a client can see (every write keyward acknowledges is one entity or blob
// write that either happened or not), and a retry will cure it.
import { unavailable, type KeywardError } from "../errors";

const NETWORK_CODES = new Set([
  "ECONNREFUSED", "ECONNRESET", "ECONNABORTED", "ETIMEDOUT", "ESOCKETTIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH",
  "REQUEST_SEND_ERROR", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT", "ERR_STREAM_PREMATURE_CLOSE",
]);

const RETRY_AFTER_SECONDS = 5;

/**
 * The durable client's error when the Durable Functions extension answered a 5xx, as it does when
 * the task hub's storage is down. The library throws a plain Error naming the status
 * (DurableClient.createGenericError), so its message is all there is to go by.
 */
const TASK_HUB_5XX = /^The operation failed with an unexpected status code: 5\d\d\b/;

/**
 * Whether the error is a storage SDK call that storage did not answer, or answered with a
 * server-side failure, or the task hub (storage too) failing a durable client call.
 */
export function isStorageUnavailable(error: unknown): boolean {
  const e = error as { name?: unknown; code?: unknown; statusCode?: unknown; cause?: { code?: unknown } } | null;
  if (!e || typeof e !== "object") return false;
  const code = typeof e.code === "string" ? e.code : typeof e.cause?.code === "string" ? e.cause.code : undefined;
  if (code && NETWORK_CODES.has(code)) return true;
  if (error instanceof Error && TASK_HUB_5XX.test(error.message)) return true;
  return e.name === "RestError" && typeof e.statusCode === "number" && [500, 502, 503, 504].includes(e.statusCode);
}

export function storageUnavailable(): KeywardError {
  return unavailable("StorageUnavailable", `keyward's storage is not answering right now; nothing was changed. Retry in ${RETRY_AFTER_SECONDS} seconds; if it persists, the platform operator should check the storage account's availability.`, undefined, RETRY_AFTER_SECONDS);
}
