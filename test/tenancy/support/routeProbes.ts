// How the isolation suite aims each route of the catalog at another tenant's resources: the path
// parameters, query and body of a request that would succeed (and change or show the victim's
// state) if the route resolved names anywhere but in the caller's tenant, and what the right
// answer is. Path parameters default by name (name -> the victim's policy, id -> its environment,
// ...); a route whose request needs more says so here. A route of the catalog with no entry here
// fails the suite (uncoveredRoutes): whoever adds a route adds how to attack it.
import type { RouteSpec } from "../../../shared/http/route";
import type { TenantWorld } from "./world";

export type Expectation =
  /** 404 exactly as a missing name answers (or 403), and nothing changed. */
  | "refused"
  /** The caller's own tenant's view (a list, its licences): shows nothing of the victim, changes nothing of it. */
  | "ownOnly"
  /** Creates or writes the caller's own resource under that name; the victim's is untouched. Run last. */
  | "createsOwn"
  /** No token, no tenant (health, the API document): shows nothing of any tenant. */
  | "anonymous";

export interface Probe {
  expect: Expectation;
  /** Path parameters over the defaults. */
  params?: Record<string, string>;
  /** The query string, without '?'. */
  query?: string;
  /** A JSON body, or bytes (with their content type). */
  body?: unknown;
  raw?: { bytes: Buffer; contentType: string };
  /** Why this request, for the failure report. */
  note?: string;
}

/** The default path parameters: the victim's things, by the parameter's name. */
export function defaultParams(victim: TenantWorld): Record<string, string> {
  return {
    name: victim.policy.policy, id: victim.environment, environmentId: victim.environment, operationId: victim.operationId,
    objectId: victim.who.member.oid, table: victim.record.table, recordId: victim.record.id, path: victim.file,
  };
}

