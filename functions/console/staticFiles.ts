// Serves the built console (dist/console, Vite's output) as anonymous static files:
//   /                    -> index.html
//   /console/config.json -> the sign-in configuration (consoleConfig.ts)
//   /console/<file>      -> that file, when it exists under the root
//   /console/<page>      -> index.html (the single-page app routes in the browser)
// Anything else is a 404 in the API's error shape: with routePrefix "" this function's catch-all
// route also receives /api/... paths that no API route takes, and those must stay JSON errors.
import fs from "node:fs";
import path from "node:path";
import type { HttpResponseInit } from "@azure/functions";
import { signInOrigins, type ConsoleConfig } from "./consoleConfig";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".map": "application/json; charset=utf-8",
};

const COMMON_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

export interface StaticSiteOptions {
  /** The folder Vite built (dist/console). */
  root: string;
  /** The sign-in configuration, read per request (app settings may change between calls in tests). */
  config: () => ConsoleConfig;
}

function notFound(what: string): HttpResponseInit {
  return {
    status: 404, headers: { "content-type": "application/json; charset=utf-8", ...COMMON_HEADERS },
    jsonBody: { error: { code: "NotFound", message: `Nothing is served at ${what}. The API is under /api (GET /api/openapi.json lists it); the console is at /.` } },
  };
}

/** Fluent UI writes its styles at run time (style elements), hence 'unsafe-inline' for styles only. */
function contentSecurityPolicy(config: ConsoleConfig): string {
  const signIn = signInOrigins(config).join(" ");
  // msal-browser renews tokens in a hidden frame of the authority; the local sign-in needs none.
  const frames = config.mode === "msal" && signIn ? signIn : "'none'";
  return [
    "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:", "font-src 'self' data:",
    `connect-src 'self' ${signIn}`.trim(), `frame-src ${frames}`, "frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'", "object-src 'none'",
  ].join("; ");
}

/** The file under root for a request path below /console/, or undefined when it would leave root. */
function resolveUnder(root: string, relative: string): string | undefined {
  if (relative.includes("\0")) return undefined;
  const full = path.resolve(root, relative);
  return full === root || full.startsWith(root + path.sep) ? full : undefined;
}

export function createStaticSite(options: StaticSiteOptions): (requestPath: string, method: string) => Promise<HttpResponseInit> {
  const root = path.resolve(options.root);
  const indexFile = path.join(root, "index.html");

  const sendFile = async (file: string, cacheControl: string): Promise<HttpResponseInit> => {
    const body = await fs.promises.readFile(file);
    const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream";
    const headers: Record<string, string> = { "content-type": type, "cache-control": cacheControl, ...COMMON_HEADERS };
    if (type.startsWith("text/html")) headers["content-security-policy"] = contentSecurityPolicy(options.config());
    return { status: 200, headers, body };
  };

  const sendIndex = async (): Promise<HttpResponseInit> => {
    if (!fs.existsSync(indexFile)) {
      return {
        status: 503, headers: { "content-type": "application/json; charset=utf-8", ...COMMON_HEADERS },
        jsonBody: { error: { code: "ConsoleNotBuilt", message: `The admin console is not built (${indexFile} is missing): run 'npm run build', which builds it into dist/console.` } },
      };
    }
    // Never cached: it names the current build's hashed assets.
    return sendFile(indexFile, "no-cache");
  };

  return async (requestPath, method) => {
    const p = requestPath.replace(/^\/+/, "");
    const shown = `${method} /${p}`;
    if (p === "" || p === "console" || p === "console/") return sendIndex();
    if (!p.toLowerCase().startsWith("console/")) return notFound(shown);
    const relative = p.slice("console/".length);
    if (relative === "config.json") {
      return { status: 200, headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...COMMON_HEADERS }, jsonBody: options.config() };
    }
    const file = resolveUnder(root, relative);
    if (!file) return notFound(shown);
    const stat = await fs.promises.stat(file).catch(() => undefined);
    if (stat?.isFile()) return sendFile(file, relative.startsWith("assets/") ? "public, max-age=31536000, immutable" : "no-cache");
    // A path with an extension names a file that is not there; any other is a page of the app.
    if (path.extname(relative) !== "") return notFound(shown);
    return sendIndex();
  };
}
