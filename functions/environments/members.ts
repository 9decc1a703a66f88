// PUT|DELETE /api/environments/{id}/members/{objectId} {"access": "Read" | "ReadWrite"} and
// GET /api/environments/{id}/members: who may use the environment's data. Environment.User is
// the role; membership says where. Granted by a Platform.Admin of the environment's tenant (admins
// administer, they do not read data: granting does not make the admin a member). Every change is
// audited, and takes effect on the next data call.
import { registerRoute } from "../../shared/http/route";
import { json, noContent } from "../../shared/http/responses";
import { object, text } from "../../shared/http/fields";
import { environmentIdField, objectIdField } from "../../shared/http/inputs";
import { listOf, memberSchema } from "../../shared/http/schemas";
import { Roles } from "../../shared/domain/roles";
import { MEMBER_ACCESS, type EnvironmentMember } from "../../shared/domain/member";
import { requireEnvironment } from "../../shared/state/lookups";
import { notFound } from "../../shared/errors";

const ADMIN = [Roles.PlatformAdmin];
const params = { id: environmentIdField(), objectId: objectIdField("The member's Entra object id (a user or a service principal).") };

const memberBody = object({
  access: text({ description: "Read: read records and files. ReadWrite: also write and delete them.", enum: MEMBER_ACCESS, code: "InvalidAccess",
    message: `'access' must be one of ${MEMBER_ACCESS.join(", ")}.` }),
}, { description: "The member's access." });

registerRoute(
  { name: "putEnvironmentMember", method: "PUT", route: "environments/{id}/members/{objectId}", roles: ADMIN, audit: true,
    summary: "Grant a principal access to the environment's data (Read or ReadWrite), or change it.",
    params, body: { kind: "json", field: memberBody },
    responses: { 201: { description: "Granted.", schema: memberSchema }, 200: { description: "Changed.", schema: memberSchema } } },
  async ({ params: { id, objectId }, body, caller, tenant }) => {
    await requireEnvironment(tenant, id);
    const existing = await tenant.getMember(id, objectId);
    const member: EnvironmentMember = { objectId, access: body.access, grantedBy: caller.oid, grantedAt: new Date().toISOString() };
    await tenant.putMember(id, member);
    return json(existing ? 200 : 201, member);
  },
);

registerRoute(
  { name: "deleteEnvironmentMember", method: "DELETE", route: "environments/{id}/members/{objectId}", roles: ADMIN, audit: true,
    summary: "Take a principal's access to the environment's data away.",
    params, responses: { 204: { description: "Removed." } } },
  async ({ params: { id, objectId }, tenant }) => {
    await requireEnvironment(tenant, id);
    if (!(await tenant.deleteMember(id, objectId))) throw notFound("MemberNotFound", `${objectId} is not a member of environment '${id}'.`, "objectId");
    return noContent();
  },
);

registerRoute(
  { name: "listEnvironmentMembers", method: "GET", route: "environments/{id}/members", roles: ADMIN, audit: true,
    summary: "The principals that may use the environment's data, with their access.",
    params: { id: environmentIdField() }, responses: { 200: { description: "The members.", schema: listOf(memberSchema, "The members.") } } },
  async ({ params: { id }, tenant }) => {
    await requireEnvironment(tenant, id);
    return json(200, { value: await tenant.listMembers(id) });
  },
);
