// GET|PUT /api/tenant/licenses: the tenant's subscriptions. Adding environments to a policy is
// refused with LicenseRequired unless one of them entitles the tenant to customer-managed keys.
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { Roles } from "../../shared/domain/roles";
import { readJsonObject } from "../../shared/http/body";
import { badRequest } from "../../shared/errors";
import { services } from "../../shared/services";
import { CMK_ENTITLING_SUBSCRIPTIONS, entitlingSubscriptions } from "../../shared/domain/licenses";

function view(subscriptions: string[], updatedAt: string | null) {
  const entitling = entitlingSubscriptions(subscriptions);
  return { subscriptions, entitledToCustomerManagedKey: entitling.length > 0, entitlingSubscriptions: entitling, updatedAt };
}

registerRoute(
  { name: "getTenantLicenses", method: "GET", route: "tenant/licenses", roles: [Roles.PlatformAdmin], audit: true,
    summary: "The tenant's subscriptions and whether they entitle it to customer-managed keys." },
  async () => {
    const l = await services().state.getLicenses();
    return json(200, view(l?.subscriptions ?? [], l?.updatedAt ?? null));
  },
);

registerRoute(
  { name: "putTenantLicenses", method: "PUT", route: "tenant/licenses", roles: [Roles.PlatformAdmin], audit: true, body: "json",
    summary: "Record the tenant's subscriptions ({\"subscriptions\": [...]})." },
  async ({ request, caller }) => {
    const body = await readJsonObject(request);
    const subs = body.subscriptions;
    if (!Array.isArray(subs) || subs.length > 100 || !subs.every((s) => typeof s === "string" && s.trim() !== "" && s.length <= 200)) {
      throw badRequest("InvalidField", "'subscriptions' must be a list of at most 100 subscription names.", "subscriptions");
    }
    const unknown = Object.keys(body).filter((k) => k !== "subscriptions");
    if (unknown.length) throw badRequest("UnknownField", `Unknown field(s): ${unknown.join(", ")}.`, unknown[0]);
    const subscriptions = [...new Set((subs as string[]).map((s) => s.trim()))];
    const updatedAt = new Date().toISOString();
    await services().state.putLicenses({ subscriptions, updatedAt, updatedBy: caller.oid });
    return json(200, { ...view(subscriptions, updatedAt), recognised: CMK_ENTITLING_SUBSCRIPTIONS.length });
  },
);
