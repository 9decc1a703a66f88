// GET /api/audit: every admin call, newest first: who, what, target, result, when, request id.
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { integer, optional, text } from "../../shared/http/fields";
import { auditEntrySchema, listOf } from "../../shared/http/schemas";
import { ADMIN_ROLES } from "../../shared/domain/roles";
import { invalid } from "../../shared/errors";

registerRoute(
  { name: "getAudit", method: "GET", route: "audit", roles: ADMIN_ROLES, audit: true,
    summary: "The audit log of admin calls, newest first (?top=N up to 1000, ?since=ISO date, ?caller=oid).",
    query: {
      top: optional(integer({ description: "Entries to return, 1 to 1000 (default 100).", min: 1, max: 1000, code: "InvalidQuery" }), 100),
      since: optional(text({ description: "Only entries at or after this ISO 8601 date.",
        check: (v, target) => { if (Number.isNaN(new Date(v).getTime())) throw invalid("InvalidQuery", "'since' must be an ISO 8601 date.", target); } })),
      caller: optional(text({ description: "Only the calls of this principal (object id)." })),
    },
    responses: { 200: { description: "Audit entries, newest first.", schema: listOf(auditEntrySchema, "Entries, newest first.") } } },
  async ({ query: { top, since, caller }, tenant }) =>
    json(200, { value: await tenant.listAudit({ limit: top, since: since === undefined ? undefined : new Date(since), callerOid: caller }) }),
);
