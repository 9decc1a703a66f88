// "Refused, and nothing changed": runs a call and proves every table and container of the
// keyward is as before it, but for the caller's own audit rows (a refusal is audited in the
// caller's tenant, and only there).
import { expect } from "vitest";
import type { Keyward, ApiResult } from "../../support/keyward";
import { changes, storageSnapshot } from "./storageSnapshot";

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
