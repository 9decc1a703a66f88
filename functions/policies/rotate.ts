// POST /api/enterprisePolicies/{name}/rotate: re-wrap the DEKs of every environment on the policy
// under the key's current version now, without waiting for the event or the daily sweep.
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { policyNameField } from "../../shared/http/inputs";
import { rotationStartedSchema } from "../../shared/http/schemas";
import { ADMIN_ROLES } from "../../shared/domain/roles";
import { requirePolicy } from "../../shared/state/lookups";
import { startRotation } from "../../shared/operations/rotation";
import { latestKeyVersion, isKeyAccessError } from "../../shared/keyvault";
import { keyErrorFor } from "../../shared/keys/keyErrors";
import { policyKeySource } from "../../shared/keys/keySources";
import { rotateKeyVersion } from "../../orchestrations/rotateKeyVersion";

registerRoute(
  { name: "rotateEnterprisePolicyKey", method: "POST", route: "enterprisePolicies/{name}/rotate", roles: ADMIN_ROLES, audit: true, durableClient: true,
    summary: "Re-wrap every DEK on the policy under the key's current version (no downtime, no data re-encrypted).",
    params: { name: policyNameField() }, responses: { 202: { description: "The rotation started (or was already running).", schema: rotationStartedSchema } } },
  async ({ params, durable, tenant, services: svc }) => {
    const policy = await requirePolicy(tenant, params.name);
    const key = await svc.keys.resolveKey(policyKeySource(policy));
    const latest = await latestKeyVersion(key.identity, key.vaultUrl, key.keyName).catch((err: unknown) => {
      if (isKeyAccessError(err)) throw keyErrorFor(err, { use: "rotation" });
      throw err;
    });
    const started = await startRotation(durable(), rotateKeyVersion, policy, latest.keyId);
    return json(202, { operationId: started.instanceId, keyId: latest.keyId, started: started.started });
  },
);
