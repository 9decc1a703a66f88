// GET /api/audit: every admin call, newest first: who, what, target, result, when, request id.
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { ADMIN_ROLES } from "../../shared/domain/roles";
import { services } from "../../shared/services";
import { badRequest } from "../../shared/errors";

registerRoute(
  { name: "getAudit", method: "GET", route: "audit", roles: ADMIN_ROLES, audit: true,
    summary: "The audit log of admin calls, newest first (?top=N up to 1000, ?since=ISO date, ?caller=oid)." },
  async ({ request }) => {
    const topRaw = request.query.get("top") ?? "100";
    // Digits only: Number() also reads "0x10", "1e2" and " 5 " as whole numbers.
    const top = /^[0-9]{1,4}$/.test(topRaw) ? Number(topRaw) : NaN;
    if (!Number.isInteger(top) || top < 1 || top > 1000) throw badRequest("InvalidQuery", "'top' must be a whole number from 1 to 1000.", "top");
    const sinceRaw = request.query.get("since");
    const since = sinceRaw === null ? undefined : new Date(sinceRaw);
    if (since && Number.isNaN(since.getTime())) throw badRequest("InvalidQuery", "'since' must be an ISO 8601 date.", "since");
    const callerOid = request.query.get("caller") ?? undefined;
    return json(200, { value: await services().audit.list({ limit: top, since, callerOid }) });
  },
);
