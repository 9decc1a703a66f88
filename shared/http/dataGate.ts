// Every call of the environments' data API passes this gate: the environment must exist in the
// caller's tenant (else 404, as a missing one), the caller must be one of its members with the
// access the call needs (else 403, and nothing of the environment is said), the environment must
// not be Locked (423) and must not be in an operation's downtime (503 with Retry-After); none of
// these refusals touches a key. A key lost under a running call locks the environment (the probe
// decides) and answers 423; a vault that is only slow answers 503; a ciphertext that fails its
// integrity check answers 500 with a code that says so, and returns nothing of it.
// The environment and the membership come from deps.dataAccess, read at once and cached within
// the bounds the product promises (a lock seen within 2 s, a removed member within 1 s).
import { integrity, notFound, refused, unavailable } from "../errors";
import type { TenantState } from "../state/stateStore";
import { accessCovers, type MemberAccess } from "../domain/member";
import type { Environment } from "../domain/environment";
import { isDowntime } from "../domain/encryptionStatus";
import { isKeyAccessError } from "../keyvault";
import { IntegrityError } from "../crypto/integrityError";
import { reconcilePolicy, type KeyHealthDeps } from "../locking/keyHealth";
import { environmentLocked, keyErrorFor } from "../keys/keyErrors";
import type { AppServices } from "../appServices";

const DOWNTIME_RETRY_AFTER_SECONDS = 30;

const locked = (env: Environment) => environmentLocked(env.id, env.encryption.lockedReason);

export interface DataCall {
  tenant: TenantState;
  /** The caller's object id. */
  callerOid: string;
  environmentId: string;
  /** What the call does with the data. */
  needs: MemberAccess;
}

export type DataGateDeps = KeyHealthDeps & Pick<AppServices, "dataAccess">;

export async function withEnvironmentData<T>(deps: DataGateDeps, call: DataCall, work: (env: Environment) => Promise<T>): Promise<T> {
  const id = call.environmentId;
  const [env, member] = await Promise.all([
    deps.dataAccess.environment(call.tenant, id),
    deps.dataAccess.member(call.tenant, id, call.callerOid.toLowerCase()),
  ]);
  if (!env) throw notFound("EnvironmentNotFound", `There is no environment '${id}'.`, "id");
  if (!member || !accessCovers(member.access, call.needs)) {
    throw refused("EnvironmentAccessDenied", member
      ? `You have Read access to environment '${id}'; writing needs ReadWrite. Ask a platform administrator of your tenant to change your membership.`
      : `You are not a member of environment '${id}'. Ask a platform administrator of your tenant to add you (PUT /api/environments/${id}/members/{your object id}).`, "id");
  }
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
      if (env.encryption.policy) await reconcilePolicy(deps, env.tenantId, env.encryption.policy, "DataPathUnwrapFailed").catch(() => undefined);
      const now = await deps.dataAccess.environmentNow(call.tenant, id);
      if (now?.state === "Locked") throw locked(now);
      throw keyErrorFor(err, { use: "environmentData", environmentId: id });
    }
    throw err;
  }
}
