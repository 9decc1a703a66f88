// keyward's own state: one table per kind of document, named from the state prefix.
import type { TableClient } from "@azure/data-tables";
import { ensuredTable } from "../storage/clients";
import { DocumentTable } from "./documentTable";
import { AuditLog } from "./auditLog";
import { AlertStore } from "./alertStore";
import type { EnterprisePolicy } from "../domain/policy";
import type { Environment } from "../domain/environment";
import { historyRowKey, type OperationRecord } from "./history";

export interface TenantLicenses {
  subscriptions: string[];
  updatedAt: string;
  updatedBy: string;
}

const POLICY = "policy";
const ENVIRONMENT = "environment";
const OPERATION_INDEX = "~operation";

export class StateStore {
  readonly policies: DocumentTable<EnterprisePolicy>;
  readonly environments: DocumentTable<Environment>;
  readonly historyTable: DocumentTable<OperationRecord>;
  readonly operationIndex: DocumentTable<{ environmentId: string; rowKey: string }>;
  readonly tenant: DocumentTable<TenantLicenses>;
  readonly audit: AuditLog;
  readonly alerts: AlertStore;

  constructor(connectionString: string, prefix: string) {
    const table = (suffix: string) => (): Promise<TableClient> => ensuredTable(connectionString, `${prefix}${suffix}`);
    this.policies = new DocumentTable(table("Policies"));
    this.environments = new DocumentTable(table("Environments"));
    this.historyTable = new DocumentTable(table("History"));
    this.operationIndex = new DocumentTable(table("History"));
    this.tenant = new DocumentTable(table("Tenant"));
    this.audit = new AuditLog(table("Audit"));
    this.alerts = new AlertStore(table("Alerts"));
  }

  // ---- policies ----
  getPolicy(name: string) { return this.policies.get(POLICY, name); }
  listPolicies() { return this.policies.list(POLICY); }
  createPolicy(p: EnterprisePolicy) { return this.policies.create(POLICY, p.name, p); }
  updatePolicy(name: string, mutate: (p: EnterprisePolicy) => EnterprisePolicy | undefined) { return this.policies.update(POLICY, name, mutate); }
  deletePolicy(name: string) { return this.policies.delete(POLICY, name); }

  // ---- environments ----
  getEnvironment(id: string) { return this.environments.get(ENVIRONMENT, id); }
  listEnvironments() { return this.environments.list(ENVIRONMENT); }
  createEnvironment(e: Environment) { return this.environments.create(ENVIRONMENT, e.id, e); }
  updateEnvironment(id: string, mutate: (e: Environment) => Environment | undefined) { return this.environments.update(ENVIRONMENT, id, mutate); }
  deleteEnvironment(id: string) { return this.environments.delete(ENVIRONMENT, id); }

  // ---- history (operations) ----
  async recordOperation(op: OperationRecord): Promise<void> {
    const rowKey = historyRowKey(op.startedAt, op.operationId);
    await this.operationIndex.put(OPERATION_INDEX, op.operationId, { environmentId: op.environmentId, rowKey });
    await this.historyTable.put(op.environmentId, rowKey, op);
  }
  async getOperation(operationId: string): Promise<OperationRecord | undefined> {
    const index = await this.operationIndex.get(OPERATION_INDEX, operationId);
    return index ? this.historyTable.get(index.environmentId, index.rowKey) : undefined;
  }
  async updateOperation(operationId: string, mutate: (op: OperationRecord) => OperationRecord | undefined): Promise<OperationRecord | undefined> {
    const index = await this.operationIndex.get(OPERATION_INDEX, operationId);
    return index ? this.historyTable.update(index.environmentId, index.rowKey, mutate) : undefined;
  }
  /** Newest first. */
  listHistory(environmentId: string, limit = 100) { return this.historyTable.list(environmentId, { limit }); }

  // ---- tenant licences ----
  getLicenses() { return this.tenant.get("tenant", "licenses"); }
  putLicenses(l: TenantLicenses) { return this.tenant.put("tenant", "licenses", l); }
}
