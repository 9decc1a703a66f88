// "Refused, and nothing changed": runs a call and proves every table and container of the
// keyward is as before it, but for the caller's own audit rows (a refusal is audited in the
// caller's tenant, and only there).
import { expect } from "vitest";
import type { Keyward, ApiResult } from "../../support/keyward";
import { changes, storageSnapshot } from "./storageSnapshot";
import { services } from "../../../shared/services";
import { storageNaming } from "../../../shared/data/naming";

export function snapshotOf(kw: Keyward, callerTenantId?: string) {
  const ns = kw.stack.appSettings.KEYWARD_STATE_PREFIX;
  const ownAudit = callerTenantId ? `table|${ns}Audit|tenant|${callerTenantId}|` : undefined;
  return () => storageSnapshot({ connectionString: kw.stack.storageConnectionString, namespace: ns, ignore: ownAudit ? (k) => k.startsWith(ownAudit) : undefined });
}

/** The call answers `status` with `code`, and changes nothing stored but the caller's audit rows. */
export async function refusedUnchanged(kw: Keyward, callerTenantId: string, call: () => Promise<ApiResult>, status: number, code: string): Promise<ApiResult> {
  const snap = snapshotOf(kw, callerTenantId);
  const before = await snap();
  const res = await call();
  expect({ status: res.status, code: res.body?.error?.code }, JSON.stringify(res.body)).toEqual({ status, code });
  expect(changes(before, await snap()), "stored state changed").toEqual([]);
  return res;
}

/**
 * Whether a snapshot key is one tenant's: a row under its tenant id (state, audit, alerts,
 * members, history), or its environments' data (key rings by data id, their record tables and
 * containers, named from the data id).
 */
export async function ownedBy(kw: Keyward, tenantId: string): Promise<(key: string) => boolean> {
  const naming = storageNaming(kw.stack.appSettings.KEYWARD_STATE_PREFIX.toLowerCase());
  const dataIds = (await services().state.forTenant(tenantId).listEnvironments()).map((e) => e.dataId);
  const places = dataIds.flatMap((d) => [`table|${naming.recordTable(d)}`, `blob|${naming.container(d)}`]);
  return (key) => key.includes(tenantId) || dataIds.some((d) => key.includes(d)) || places.some((p) => key === p || key.startsWith(`${p}|`));
}
