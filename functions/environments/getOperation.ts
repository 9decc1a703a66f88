// GET /api/operations/{operationId}: one operation's status and progress.
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { operationIdField } from "../../shared/http/inputs";
import { operationSchema } from "../../shared/http/schemas";
import { ADMIN_ROLES } from "../../shared/domain/roles";
import { notFound } from "../../shared/errors";
import { operationView } from "../../shared/domain/operationView";
import { rotationOperationView } from "../../shared/operations/rotationView";
import { rotateKeyVersion } from "../../orchestrations/rotateKeyVersion";
import { settleEndedOperation } from "../../shared/operations/settleEndedOperation";

registerRoute(
  { name: "getOperation", method: "GET", route: "operations/{operationId}", roles: ADMIN_ROLES, audit: true, durableClient: true,
    summary: "An operation's status, steps and progress.",
    params: { operationId: operationIdField }, responses: { 200: { description: "The operation.", schema: operationSchema } } },
  async ({ params: { operationId }, durable, tenant }) => {
    let op = await tenant.getOperation(operationId);
    // An orchestration that ended without recording it (shared/operations/settleEndedOperation.ts).
    if (op?.status === "Running" && await settleEndedOperation(tenant, durable(), operationId)) op = await tenant.getOperation(operationId);
    if (!op) {
      // A key-version rotation (POST /rotate answers with its id) lives only as an orchestration.
      const instance = await durable().getStatus(operationId).catch(() => undefined);
      const rotation = instance && rotationOperationView(instance, rotateKeyVersion.name, tenant.tenantId);
      if (rotation) return json(200, rotation);
      throw notFound("OperationNotFound", `There is no operation '${operationId}'.`, "operationId");
    }
    return json(200, operationView(op));
  },
);
