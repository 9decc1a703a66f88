// The rules an environment must meet before keyward changes its key, each with its own code and
// a message that says what to do (the reference's rules, enforced, never silently):
// Reader on the policy, the tenant's licence, Managed Environments, not Trial or Teams, the
// policy's region, not locked, one operation at a time, and a usable key.
import { conflict, refused } from "../errors";
import type { AppServices } from "../appServices";
import { TYPES_WITHOUT_CMK, type Environment } from "../domain/environment";
import type { EnterprisePolicy } from "../domain/policy";
import { entitlingSubscriptions } from "../domain/licenses";
import { cmkViolations, inspectKey, isKeyAccessError } from "../keyvault";
import { keyErrorFor } from "../keys/keyErrors";
import { policyKeySource } from "../keys/keySources";
import type { TenantState } from "../state/stateStore";
import type { VerifiedCaller } from "../auth/tokenVerifier";

export function requireReader(policy: EnterprisePolicy, caller: VerifiedCaller): void {
  if (!policy.readers.includes(caller.oid.toLowerCase())) {
    throw refused("PolicyReaderRequired", `You can see enterprise policy '${policy.name}' but not add or remove environments: ` +
      `ask the key vault administrator to grant your object id (${caller.oid}) Reader on it.`, "name");
  }
}

export async function requireLicense(tenant: Pick<TenantState, "getLicenses">): Promise<void> {
  const licenses = await tenant.getLicenses();
  if (entitlingSubscriptions(licenses?.subscriptions ?? []).length === 0) {
    throw refused("LicenseRequired", "Customer-managed keys need one of the tenant subscriptions the reference lists " +
      "(e.g. Microsoft 365 E5, or E5 Compliance). Record the tenant's subscriptions with PUT /api/tenant/licenses.");
  }
}

export function requireNoOperation(env: Environment): void {
  if (env.encryption.activeOperationId) {
    throw conflict("OperationInProgress", `Environment '${env.id}' already has an operation running (${env.encryption.activeOperationId}); ` +
      "wait for it to finish (GET /api/operations/{id}).", env.id);
  }
}

export function requireUnlocked(env: Environment, doing: string): void {
  if (env.state === "Locked") {
    throw conflict("EnvironmentLocked", `Environment '${env.id}' is locked (${env.encryption.lockedReason ?? "key access lost"}); ` +
      `restore the key's access and unlock it before you ${doing}.`, env.id);
  }
}

/** The environment-side rules for joining a policy. */
export function requireEligibleForPolicy(env: Environment, policy: EnterprisePolicy): void {
  if (!env.managed) {
    throw conflict("ManagedEnvironmentRequired", `Environment '${env.id}' is not a Managed Environment; only Managed Environments can be added ` +
      "to an enterprise policy. Enable it with POST /api/environments/{id}/enableManaged.", env.id);
  }
  if (TYPES_WITHOUT_CMK.includes(env.type)) {
    throw conflict("EnvironmentTypeNotSupported", `Environment '${env.id}' is a ${env.type} environment; Trial and Teams environments can't be added to an enterprise policy.`, env.id);
  }
  if (env.region !== policy.location) {
    throw conflict("RegionMismatch", `Environment '${env.id}' is in ${env.region} but enterprise policy '${policy.name}' is in ${policy.location}; ` +
      "an environment can only join a policy in its own region.", env.id);
  }
  requireUnlocked(env, "change its key");
  requireNoOperation(env);
  const current = env.encryption.policy;
  if (current && current !== policy.name) {
    throw conflict("EnvironmentOnAnotherPolicy", `Environment '${env.id}' is on enterprise policy '${current}'. Use changePolicy to move it.`, env.id);
  }
  if (current === policy.name && env.encryption.status === "Encrypted") {
    throw conflict("AlreadyOnPolicy", `Environment '${env.id}' is already encrypted with enterprise policy '${policy.name}'.`, env.id);
  }
}

/**
 * The key-side rules, checked live as the policy's identity: reachable, enabled, not expired,
 * RSA or RSA-HSM of 2048 or 3072 bits, wrapKey and unwrapKey, soft delete and purge protection.
 */
export async function requireUsableKey(deps: Pick<AppServices, "keys">, policy: EnterprisePolicy): Promise<void> {
  const key = await deps.keys.resolveKey(policyKeySource(policy));
  let info;
  try {
    info = await inspectKey(key.identity, key.vaultUrl, key.keyName);
  } catch (err) {
    if (isKeyAccessError(err)) {
      throw keyErrorFor(err, { use: "policyKey", policy: policy.name, keyUrl: `${key.vaultUrl}/keys/${key.keyName}`, principalId: policy.identity.principalId });
    }
    throw err;
  }
  const violations = cmkViolations(info);
  if (violations.length > 0) {
    throw conflict(violations[0].code, `The key of enterprise policy '${policy.name}' does not meet the requirements: ${violations.map((v) => v.message).join(" ")}`, "keyVault");
  }
}
