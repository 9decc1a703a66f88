// GET /api/operations/{operationId}: one operation's status and progress.
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { ADMIN_ROLES } from "../../shared/domain/roles";
import { services } from "../../shared/services";
import { badRequest, notFound } from "../../shared/errors";
import { operationView } from "../../shared/domain/operationView";

registerRoute(
  { name: "getOperation", method: "GET", route: "operations/{operationId}", roles: ADMIN_ROLES, audit: true,
    summary: "An operation's status, steps and progress." },
  async ({ params }) => {
    const id = params.operationId ?? "";
    if (!/^[A-Za-z0-9-]{1,100}$/.test(id)) throw badRequest("InvalidOperationId", "Operation ids are letters, digits and hyphens.", "operationId");
    const op = await services().state.getOperation(id);
    if (!op) throw notFound("OperationNotFound", `There is no operation '${id}'.`, "operationId");
    return json(200, operationView(op));
  },
);
