// PUT|DELETE /api/enterprisePolicies/{name}/readers/{objectId}: the key vault administrator
// grants or revokes Reader on the policy (New-AzRoleAssignment -RoleDefinitionName Reader in the
// reference). Only readers may add environments to the policy.
import { registerRoute } from "../../shared/http/route";
import { json, noContent } from "../../shared/http/responses";
import { objectIdField, policyNameField } from "../../shared/http/inputs";
import { readerGrantSchema } from "../../shared/http/schemas";
import { Roles } from "../../shared/domain/roles";
import { requirePolicy } from "../../shared/state/lookups";
import { notFound } from "../../shared/errors";

const params = { name: policyNameField(), objectId: objectIdField("The platform admin's Entra object id.") };

registerRoute(
  { name: "grantPolicyReader", method: "PUT", route: "enterprisePolicies/{name}/readers/{objectId}", roles: [Roles.KeysAdmin], audit: true,
    summary: "Grant a platform admin Reader on the policy, so they can add environments to it.",
    params, responses: { 200: { description: "Granted.", schema: readerGrantSchema } } },
  async ({ params: { name, objectId }, tenant: state }) => {
    await requirePolicy(state, name);
    await state.updatePolicy(name, (p) => (p.readers.includes(objectId) ? undefined : { ...p, readers: [...p.readers, objectId] }));
    return json(200, { policy: name, objectId, role: "Reader" });
  },
);

registerRoute(
  { name: "revokePolicyReader", method: "DELETE", route: "enterprisePolicies/{name}/readers/{objectId}", roles: [Roles.KeysAdmin], audit: true,
    summary: "Revoke a platform admin's Reader on the policy.",
    params, responses: { 204: { description: "Revoked." } } },
  async ({ params: { name, objectId }, tenant: state }) => {
    const policy = await requirePolicy(state, name);
    if (!policy.readers.includes(objectId)) throw notFound("ReaderNotFound", `${objectId} is not a reader of '${name}'.`, "objectId");
    await state.updatePolicy(name, (p) => ({ ...p, readers: p.readers.filter((r) => r !== objectId) }));
    return noContent();
  },
);
