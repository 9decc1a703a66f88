// GET /api/enterprisePolicies and GET /api/enterprisePolicies/{name}. Both admins may look;
// only a platform admin holding Reader may add environments (the reference's note).
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { ADMIN_ROLES } from "../../shared/domain/roles";
import { policyResource } from "../../shared/domain/policy";
import { checkPolicyName } from "../../shared/domain/policyInput";
import { requirePolicy } from "../../shared/domain/lookups";
import { services } from "../../shared/services";

registerRoute(
  { name: "listEnterprisePolicies", method: "GET", route: "enterprisePolicies", roles: ADMIN_ROLES, audit: true,
    summary: "List the enterprise policies." },
  async () => json(200, { value: (await services().state.listPolicies()).map((p) => policyResource(p)) }),
);

registerRoute(
  { name: "getEnterprisePolicy", method: "GET", route: "enterprisePolicies/{name}", roles: ADMIN_ROLES, audit: true,
    summary: "Get an enterprise policy, with its identity's principalId and its readers." },
  async ({ params }) => json(200, policyResource(await requirePolicy(checkPolicyName(params.name)))),
);
