// A tenant's whole world, built through the HTTP API as its own admins would: a customer vault
// and key, an enterprise policy (Reader for the tenant's platform admin, an E5 licence) with an
// environment Encrypted on it, holding records and files, a completed backup and its history; a
// second, unused policy; a second environment on the platform key with data too; the member.
// The isolation suites aim every route of the other tenant at these names.
import { randomUUID } from "node:crypto";
import { CUSTOMER_KEY_OFFICER, type Keyward } from "../../support/keyward";
import type { CustomerPolicy } from "../../../local/embeddedApi";
import { callAs, type TenantPrincipals } from "./tenants";
import { waitForOperation } from "../../support/environments";

export interface TenantWorld {
  who: TenantPrincipals;
  /** The policy `environment` is on. */
  policy: CustomerPolicy;
  /** A compliant policy no environment uses (deletable, re-pointable: what a hijacker wants). */
  sparePolicy: CustomerPolicy;
  /** Managed, Encrypted on `policy`, with data and a backup. */
  environment: string;
  /** Managed, on the platform key, with data. */
  environmentAlone: string;
  /** The add that put `environment` on `policy`. */
  operationId: string;
  /** The backup operation and the backup it made, of `environment`. */
  backupOperationId: string;
  backupId: string;
  /** A finished key-version rotation of `policy` (it lives only as an orchestration). */
  rotationOperationId: string;
  record: { table: string; id: string };
  file: string;
}

/** Unique names: a tenant's world names nothing another tenant holds (unless a test means it to). */
export const uniqueName = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;


async function expectStatus(res: Promise<{ status: number; body: unknown }>, status: number[], what: string): Promise<any> {
  const r = await res;
  if (!status.includes(r.status)) throw new Error(`${what} answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

export interface WorldNames {
  policy?: string;
  sparePolicy?: string;
  environment?: string;
  environmentAlone?: string;
}

/** Builds the world; `names` lets two tenants use the same names on purpose. */
export async function buildWorld(kw: Keyward, who: TenantPrincipals, names: WorldNames = {}): Promise<TenantWorld> {
  const vaultName = () => `cv${randomUUID().replace(/-/g, "").slice(0, 12)}`;
  const policy = await kw.api.customerPolicy({
    keysAdmin: who.keysAdmin, platformAdmin: who.platformAdmin, keyOfficer: CUSTOMER_KEY_OFFICER,
    policy: names.policy ?? uniqueName(`${who.label}-policy`), vaultName: vaultName(),
  });
  const sparePolicy = await kw.api.customerPolicy({
    keysAdmin: who.keysAdmin, platformAdmin: who.platformAdmin, keyOfficer: CUSTOMER_KEY_OFFICER,
    policy: names.sparePolicy ?? uniqueName(`${who.label}-spare`), vaultName: vaultName(),
  });
  // customerPolicy names its role assignment after the policy; two tenants may share a policy
  // name, so each policy's identity also gets an assignment of its own (as Azure's are GUIDs).
  for (const p of [policy, sparePolicy]) {
    await kw.management.putRoleAssignment(`${who.tenantId}-${p.policy}`, { principalId: p.principalId, roleDefinitionName: "Key Vault Crypto Service Encryption User", scope: p.vaultId });
  }
  const member = [{ objectId: who.member.oid, access: "ReadWrite" as const }, { objectId: who.adminMember.oid, access: "ReadWrite" as const }];
  const environment = await kw.api.environment(who.platformAdmin, names.environment ?? uniqueName(`${who.label}-env`), { members: member });
  const environmentAlone = await kw.api.environment(who.platformAdmin, names.environmentAlone ?? uniqueName(`${who.label}-alone`), { members: member });
  const record = { table: `${who.label}table`, id: `${who.label}-record` };
  const file = `${who.label}-docs/report.txt`;
  for (const env of [environment, environmentAlone]) {
    await expectStatus(callAs(kw, who.member, "PUT", `environments/${env}/records/${record.table}/${record.id}`, { owner: who.label, env }), [201], `record in ${env}`);
    await expectStatus(callAs(kw, who.member, "PUT", `environments/${env}/files/${file}`, undefined, Buffer.from(`${who.label} file of ${env}`)), [200], `file in ${env}`);
  }
  const add = await expectStatus(callAs(kw, who.platformAdmin, "POST", `enterprisePolicies/${policy.policy}/environments`, { environmentIds: [environment] }), [202], "add");
  const operationId = add.operations[0].operationId as string;
  const added = await waitForOperation(kw, operationId, { as: who.platformAdmin });
  if (added.status !== "Succeeded") throw new Error(`add failed: ${JSON.stringify(added)}`);
  const backup = await expectStatus(callAs(kw, who.platformAdmin, "POST", `environments/${environment}/backups`), [202], "backup");
  const backedUp = await waitForOperation(kw, backup.operationId, { as: who.platformAdmin });
  if (backedUp.status !== "Succeeded") throw new Error(`backup failed: ${JSON.stringify(backedUp)}`);
  const rotation = await expectStatus(callAs(kw, who.keysAdmin, "POST", `enterprisePolicies/${policy.policy}/rotate`), [202], "rotate");
  const rotated = await waitForOperation(kw, rotation.operationId, { as: who.platformAdmin });
  if (rotated.status !== "Succeeded") throw new Error(`rotation failed: ${JSON.stringify(rotated)}`);
  return {
    who, policy, sparePolicy, environment, environmentAlone, operationId, backupOperationId: backup.operationId, backupId: backup.backupId,
    rotationOperationId: rotation.operationId, record, file,
  };
}

/** Strings that name something of the world: none may appear in what another tenant is shown. */
export function markersOf(w: TenantWorld): string[] {
  const { who } = w;
  return [
    who.tenantId, who.keysAdmin.oid, who.platformAdmin.oid, who.user.oid, who.member.oid, who.adminMember.oid,
    w.policy.policy, w.policy.vaultName, w.policy.principalId, w.sparePolicy.policy, w.sparePolicy.vaultName, w.sparePolicy.principalId,
    w.environment, w.environmentAlone, w.operationId, w.backupOperationId, w.rotationOperationId, w.backupId, w.record.table, w.record.id, w.file,
  ];
}
