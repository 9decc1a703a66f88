// GET /api/openapi.json: anonymous; the OpenAPI 3.1 document of every route, built from the
// route catalog at the time of the call (so it includes every function registered at startup).
import { registerRoute, routeCatalog } from "../shared/http/route";
import { json } from "../shared/http/responses";
import { openApiDocument } from "../shared/http/openapi";
import { openApiSchema } from "../shared/http/schemas";
import fs from "node:fs";
import path from "node:path";

/** The app's version from its package.json: one folder up from the source, two from dist/. */
function appVersion(): string {
  for (let dir = __dirname, i = 0; i < 3; i++, dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, "utf8")) as { version?: string }).version ?? "0.0.0";
  }
  return "0.0.0";
}
const version = appVersion();

/** The document as GET /api/openapi.json serves it (every route registered so far). */
export function currentApiDocument(): ReturnType<typeof openApiDocument> {
  return openApiDocument(routeCatalog, { version });
}

registerRoute(
  { name: "openApiDocument", method: "GET", route: "openapi.json", roles: [], audit: false,
    summary: "This API's OpenAPI 3.1 document (anonymous).", responses: { 200: { description: "The document.", schema: openApiSchema } } },
  async () => json(200, currentApiDocument()),
);
