// GET /api/enterprisePolicies/{name}/candidates: every environment of the caller's tenant with
// whether it may be added to the policy now and, if not, why: the console's "Add environments"
// list (eligible ones to pick, the others greyed with the reason). The answer comes from the same
// checks, in the same order, that POST .../environments runs (shared/operations/admission.ts), so
// the list never disagrees with the add. Reader on the policy is required, as for the add.
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { policyNameField } from "../../shared/http/inputs";
import { candidatesSchema } from "../../shared/http/schemas";
import { Roles } from "../../shared/domain/roles";
import { requirePolicy } from "../../shared/state/lookups";
import { requireEligibleForPolicy, requireLicense, requireReader } from "../../shared/operations/admission";
import { isKeywardError } from "../../shared/errors";

/** undefined when the check passes; its code and message when it refuses. */
async function refusal(check: () => void | Promise<void>): Promise<{ code: string; message: string } | undefined> {
  try {
    await check();
    return undefined;
  } catch (err) {
    if (isKeywardError(err)) return { code: err.code, message: err.message };
    throw err;
  }
}

registerRoute(
  { name: "listPolicyCandidates", method: "GET", route: "enterprisePolicies/{name}/candidates", roles: [Roles.PlatformAdmin], audit: true, readerRequired: true,
    summary: "Every environment with whether it can be added to the policy now ({eligible, code, message}), by the add's own checks.",
    params: { name: policyNameField() }, responses: { 200: { description: "The tenant's environments, each eligible or not, with the reason.", schema: candidatesSchema } } },
  async ({ params, caller, tenant }) => {
    const policy = await requirePolicy(tenant, params.name);
    requireReader(policy, caller);
    const license = await refusal(() => requireLicense(tenant));
    const environments = await tenant.listEnvironments();
    const value = await Promise.all(environments.map(async (env) => {
      const why = license ?? (await refusal(() => requireEligibleForPolicy(env, policy)));
      return {
        environmentId: env.id, displayName: env.displayName, region: env.region, type: env.type, managed: env.managed, state: env.state,
        status: env.encryption.status, policy: env.encryption.policy ?? null,
        eligible: why === undefined, ...(why ? { code: why.code, message: why.message } : {}),
      };
    }));
    return json(200, { policy: policy.name, location: policy.location, value });
  },
);
