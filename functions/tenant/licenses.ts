// GET|PUT /api/tenant/licenses: the tenant's subscriptions. Adding environments to a policy is
// refused with LicenseRequired unless one of them entitles the tenant to customer-managed keys.
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { licensesBody } from "../../shared/http/inputs";
import { licensesSchema } from "../../shared/http/schemas";
import { Roles } from "../../shared/domain/roles";
import { CMK_ENTITLING_SUBSCRIPTIONS, entitlingSubscriptions } from "../../shared/domain/licenses";

function view(subscriptions: string[], updatedAt: string | null) {
  const entitling = entitlingSubscriptions(subscriptions);
  return { subscriptions, entitledToCustomerManagedKey: entitling.length > 0, entitlingSubscriptions: entitling, updatedAt };
}

registerRoute(
  { name: "getTenantLicenses", method: "GET", route: "tenant/licenses", roles: [Roles.PlatformAdmin], audit: true,
    summary: "The tenant's subscriptions and whether they entitle it to customer-managed keys.",
    responses: { 200: { description: "The tenant's subscriptions.", schema: licensesSchema } } },
  async ({ tenant }) => {
    const l = await tenant.getLicenses();
    return json(200, view(l?.subscriptions ?? [], l?.updatedAt ?? null));
  },
);

registerRoute(
  { name: "putTenantLicenses", method: "PUT", route: "tenant/licenses", roles: [Roles.PlatformAdmin], audit: true,
    summary: "Record the tenant's subscriptions ({\"subscriptions\": [...]}).",
    body: { kind: "json", field: licensesBody }, responses: { 200: { description: "Recorded.", schema: licensesSchema } } },
  async ({ body, caller, tenant: state }) => {
    const subscriptions = [...new Set(body.subscriptions.map((s) => s.trim()))];
    const updatedAt = new Date().toISOString();
    await state.putLicenses({ subscriptions, updatedAt, updatedBy: caller.oid });
    return json(200, { ...view(subscriptions, updatedAt), recognised: CMK_ENTITLING_SUBSCRIPTIONS.length });
  },
);