/** Every route's probes (one or more requests each), the victim's names in them, the attacker's where the attack uses its own. */
export function routeProbes(victim: TenantWorld, attacker: TenantWorld): Record<string, Probe[]> {
  const attackerVault = { id: attacker.policy.vaultId, key: { name: attacker.policy.keyName } };
  const policyBody = { location: "europe", kind: "Encryption", identity: { type: "SystemAssigned" }, properties: { encryption: { state: "Enabled", keyVault: attackerVault } } };
  const json = (value: unknown) => ({ bytes: Buffer.from(JSON.stringify(value)), contentType: "application/json" });
  const bytes = (text: string) => ({ bytes: Buffer.from(text), contentType: "application/octet-stream" });
  const v = victim;
  const a = attacker;
  return {
    health: [{ expect: "anonymous" }],
    openApiDocument: [{ expect: "anonymous" }],

    // ---- enterprise policies ----
    listEnterprisePolicies: [{ expect: "ownOnly" }],
    getEnterprisePolicy: [{ expect: "refused" }],
    putEnterprisePolicy: [{ expect: "createsOwn", params: { name: v.sparePolicy.policy }, body: policyBody, note: "re-point the victim's unused policy to the attacker's vault" }],
    deleteEnterprisePolicy: [
      { expect: "refused", params: { name: v.sparePolicy.policy }, note: "delete the victim's unused policy" },
      { expect: "refused", note: "delete the victim's policy in use" },
    ],
    grantPolicyReader: [{ expect: "refused", params: { objectId: a.who.platformAdmin.oid }, note: "grant the attacker Reader on the victim's policy" }],
    revokePolicyReader: [{ expect: "refused", params: { objectId: v.who.platformAdmin.oid }, note: "revoke the victim's platform admin's Reader" }],
    getEnterprisePolicyHealth: [{ expect: "refused" }],
    getEnterprisePolicyKeyUsage: [{ expect: "refused" }],
    listPolicyCandidates: [{ expect: "refused" }],
    addEnvironmentsToPolicy: [
      { expect: "refused", body: { environmentIds: [a.environmentAlone] }, note: "the attacker's environment joins the victim's policy" },
      { expect: "refused", params: { name: a.sparePolicy.policy }, body: { environmentIds: [v.environmentAlone] }, note: "the victim's environment joins the attacker's policy" },
    ],
    removePolicyEnvironment: [
      { expect: "refused", note: "revert the victim's environment" },
      { expect: "refused", params: { name: a.policy.policy }, note: "the victim's environment through the attacker's policy" },
    ],
    rotateEnterprisePolicyKey: [{ expect: "refused" }],

    // ---- environments ----
    listEnvironments: [
      { expect: "ownOnly" },
      { expect: "refused", query: `policy=${encodeURIComponent(v.policy.policy)}`, note: "the victim's policy as the filter" },
    ],
    getEnvironment: [{ expect: "refused" }, { expect: "refused", params: { id: v.environmentAlone } }],
    putEnvironment: [{ expect: "createsOwn", body: { displayName: "Taken over", region: "europe", type: "Production", managed: true }, note: "rename the victim's environment" }],
    enableManagedEnvironment: [{ expect: "refused", params: { id: v.environmentAlone } }],
    unlockEnvironment: [{ expect: "refused" }],
    getEnvironmentHistory: [{ expect: "refused" }],
    getOperation: [
      { expect: "refused" }, { expect: "refused", params: { operationId: v.backupOperationId } },
      { expect: "refused", params: { operationId: v.rotationOperationId }, note: "the victim's key rotation (an orchestration only)" },
    ],
    changeEnvironmentPolicy: [
      { expect: "refused", body: { policy: a.sparePolicy.policy }, note: "move the victim's environment onto the attacker's key" },
      { expect: "refused", params: { id: a.environment }, body: { policy: v.sparePolicy.policy }, note: "move the attacker's environment onto the victim's policy" },
    ],
    putEnvironmentMember: [{ expect: "refused", params: { objectId: a.who.member.oid }, body: { access: "ReadWrite" }, note: "make the attacker a member of the victim's environment" }],
    deleteEnvironmentMember: [{ expect: "refused", note: "remove the victim's member" }],
    listEnvironmentMembers: [{ expect: "refused" }],

    // ---- backups and database operations ----
    createBackup: [{ expect: "refused" }],
    listBackups: [{ expect: "refused" }],
    restoreEnvironment: [
      { expect: "refused", body: { sourceEnvironmentId: v.environment, backupId: v.backupId }, note: "restore the victim's environment from its backup" },
      { expect: "refused", params: { id: a.environment }, body: { sourceEnvironmentId: v.environment, backupId: v.backupId }, note: "restore the victim's backup into the attacker's environment" },
      { expect: "refused", body: { sourceEnvironmentId: a.environment, backupId: a.backupId }, note: "restore the attacker's backup over the victim's environment" },
    ],
    copyEnvironment: [
      { expect: "refused", params: { id: a.environment }, body: { sourceEnvironmentId: v.environment }, note: "copy the victim's data into the attacker's environment" },
      { expect: "refused", body: { sourceEnvironmentId: a.environment }, note: "copy the attacker's data over the victim's" },
    ],
    resetEnvironment: [{ expect: "refused" }, { expect: "refused", params: { id: v.environmentAlone } }],

    // ---- tenant-wide ----
    getTenantLicenses: [{ expect: "ownOnly" }],
    putTenantLicenses: [{ expect: "createsOwn", body: { subscriptions: ["Microsoft 365 E5"] } }],
    getAudit: [{ expect: "ownOnly" }, { expect: "ownOnly", query: `caller=${v.who.platformAdmin.oid}`, note: "the victim's admin as the filter" }],
    listAlerts: [{ expect: "ownOnly" }],

    // ---- environment data ----
    putRecord: [{ expect: "refused", raw: json({ overwritten: true }) }],
    getRecord: [{ expect: "refused" }, { expect: "refused", params: { id: v.environmentAlone } }],
    deleteRecord: [{ expect: "refused" }],
    listRecords: [{ expect: "refused" }],
    putFile: [{ expect: "refused", raw: bytes("overwritten") }],
    getFile: [{ expect: "refused" }, { expect: "refused", params: { id: v.environmentAlone } }],
    deleteFile: [{ expect: "refused" }],
  };
}

/** Catalog routes the probes do not cover: each must get an entry above. */
export function uncoveredRoutes(catalog: readonly RouteSpec[], probes: Record<string, Probe[]>): string[] {
  return catalog.filter((spec) => !(probes[spec.name]?.length)).map((spec) => `${spec.method} ${spec.route} (${spec.name})`);
}

/** The request path of a probe: the route with its parameters filled (each segment of a {*path} kept). */
export function probePath(spec: RouteSpec, probe: Probe, victim: TenantWorld): string {
  const params = { ...defaultParams(victim), ...probe.params };
  const path = spec.route.replace(/\{(\*?)(\w+)[^}]*\}/g, (_, star: string, p: string) => {
    const value = params[p];
    if (value === undefined) throw new Error(`the probe of ${spec.name} has no value for {${p}}`);
    return star ? value.split("/").map(encodeURIComponent).join("/") : encodeURIComponent(value);
  });
  return probe.query ? `${path}?${probe.query}` : path;
}
