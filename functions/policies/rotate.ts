// POST /api/enterprisePolicies/{name}/rotate: re-wrap the DEKs of every environment on the policy
// under the key's current version now, without waiting for the event or the daily sweep.
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { ADMIN_ROLES } from "../../shared/domain/roles";
import { checkPolicyName } from "../../shared/domain/policyInput";
import { requirePolicy } from "../../shared/domain/lookups";
import { startRotation } from "../../shared/operations/rotation";
import { latestKeyVersion, isKeyAccessError } from "../../shared/keyvault";
import { resolveKey } from "../../shared/keys/keySources";
import { conflict } from "../../shared/errors";

registerRoute(
  { name: "rotateEnterprisePolicyKey", method: "POST", route: "enterprisePolicies/{name}/rotate", roles: ADMIN_ROLES, audit: true, durableClient: true,
    summary: "Re-wrap every DEK on the policy under the key's current version (no downtime, no data re-encrypted)." },
  async ({ params, durable }) => {
    const policy = await requirePolicy(checkPolicyName(params.name));
    const key = await resolveKey({ kind: "CustomerManaged", policy: policy.name });
    const latest = await latestKeyVersion(key.identity, key.vaultUrl, key.keyName).catch((err: unknown) => {
      if (isKeyAccessError(err)) throw conflict("KeyNotAccessible", `The policy's key cannot be read (${err.vaultCode}).`, "name");
      throw err;
    });
    const started = await startRotation(durable(), policy.name, latest.keyId);
    return json(202, { operationId: started.instanceId, keyId: latest.keyId, started: started.started });
  },
);
