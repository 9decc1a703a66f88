// DELETE /api/enterprisePolicies/{name}: refused while any environment uses the policy.
import { registerRoute } from "../../shared/http/route";
import { noContent } from "../../shared/http/responses";
import { Roles } from "../../shared/domain/roles";
import { checkPolicyName } from "../../shared/domain/policyInput";
import { requirePolicy } from "../../shared/domain/lookups";
import { environmentsOnPolicy } from "../../shared/domain/policyUsage";
import { conflict } from "../../shared/errors";
import { services } from "../../shared/services";

registerRoute(
  { name: "deleteEnterprisePolicy", method: "DELETE", route: "enterprisePolicies/{name}", roles: [Roles.KeysAdmin], audit: true,
    summary: "Delete an enterprise policy no environment uses." },
  async ({ params }) => {
    const name = checkPolicyName(params.name);
    await requirePolicy(name);
    const using = await environmentsOnPolicy(name);
    if (using.length > 0) {
      throw conflict("PolicyInUse", `Enterprise policy '${name}' is used by ${using.length} environment(s) (${using.slice(0, 5).map((e) => e.id).join(", ")}). ` +
        "Remove them from the policy first.", "name");
    }
    await services().state.deletePolicy(name);
    return noContent();
  },
);
