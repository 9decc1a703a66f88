// The environments' files: PUT|GET|DELETE /api/environments/{id}/files/{*path}, binary bodies.
// Each file is one AES-256-GCM ciphertext (its path inside), stored under a blind-index name.
import { registerRoute } from "../../shared/http/route";
import { json, noContent } from "../../shared/http/responses";
import { dataNameField, environmentIdField } from "../../shared/http/inputs";
import { fileWrittenSchema } from "../../shared/http/schemas";
import { Roles } from "../../shared/domain/roles";
import { withEnvironmentData } from "../../shared/http/dataGate";

/** A little over the data layer's 64 MiB file limit, so it, not the HTTP layer, names the error. */
const MAX_FILE_BODY = 65 * 1024 * 1024;
const USER = [Roles.EnvironmentUser];
const params = { id: environmentIdField(), path: dataNameField("The file's path: 1-1024 characters in '/'-separated segments, none empty, '.' or '..'.") };

registerRoute(
  { name: "putFile", method: "PUT", route: "environments/{id}/files/{*path}", roles: USER, audit: false,
    summary: "Write a file (the binary body).",
    params, body: { kind: "bytes", contentType: "application/octet-stream", maxBytes: MAX_FILE_BODY, description: "The file's bytes, at most 64 MiB." },
    responses: { 200: { description: "Written.", schema: fileWrittenSchema } } },
  async ({ params: { id, path }, body, caller, tenant, services: svc }) => {
    await withEnvironmentData(svc, { tenant, callerOid: caller.oid, environmentId: id, needs: "ReadWrite" }, (env) => svc.data.putFile(env.dataId, path, body));
    return json(200, { path, size: body.length });
  },
);

registerRoute(
  { name: "getFile", method: "GET", route: "environments/{id}/files/{*path}", roles: USER, audit: false,
    summary: "Read a file.", params, responses: { 200: { description: "The file's bytes.", binary: true } } },
  async ({ params: { id, path }, caller, tenant, services: svc }) => {
    const bytes = await withEnvironmentData(svc, { tenant, callerOid: caller.oid, environmentId: id, needs: "Read" }, (env) => svc.data.getFile(env.dataId, path));
    return { status: 200, body: bytes, headers: { "content-type": "application/octet-stream", "content-length": String(bytes.length) } };
  },
);

registerRoute(
  { name: "deleteFile", method: "DELETE", route: "environments/{id}/files/{*path}", roles: USER, audit: false,
    summary: "Delete a file.", params, responses: { 204: { description: "Deleted." } } },
  async ({ params: { id, path }, caller, tenant, services: svc }) => {
    await withEnvironmentData(svc, { tenant, callerOid: caller.oid, environmentId: id, needs: "ReadWrite" }, (env) => svc.data.deleteFile(env.dataId, path));
    return noContent();
  },
);
