// POST /api/environments/{id}/copy {sourceEnvironmentId}: replace the environment's data with a
// copy of another environment's. Only between environments encrypted with the same customer key
// (else 409 KeyMismatch). The items are re-encrypted for the target, never copied as ciphertext.
import { registerRoute } from "../../shared/http/route";
import { json } from "../../shared/http/responses";
import { readJsonObject, requiredString } from "../../shared/http/body";
import { Roles } from "../../shared/domain/roles";
import { checkEnvironmentId } from "../../shared/domain/environmentInput";
import { requireEnvironment } from "../../shared/domain/lookups";
import { requireNoOperation, requireUnlocked } from "../../shared/operations/admission";
import { requireSameKeyForCopy } from "../../shared/backups/admission";
import { startDataOperation } from "../../shared/backups/startDataOperation";
import { badRequest } from "../../shared/errors";
import { operationInput } from "./common";

registerRoute(
  { name: "copyEnvironment", method: "POST", route: "environments/{id}/copy", roles: [Roles.PlatformAdmin], audit: true, durableClient: true, body: "json",
    summary: "Copy another environment's data into this one (both on the same customer key); this one's data is replaced." },
  async ({ request, params, caller, durable }) => {
    const target = await requireEnvironment(checkEnvironmentId(params.id));
    const sourceId = checkEnvironmentId(requiredString(await readJsonObject(request), "sourceEnvironmentId"));
    if (sourceId === target.id) throw badRequest("SameEnvironment", "An environment can't be copied into itself.", "sourceEnvironmentId");
    const source = await requireEnvironment(sourceId);
    await requireSameKeyForCopy(source, target);
    requireUnlocked(source, "copy it");
    requireUnlocked(target, "copy into it");
    requireNoOperation(source);
    requireNoOperation(target);
    const started = await startDataOperation(durable(), {
      environmentId: target.id, kind: "Copy", requestedBy: caller.oid,
      check: (e) => requireUnlocked(e, "copy into it"),
      input: (operationId) => operationInput(operationId, { kind: "Copy", environmentId: target.id, source: { kind: "environment", environmentId: source.id } }),
    });
    return json(202, { operationId: started.operationId });
  },
);
