// Every call of the environments' data API passes this gate: the environment must exist, must
// not be Locked (423) and must not be in an operation's downtime (503 with Retry-After); neither
// refusal touches a key. A key lost under a running call locks the environment (the probe
// decides) and answers 423; a vault that is only slow answers 503; a ciphertext that fails its
// integrity check answers 500 with a code that says so, and returns nothing of it.
import { integrity, notFound, unavailable } from "../errors";
import type { Environment } from "../domain/environment";
import { isDowntime } from "../domain/encryptionStatus";
import { isKeyAccessError } from "../keyvault";
import { IntegrityError } from "../crypto/integrityError";
import { reconcilePolicy, type KeyHealthDeps } from "../locking/keyHealth";
import { environmentLocked, keyErrorFor } from "../keys/keyErrors";

const DOWNTIME_RETRY_AFTER_SECONDS = 30;

const locked = (env: Environment) => environmentLocked(env.id, env.encryption.lockedReason);

export async function withEnvironmentData<T>(deps: KeyHealthDeps, id: string, work: (env: Environment) => Promise<T>): Promise<T> {
  const { state } = deps;
  const env = await state.getEnvironment(id);
  if (!env) throw notFound("EnvironmentNotFound", `There is no environment '${id}'.`, "id");
  if (env.state === "Locked") throw locked(env);
  if (env.dataOperation) {
    throw unavailable("EnvironmentUnavailable", `Environment '${id}' is unavailable while its data is rewritten (${env.dataOperation}); ` +
      "it comes back online when the operation ends.", "id", DOWNTIME_RETRY_AFTER_SECONDS);
  }
  if (isDowntime(env.encryption.status)) {
    throw unavailable("EnvironmentUnavailable", `Environment '${id}' is unavailable while its encryption key changes (${env.encryption.status}); ` +
      "it comes back online once the core data is re-encrypted.", "id", DOWNTIME_RETRY_AFTER_SECONDS);
  }
  try {
    return await work(env);
  } catch (err) {
    if (err instanceof IntegrityError) {
      throw integrity("CiphertextIntegrityFailure", `Stored data of environment '${id}' failed its integrity check and was not returned (${err.message}).`, "id");
    }
    if (isKeyAccessError(err)) {
      if (err.kind === "Transient") throw keyErrorFor(err, { use: "environmentData", environmentId: id });
      if (env.encryption.policy) await reconcilePolicy(deps, env.encryption.policy, "DataPathUnwrapFailed").catch(() => undefined);
      const now = await state.getEnvironment(id);
      if (now?.state === "Locked") throw locked(now);
      throw keyErrorFor(err, { use: "environmentData", environmentId: id });
    }
    throw err;
  }
}
