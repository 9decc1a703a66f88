// keyward's own state: one table per kind of document, named from the state prefix. Every row
// belongs to one tenant and carries it in its partition key, so a tenant's view (forTenant) can
// reach nothing of another's, and two tenants may use the same names. Only the system-wide sweeps
// (the key health probe, expiry checks, vault and role events) list across tenants.
import type { TableClient } from "@azure/data-tables";
import { ensuredTable, type StorageRef } from "../storage/clients";
import { DocumentTable } from "./documentTable";
import { AuditLog, type AuditEntry } from "./auditLog";
import { AlertStore } from "./alertStore";
import type { EnterprisePolicy } from "../domain/policy";
import type { Environment } from "../domain/environment";
import type { EnvironmentMember } from "../domain/member";
import type { NewAlert } from "../domain/alert";
import { historyRowKey, type OperationRecord } from "./history";

export interface TenantLicenses {
  subscriptions: string[];
  updatedAt: string;
  updatedBy: string;
}

export type StateChange = { kind: "environment"; tenantId: string; environmentId: string } | { kind: "member"; tenantId: string; environmentId: string; objectId: string };
export type StateChangeListener = (change: StateChange) => void;

/** Runs a write, then tells the store's listeners (also when it failed: it may have landed). */
async function announcing<T>(write: () => Promise<T>, announce: () => void): Promise<T> {
  try {
    return await write();
  } finally {
    announce();
  }
}

/** History and members are per environment: keyed by tenant and environment. */
const environmentPartition = (tenantId: string, environmentId: string) => `${tenantId}|${environmentId}`;

export class StateStore {
  readonly policies: DocumentTable<EnterprisePolicy>;
  readonly environments: DocumentTable<Environment>;
  readonly history: DocumentTable<OperationRecord>;
  readonly operationIndex: DocumentTable<{ environmentId: string; rowKey: string }>;
  readonly licenses: DocumentTable<TenantLicenses>;
  readonly members: DocumentTable<EnvironmentMember>;
  readonly audit: AuditLog;
  readonly alerts: AlertStore;

  constructor(connectionString: StorageRef, prefix: string) {
    const table = (suffix: string) => (): Promise<TableClient> => ensuredTable(connectionString, `${prefix}${suffix}`);
    this.policies = new DocumentTable(table("Policies"));
    this.environments = new DocumentTable(table("Environments"));
    this.history = new DocumentTable(table("History"));
    this.operationIndex = new DocumentTable(table("Operations"));
    this.licenses = new DocumentTable(table("Tenant"));
    this.members = new DocumentTable(table("Members"));
    this.audit = new AuditLog(table("Audit"));
    this.alerts = new AlertStore(table("Alerts"));
  }

  private readonly changeListeners: StateChangeListener[] = [];

  /**
   * Called after this process writes an environment or a membership (whatever the outcome), so
   * caches of this process (the data path's) drop their copy at once; other processes rely on
   * their caches' age bound.
   */
  onChange(listener: StateChangeListener): void {
    this.changeListeners.push(listener);
  }

  /** @internal TenantState's hook. */
  changed(change: StateChange): void {
    for (const listener of this.changeListeners) listener(change);
  }

  /** The state one tenant may reach: every name resolves inside it. */
  forTenant(tenantId: string): TenantState {
    return new TenantState(this, tenantId);
  }

  /** Every tenant's policies (each names its tenant): for the system-wide sweeps only. */
  listAllPolicies(): Promise<EnterprisePolicy[]> { return this.policies.listAll(); }
  /** Every tenant's environments (each names its tenant): for the system-wide sweeps only. */
  listAllEnvironments(): Promise<Environment[]> { return this.environments.listAll(); }
}

export class TenantState {
  constructor(private readonly store: StateStore, readonly tenantId: string) {}

  // ---- policies ----
  getPolicy(name: string) { return this.store.policies.get(this.tenantId, name); }
  getPolicyWithEtag(name: string) { return this.store.policies.getWithEtag(this.tenantId, name); }
  listPolicies() { return this.store.policies.list(this.tenantId); }
  createPolicy(p: EnterprisePolicy) { return this.store.policies.create(this.tenantId, p.name, { ...p, tenantId: this.tenantId }); }
  updatePolicy(name: string, mutate: (p: EnterprisePolicy) => EnterprisePolicy | undefined) { return this.store.policies.update(this.tenantId, name, mutate); }
  /** Writes the policy only if it is still at `etag` (no concurrent change slipped in). */
  replacePolicyIfMatch(p: EnterprisePolicy, etag: string) { return this.store.policies.replaceIfMatch(this.tenantId, p.name, p, etag); }
  deletePolicyIfMatch(name: string, etag: string) { return this.store.policies.deleteIfMatch(this.tenantId, name, etag); }

