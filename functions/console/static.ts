// GET / and /console/...: the admin console, as anonymous static files (staticFiles.ts). Not an
// API route: no token (the page signs in and then calls /api with the user's bearer token), no
// audit, not in the API document. Its catch-all route is the least specific of all, so every API
// route (literal "api/..." segments) wins over it, in the Functions host as in the local runtime.
import fs from "node:fs";
import path from "node:path";
import { app, type HttpRequest } from "@azure/functions";
import { createStaticSite } from "./staticFiles";
import { consoleConfig } from "./consoleConfig";

/** The app's root (where package.json is): two folders up from the source, three from dist/. */
function appRoot(): string {
  for (let dir = __dirname, i = 0; i < 4; i++, dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "package.json"))) return dir;
  }
  return path.resolve(__dirname, "..", "..");
}

const serve = createStaticSite({ root: path.join(appRoot(), "dist", "console"), config: () => consoleConfig() });

app.http("consoleStatic", {
  methods: ["GET", "HEAD"],
  route: "{*path}",
  authLevel: "anonymous",
  handler: async (request: HttpRequest) => serve(request.params.path ?? "", request.method),
});
