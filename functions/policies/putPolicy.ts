// PUT /api/enterprisePolicies/{name}: the key vault administrator creates an enterprise policy
// for one key. keyward creates the policy's identity and returns its principalId: the principal
// to grant "Key Vault Crypto Service Encryption User" on the key. Updating a policy that
// environments use is refused: change keys with a new policy, as the reference says.
import { randomUUID } from "node:crypto";
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { readJsonObject } from "../../shared/http/body";
import { Roles } from "../../shared/domain/roles";
import { checkPolicyName, parsePolicyInput } from "../../shared/domain/policyInput";
import { policyResource, type EnterprisePolicy } from "../../shared/domain/policy";
import { conflict } from "../../shared/errors";
import { services } from "../../shared/services";
import { environmentsOnPolicy } from "../../shared/domain/policyUsage";

registerRoute(
  { name: "putEnterprisePolicy", method: "PUT", route: "enterprisePolicies/{name}", roles: [Roles.KeysAdmin], audit: true, body: "json",
    summary: "Create an enterprise policy for a Key Vault key (ARM template shape); returns the identity to grant on the key." },
  async ({ request, params, caller }) => {
    const name = checkPolicyName(params.name);
    const input = parsePolicyInput(await readJsonObject(request));
    const { state } = services();
    const now = new Date().toISOString();
    const fresh: EnterprisePolicy = {
      name, ...input,
      identity: { type: "SystemAssigned", principalId: randomUUID(), clientId: randomUUID(), tenantId: caller.tenantId ?? "" },
      readers: [], createdAt: now, createdBy: caller.oid, updatedAt: now,
    };
    if (await state.createPolicy(fresh)) return json(201, policyResource(fresh));

    const inUse = (await environmentsOnPolicy(name)).length > 0;
    const updated = await state.updatePolicy(name, (current) => {
      const same = current.location === input.location && current.keyVaultId.toLowerCase() === input.keyVaultId.toLowerCase() && current.keyName === input.keyName;
      if (same) return undefined;
      if (inUse) {
        throw conflict("PolicyInUse", `Enterprise policy '${name}' has environments; its key and location can't change. ` +
          "To change the key, create a new policy and move the environments to it (changePolicy).", "name");
      }
      return { ...current, ...input, updatedAt: now };
    });
    return json(200, policyResource(updated ?? fresh));
  },
);
