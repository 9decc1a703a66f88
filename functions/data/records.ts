// The environments' records: PUT|GET|DELETE /api/environments/{id}/records/{table}/{recordId} and
// GET /api/environments/{id}/records/{table} (paged). Values are JSON; each is stored as
// AES-256-GCM ciphertext under the environment's active DEK, its names as blind indexes.
import { registerRoute } from "../../shared/http/route";
import { json, noContent } from "../../shared/http/responses";
import { integer, optional, text } from "../../shared/http/fields";
import { dataNameField, environmentIdField } from "../../shared/http/inputs";
import { recordPageSchema, recordSchema } from "../../shared/http/schemas";
import { Roles } from "../../shared/domain/roles";
import { withEnvironmentData } from "../../shared/http/dataGate";
import { invalid } from "../../shared/errors";

/** A little over the data layer's 4 MiB value limit, so it, not the HTTP layer, names the error. */
const MAX_RECORD_BODY = 5 * 1024 * 1024;
const USER = [Roles.EnvironmentUser];
const table = dataNameField("The table's name: 1-255 characters, no '/', '\\' or control characters.");
const recordId = dataNameField("The record's id: 1-255 characters, no '/', '\\' or control characters.");
const id = environmentIdField();

registerRoute(
  { name: "putRecord", method: "PUT", route: "environments/{id}/records/{table}/{recordId}", roles: USER, audit: false,
    summary: "Write a record (any JSON value).",
    params: { id, table, recordId }, body: { kind: "bytes", contentType: "application/json", maxBytes: MAX_RECORD_BODY, description: "The record's value: any JSON value, at most 4 MiB." },
    responses: { 201: { description: "Created.", schema: recordSchema }, 200: { description: "Replaced.", schema: recordSchema } } },
  async ({ params, body: bytes, caller, tenant, services: svc }) => {
    if (bytes.length === 0) throw invalid("MissingRequestBody", "The record value is the JSON request body.");
    let value: unknown;
    try { value = JSON.parse(bytes.toString("utf8")); } catch { throw invalid("InvalidJson", "The record value must be valid JSON."); }
    const { created } = await withEnvironmentData(svc, { tenant, callerOid: caller.oid, environmentId: params.id, needs: "ReadWrite" }, (env) => svc.data.putRecord(env.dataId, params.table, params.recordId, value));
    return json(created ? 201 : 200, { table: params.table, id: params.recordId, value });
  },
);

registerRoute(
  { name: "getRecord", method: "GET", route: "environments/{id}/records/{table}/{recordId}", roles: USER, audit: false,
    summary: "Read a record.", params: { id, table, recordId }, responses: { 200: { description: "The record.", schema: recordSchema } } },
  async ({ params, caller, tenant, services: svc }) => {
    const value = await withEnvironmentData(svc, { tenant, callerOid: caller.oid, environmentId: params.id, needs: "Read" }, (env) => svc.data.getRecord(env.dataId, params.table, params.recordId));
    return json(200, { table: params.table, id: params.recordId, value });
  },
);

registerRoute(
  { name: "deleteRecord", method: "DELETE", route: "environments/{id}/records/{table}/{recordId}", roles: USER, audit: false,
    summary: "Delete a record.", params: { id, table, recordId }, responses: { 204: { description: "Deleted." } } },
  async ({ params, caller, tenant, services: svc }) => {
    await withEnvironmentData(svc, { tenant, callerOid: caller.oid, environmentId: params.id, needs: "ReadWrite" }, (env) => svc.data.deleteRecord(env.dataId, params.table, params.recordId));
    return noContent();
  },
);

registerRoute(
  { name: "listRecords", method: "GET", route: "environments/{id}/records/{table}", roles: USER, audit: false,
    summary: "List a table's records, paged (?top=N, ?continuationToken=...).",
    params: { id, table },
    query: {
      top: optional(integer({ description: "Records per page, 1 to 1000 (default 100).", min: 1, max: 1000, code: "InvalidQuery" }), 100),
      continuationToken: optional(text({ description: "The continuationToken of the previous page." })),
    },
    responses: { 200: { description: "A page of records.", schema: recordPageSchema } } },
  async ({ request, params, query: { top, continuationToken }, caller, tenant, services: svc }) => {
    const page = await withEnvironmentData(svc, { tenant, callerOid: caller.oid, environmentId: params.id, needs: "Read" }, (env) => svc.data.listRecords(env.dataId, params.table, { pageSize: top, continuation: continuationToken, scope: `${tenant.tenantId}/${params.id}` }));
    const next = page.continuation
      ? `${request.url.split("?")[0]}?top=${top}&continuationToken=${encodeURIComponent(page.continuation)}` : undefined;
    return json(200, { value: page.records.map((r) => ({ id: r.recordId, value: r.value })), ...(next ? { nextLink: next, continuationToken: page.continuation } : {}) });
  },
);
