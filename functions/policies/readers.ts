// PUT|DELETE /api/enterprisePolicies/{name}/readers/{objectId}: the key vault administrator
// grants or revokes Reader on the policy (New-AzRoleAssignment -RoleDefinitionName Reader in the
// reference). Only readers may add environments to the policy.
import { registerRoute } from "../../shared/http/route";
import { json, noContent } from "../../shared/http/responses";
import { Roles } from "../../shared/domain/roles";
import { checkPolicyName } from "../../shared/domain/policyInput";
import { requirePolicy } from "../../shared/domain/lookups";
import { OBJECT_ID_PATTERN } from "../../shared/domain/policy";
import { badRequest, notFound } from "../../shared/errors";
import { services } from "../../shared/services";

function checkObjectId(id: string | undefined): string {
  if (!id || !OBJECT_ID_PATTERN.test(id)) throw badRequest("InvalidObjectId", "The reader must be an Entra object id (a GUID).", "objectId");
  return id.toLowerCase();
}

registerRoute(
  { name: "grantPolicyReader", method: "PUT", route: "enterprisePolicies/{name}/readers/{objectId}", roles: [Roles.KeysAdmin], audit: true,
    summary: "Grant a platform admin Reader on the policy, so they can add environments to it." },
  async ({ params }) => {
    const name = checkPolicyName(params.name);
    const objectId = checkObjectId(params.objectId);
    await requirePolicy(name);
    await services().state.updatePolicy(name, (p) => (p.readers.includes(objectId) ? undefined : { ...p, readers: [...p.readers, objectId] }));
    return json(200, { policy: name, objectId, role: "Reader" });
  },
);

registerRoute(
  { name: "revokePolicyReader", method: "DELETE", route: "enterprisePolicies/{name}/readers/{objectId}", roles: [Roles.KeysAdmin], audit: true,
    summary: "Revoke a platform admin's Reader on the policy." },
  async ({ params }) => {
    const name = checkPolicyName(params.name);
    const objectId = checkObjectId(params.objectId);
    const policy = await requirePolicy(name);
    if (!policy.readers.includes(objectId)) throw notFound("ReaderNotFound", `${objectId} is not a reader of '${name}'.`, "objectId");
    await services().state.updatePolicy(name, (p) => ({ ...p, readers: p.readers.filter((r) => r !== objectId) }));
    return noContent();
  },
);
