// Helpers the admin API tests share: a snapshot of keyward's stored state (to prove a refusal
// changed nothing), a refusal assertion, and a policy on a vault with chosen properties (through
// the harness's customerPolicy(), whose defaults make a compliant one).
import { expect } from "vitest";
import { randomUUID } from "node:crypto";
import { services } from "../../shared/services";
import { LOCAL_TENANT_ID } from "../../local/issuer";
import type { Keyward, ApiResult } from "../support/keyward";
import { waitForOperation } from "../support/environments";
import { enterprisePolicyBody, type CustomerPolicy } from "../../local/embeddedApi";

export interface StoredState {
  policies: unknown[];
  environments: unknown[];
  licenses: unknown;
  history: Record<string, unknown[]>;
}

/** Every tenant's policies, environments (with their history and members) and the local tenant's licences, as stored. */
export async function snapshot(): Promise<StoredState> {
  const { state } = services();
  const policies = (await state.listAllPolicies()).sort((a, b) => `${a.tenantId}/${a.name}`.localeCompare(`${b.tenantId}/${b.name}`));
  const environments = (await state.listAllEnvironments()).sort((a, b) => `${a.tenantId}/${a.id}`.localeCompare(`${b.tenantId}/${b.id}`));
  const history: Record<string, unknown[]> = {};
  for (const e of environments) {
    const tenant = state.forTenant(e.tenantId);
    history[`${e.tenantId}/${e.id}`] = [...await tenant.listHistory(e.id), ...await tenant.listMembers(e.id)];
  }
  return { policies, environments, licenses: (await state.forTenant(LOCAL_TENANT_ID).getLicenses()) ?? null, history };
}

/** The call was refused with this status and code, a message, and a request id. */
export function expectRefused(res: ApiResult, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.error?.code }, JSON.stringify(res.body)).toEqual({ status, code });
  expect(typeof res.body.error.message).toBe("string");
  expect(res.body.error.message.length).toBeGreaterThan(20);
  expect(res.headers.get("x-ms-request-id")).toBeTruthy();
}

/**
 * Runs a call that must be refused, and checks that stored state is exactly as before it, and
 * that the audit log grew by exactly one entry: this refusal, with its request id and code.
 */
export async function refusedWithoutChange(call: () => Promise<ApiResult>, status: number, code: string): Promise<ApiResult> {
  const before = await snapshot();
  const auditBefore = new Set((await services().audit.list(LOCAL_TENANT_ID, { limit: 1000 })).map((e) => e.requestId));
  const res = await call();
  expectRefused(res, status, code);
  expect(await snapshot()).toEqual(before);
  const added = (await services().audit.list(LOCAL_TENANT_ID, { limit: 1000 })).filter((e) => !auditBefore.has(e.requestId));
  expect(added).toEqual([expect.objectContaining({ requestId: res.headers.get("x-ms-request-id"), status, result: "Failed", errorCode: code })]);
  return res;
}

export function policyBody(vaultId: string, keyName: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...enterprisePolicyBody(vaultId, keyName), ...overrides };
}

export type PolicySetup = CustomerPolicy;

/**
 * What customerPolicy() does, with the vault's properties and the key's size and operations
 * chosen by the test: vault, key, policy, the policy identity granted on the vault, the platform
 * admin granted Reader, an E5 licence.
 */
export function policyWith(kw: Keyward, options: {
  softDelete?: boolean; purgeProtection?: boolean; keySize?: number; keyOps?: string[]; location?: string;
} = {}): Promise<PolicySetup> {
  return kw.customerPolicy(options);
}

/** Adds the environment and waits until its operation has finished; returns the final environment. */
export async function addAndWait(kw: Keyward, policy: string, env: string, as = kw.platformAdmin): Promise<any> {
  const add = await as("POST", `enterprisePolicies/${policy}/environments`, { environmentIds: [env] });
  expect(add.status, JSON.stringify(add.body)).toBe(202);
  const operationId = add.body.operations[0].operationId as string;
  const op = await waitForOperation(kw, operationId, { as, timeoutMs: 60_000 });
  expect(op.status, JSON.stringify(op)).toBe("Succeeded");
  return (await as("GET", `environments/${env}`)).body;
}

/** A fresh principal id for a test's own admin. */
export const newOid = (): string => randomUUID();
