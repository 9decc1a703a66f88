// The environments' files: PUT|GET|DELETE /api/environments/{id}/files/{*path}, binary bodies.
// Each file is one AES-256-GCM ciphertext (its path inside), stored under a blind-index name.
import { registerRoute } from "../../shared/http/route";
import { json, noContent } from "../../shared/http/responses";
import { readBytes } from "../../shared/http/body";
import { Roles } from "../../shared/domain/roles";
import { withEnvironmentData } from "../../shared/http/dataGate";
import { services } from "../../shared/services";

/** A little over the data layer's 64 MiB file limit, so it, not the HTTP layer, names the error. */
const MAX_FILE_BODY = 65 * 1024 * 1024;
const USER = [Roles.EnvironmentUser];

registerRoute(
  { name: "putFile", method: "PUT", route: "environments/{id}/files/{*path}", roles: USER, audit: false, body: "binary",
    summary: "Write a file (the binary body)." },
  async ({ request, params }) => {
    const body = await readBytes(request, MAX_FILE_BODY);
    await withEnvironmentData(params.id, (env) => services().data.putFile(env.id, params.path, body));
    return json(200, { path: params.path, size: body.length });
  },
);

registerRoute(
  { name: "getFile", method: "GET", route: "environments/{id}/files/{*path}", roles: USER, audit: false,
    summary: "Read a file." },
  async ({ params }) => {
    const bytes = await withEnvironmentData(params.id, (env) => services().data.getFile(env.id, params.path));
    return { status: 200, body: bytes, headers: { "content-type": "application/octet-stream", "content-length": String(bytes.length) } };
  },
);

registerRoute(
  { name: "deleteFile", method: "DELETE", route: "environments/{id}/files/{*path}", roles: USER, audit: false,
    summary: "Delete a file." },
  async ({ params }) => {
    await withEnvironmentData(params.id, (env) => services().data.deleteFile(env.id, params.path));
    return noContent();
  },
);
