// The environments' records: PUT|GET|DELETE /api/environments/{id}/records/{table}/{recordId} and
// GET /api/environments/{id}/records/{table} (paged). Values are JSON; each is stored as
// AES-256-GCM ciphertext under the environment's active DEK, its names as blind indexes.
import { registerRoute } from "../../shared/http/route";
import { json, noContent } from "../../shared/http/responses";
import { readBytes } from "../../shared/http/body";
import { Roles } from "../../shared/domain/roles";
import { withEnvironmentData } from "../../shared/http/dataGate";
import { badRequest } from "../../shared/errors";
import { services } from "../../shared/services";

/** A little over the data layer's 4 MiB value limit, so it, not the HTTP layer, names the error. */
const MAX_RECORD_BODY = 5 * 1024 * 1024;
const USER = [Roles.EnvironmentUser];

registerRoute(
  { name: "putRecord", method: "PUT", route: "environments/{id}/records/{table}/{recordId}", roles: USER, audit: false, body: "json",
    summary: "Write a record (any JSON value)." },
  async ({ request, params }) => {
    const bytes = await readBytes(request, MAX_RECORD_BODY);
    if (bytes.length === 0) throw badRequest("MissingRequestBody", "The record value is the JSON request body.");
    let value: unknown;
    try { value = JSON.parse(bytes.toString("utf8")); } catch { throw badRequest("InvalidJson", "The record value must be valid JSON."); }
    const { created } = await withEnvironmentData(params.id, (env) => services().data.putRecord(env.id, params.table, params.recordId, value));
    return json(created ? 201 : 200, { table: params.table, id: params.recordId, value });
  },
);

registerRoute(
  { name: "getRecord", method: "GET", route: "environments/{id}/records/{table}/{recordId}", roles: USER, audit: false,
    summary: "Read a record." },
  async ({ params }) => {
    const value = await withEnvironmentData(params.id, (env) => services().data.getRecord(env.id, params.table, params.recordId));
    return json(200, { table: params.table, id: params.recordId, value });
  },
);

registerRoute(
  { name: "deleteRecord", method: "DELETE", route: "environments/{id}/records/{table}/{recordId}", roles: USER, audit: false,
    summary: "Delete a record." },
  async ({ params }) => {
    await withEnvironmentData(params.id, (env) => services().data.deleteRecord(env.id, params.table, params.recordId));
    return noContent();
  },
);

registerRoute(
  { name: "listRecords", method: "GET", route: "environments/{id}/records/{table}", roles: USER, audit: false,
    summary: "List a table's records, paged (?top=N, ?continuationToken=...)." },
  async ({ request, params }) => {
    const topRaw = request.query.get("top");
    const top = topRaw === null ? 100 : Number(topRaw);
    if (!Number.isInteger(top) || top < 1 || top > 1000) throw badRequest("InvalidQuery", "'top' must be a whole number from 1 to 1000.", "top");
    const continuation = request.query.get("continuationToken") ?? undefined;
    const page = await withEnvironmentData(params.id, (env) => services().data.listRecords(env.id, params.table, { pageSize: top, continuation }));
    const next = page.continuation
      ? `${request.url.split("?")[0]}?top=${top}&continuationToken=${encodeURIComponent(page.continuation)}` : undefined;
    return json(200, { value: page.records.map((r) => ({ id: r.recordId, value: r.value })), ...(next ? { nextLink: next, continuationToken: page.continuation } : {}) });
  },
);