  // ---- environments ----
  getEnvironment(id: string) { return this.store.environments.get(this.tenantId, id); }
  listEnvironments() { return this.store.environments.list(this.tenantId); }
  createEnvironment(e: Environment) { return this.announcingEnvironment(e.id, () => this.store.environments.create(this.tenantId, e.id, { ...e, tenantId: this.tenantId })); }
  updateEnvironment(id: string, mutate: (e: Environment) => Environment | undefined) { return this.announcingEnvironment(id, () => this.store.environments.update(this.tenantId, id, mutate)); }
  deleteEnvironment(id: string) { return this.announcingEnvironment(id, () => this.store.environments.delete(this.tenantId, id)); }
  private announcingEnvironment<T>(environmentId: string, write: () => Promise<T>) {
    return announcing(write, () => this.store.changed({ kind: "environment", tenantId: this.tenantId, environmentId }));
  }

  // ---- members (who may use an environment's data) ----
  getMember(environmentId: string, objectId: string) { return this.store.members.get(environmentPartition(this.tenantId, environmentId), objectId); }
  listMembers(environmentId: string) { return this.store.members.list(environmentPartition(this.tenantId, environmentId)); }
  putMember(environmentId: string, member: EnvironmentMember) {
    return this.announcingMember(environmentId, member.objectId, () => this.store.members.put(environmentPartition(this.tenantId, environmentId), member.objectId, member));
  }
  deleteMember(environmentId: string, objectId: string) {
    return this.announcingMember(environmentId, objectId, () => this.store.members.delete(environmentPartition(this.tenantId, environmentId), objectId));
  }
  private announcingMember<T>(environmentId: string, objectId: string, write: () => Promise<T>) {
    return announcing(write, () => this.store.changed({ kind: "member", tenantId: this.tenantId, environmentId, objectId }));
  }
  async deleteAllMembers(environmentId: string): Promise<void> {
    for (const m of await this.listMembers(environmentId)) await this.deleteMember(environmentId, m.objectId);
  }

  // ---- history (operations) ----
  async recordOperation(op: OperationRecord): Promise<void> {
    const rowKey = historyRowKey(op.startedAt, op.operationId);
    await this.store.operationIndex.put(this.tenantId, op.operationId, { environmentId: op.environmentId, rowKey });
    await this.store.history.put(environmentPartition(this.tenantId, op.environmentId), rowKey, op);
  }
  async getOperation(operationId: string): Promise<OperationRecord | undefined> {
    const index = await this.store.operationIndex.get(this.tenantId, operationId);
    return index ? this.store.history.get(environmentPartition(this.tenantId, index.environmentId), index.rowKey) : undefined;
  }
  async updateOperation(operationId: string, mutate: (op: OperationRecord) => OperationRecord | undefined): Promise<OperationRecord | undefined> {
    const index = await this.store.operationIndex.get(this.tenantId, operationId);
    return index ? this.store.history.update(environmentPartition(this.tenantId, index.environmentId), index.rowKey, mutate) : undefined;
  }
  /** Newest first. */
  listHistory(environmentId: string, limit = 100) { return this.store.history.list(environmentPartition(this.tenantId, environmentId), { limit }); }

  // ---- licences ----
  getLicenses() { return this.store.licenses.get(this.tenantId, "licenses"); }
  putLicenses(l: TenantLicenses) { return this.store.licenses.put(this.tenantId, "licenses", l); }

  // ---- audit and alerts ----
  recordAudit(entry: AuditEntry) { return this.store.audit.record(this.tenantId, entry); }
  listAudit(options: { limit: number; since?: Date; callerOid?: string }) { return this.store.audit.list(this.tenantId, options); }
  raiseAlert(dedupeKey: string, alert: NewAlert) { return this.store.alerts.raise(this.tenantId, dedupeKey, alert); }
  listAlerts(limit?: number) { return this.store.alerts.list(this.tenantId, limit); }
}
