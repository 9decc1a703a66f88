// DELETE /api/enterprisePolicies/{name}: refused while any environment uses the policy (including one
// a running change of policy is moving to it, shared/state/lookups.ts). The check
// and the delete are one step with respect to an add (shared/operations/policyJoin.ts).
import { registerRoute } from "../../shared/http/route";
import { noContent } from "../../shared/http/responses";
import { policyNameField } from "../../shared/http/inputs";
import { Roles } from "../../shared/domain/roles";
import { environmentsOnPolicy } from "../../shared/state/lookups";
import { changeUnusedPolicy } from "../../shared/operations/policyJoin";
import { conflict } from "../../shared/errors";

registerRoute(
  { name: "deleteEnterprisePolicy", method: "DELETE", route: "enterprisePolicies/{name}", roles: [Roles.KeysAdmin], audit: true,
    summary: "Delete an enterprise policy no environment uses.",
    params: { name: policyNameField() }, responses: { 204: { description: "Deleted." } } },
  async ({ params: { name }, tenant: state }) => {
    await changeUnusedPolicy(state, name, async () => {
      const using = await environmentsOnPolicy(state, name);
      if (using.length > 0) {
        throw conflict("PolicyInUse", `Enterprise policy '${name}' is used by ${using.length} environment(s) (${using.slice(0, 5).map((e) => e.id).join(", ")}). ` +
          "Remove them from the policy first (one a running change of policy is moving to it counts from the change's start; remove it once the change ends).", "name");
      }
    }, () => null);
    return noContent();
  },
);
