// Every call of the environments' data API passes this gate: the environment must exist, must
// not be Locked (423) and must not be in an operation's downtime (503 with Retry-After); neither
// refusal touches a key. A key lost under a running call locks the environment (the probe
// decides) and answers 423; a vault that is only slow answers 503; a ciphertext that fails its
// integrity check answers 500 with a code that says so, and returns nothing of it.
import { ApiError } from "../errors";
import { services } from "../services";
import { DOWNTIME_STATUSES, type Environment } from "../domain/environment";
import { isKeyAccessError } from "../keyvault";
import { IntegrityError } from "../crypto/integrityError";
import { reconcilePolicy } from "../locking/keyHealth";
import { checkEnvironmentId } from "../domain/environmentInput";

const DOWNTIME_RETRY_AFTER_SECONDS = "30";

function locked(env: Environment): ApiError {
  return new ApiError(423, "EnvironmentLocked", `Environment '${env.id}' is locked: ${env.encryption.lockedReason ?? "its key cannot be reached"}. ` +
    "It serves again once the key's access is restored.", "id");
}

export async function withEnvironmentData<T>(environmentId: string | undefined, work: (env: Environment) => Promise<T>): Promise<T> {
  const id = checkEnvironmentId(environmentId);
  const { state } = services();
  const env = await state.getEnvironment(id);
  if (!env) throw new ApiError(404, "EnvironmentNotFound", `There is no environment '${id}'.`, "id");
  if (env.state === "Locked") throw locked(env);
  if (env.dataOperation) {
    throw new ApiError(503, "EnvironmentUnavailable", `Environment '${id}' is unavailable while its data is rewritten (${env.dataOperation}); ` +
      "it comes back online when the operation ends.", "id", { "Retry-After": DOWNTIME_RETRY_AFTER_SECONDS });
  }
  if (DOWNTIME_STATUSES.includes(env.encryption.status)) {
    throw new ApiError(503, "EnvironmentUnavailable", `Environment '${id}' is unavailable while its encryption key changes (${env.encryption.status}); ` +
      "it comes back online once the core data is re-encrypted.", "id", { "Retry-After": DOWNTIME_RETRY_AFTER_SECONDS });
  }
  try {
    return await work(env);
  } catch (err) {
    if (err instanceof IntegrityError) {
      throw new ApiError(500, "CiphertextIntegrityFailure", `Stored data of environment '${id}' failed its integrity check and was not returned (${err.message}).`, "id");
    }
    if (isKeyAccessError(err)) {
      if (err.kind === "Transient") {
        throw new ApiError(503, "KeyVaultUnavailable", "The key vault is not answering; try again shortly.", "id", { "Retry-After": "5" });
      }
      if (env.encryption.policy) await reconcilePolicy(env.encryption.policy, "DataPathUnwrapFailed").catch(() => undefined);
      const now = await state.getEnvironment(id);
      if (now?.state === "Locked") throw locked(now);
      throw new ApiError(503, "KeyUnavailable", `The key protecting environment '${id}' could not be used (${err.vaultCode}).`, "id", { "Retry-After": "30" });
    }
    throw err;
  }
}
