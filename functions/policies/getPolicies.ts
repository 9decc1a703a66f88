// GET /api/enterprisePolicies and GET /api/enterprisePolicies/{name}. Both admins may look;
// only a platform admin holding Reader may add environments (the reference's note).
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { policyNameField } from "../../shared/http/inputs";
import { listOf, policySchema } from "../../shared/http/schemas";
import { ADMIN_ROLES } from "../../shared/domain/roles";
import { policyResource } from "../../shared/domain/policy";
import { requirePolicy } from "../../shared/state/lookups";

registerRoute(
  { name: "listEnterprisePolicies", method: "GET", route: "enterprisePolicies", roles: ADMIN_ROLES, audit: true,
    summary: "List the enterprise policies.",
    responses: { 200: { description: "The policies.", schema: listOf(policySchema, "The enterprise policies.") } } },
  async ({ tenant }) => json(200, { value: (await tenant.listPolicies()).map((p) => policyResource(p)) }),
);

registerRoute(
  { name: "getEnterprisePolicy", method: "GET", route: "enterprisePolicies/{name}", roles: ADMIN_ROLES, audit: true,
    summary: "Get an enterprise policy, with its identity's principalId and its readers.",
    params: { name: policyNameField() }, responses: { 200: { description: "The policy.", schema: policySchema } } },
  async ({ params, tenant }) => json(200, policyResource(await requirePolicy(tenant, params.name))),
);
