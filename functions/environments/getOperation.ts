// GET /api/operations/{operationId}: one operation's status and progress.
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { ADMIN_ROLES } from "../../shared/domain/roles";
import { services } from "../../shared/services";
import { badRequest, notFound } from "../../shared/errors";
import { operationView } from "../../shared/domain/operationView";
import { rotationOperationView } from "../../shared/operations/rotationView";

registerRoute(
  { name: "getOperation", method: "GET", route: "operations/{operationId}", roles: ADMIN_ROLES, audit: true, durableClient: true,
    summary: "An operation's status, steps and progress." },
  async ({ params, durable }) => {
    const id = params.operationId ?? "";
    if (!/^[A-Za-z0-9-]{1,100}$/.test(id)) throw badRequest("InvalidOperationId", "Operation ids are letters, digits and hyphens.", "operationId");
    const op = await services().state.getOperation(id);
    if (!op) {
      // A key-version rotation (POST /rotate answers with its id) lives only as an orchestration.
      const instance = await durable().getStatus(id).catch(() => undefined);
      const rotation = instance && rotationOperationView(instance);
      if (rotation) return json(200, rotation);
    }
    if (!op) throw notFound("OperationNotFound", `There is no operation '${id}'.`, "operationId");
    return json(200, operationView(op));
  },
);
