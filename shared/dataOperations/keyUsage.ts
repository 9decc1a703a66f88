// Which versions of a policy's key are still needed, by what, and from when each may be disabled:
//   - an environment's key ring holds a DEK or index key copy under it: in use, no date yet;
//   - a backup holds a live copy under it: in use too (it is how the backup opens);
//   - a backup keeps a superseded copy under it: needed until that copy's retention date;
//   - the ledger says an environment left it: needed 28 days after a rotation, 30 after a removal.
// Versions come from the vault (listed as the policy's identity) and from what keyward holds; a
// version keyward holds that the vault no longer lists was deleted. The scan reads every key ring
// and every backup manifest once per report (one pass serves every policy in a check).
import { backupHomeOf } from "../domain/environment";
import type { AppServices } from "../appServices";
import { isKeyAccessError, keyIdFor, keyVaultClients, withKeyVaultRetry, type KeyVaultIdentity, type KeyVersionSummary } from "../keyvault";
import { versionlessKeyId } from "../crypto/keyRing";
import { policyKeySource } from "../keys/keySources";
import type { EnterprisePolicy } from "../domain/policy";
import { isLive, ownersOf, INDEX_OWNER } from "./manifest";
import type { VersionRetirement } from "./keyLedger";

export interface EnvironmentUse { environmentId: string; deks: string[]; indexKey: boolean }
export interface BackupUse { environmentId: string; backupId: string; deks: string[]; indexKey: boolean; retainedUntil?: string }

export interface KeyVersionUsage {
  keyId: string;
  version: string;
  /** null when the vault could not be asked. */
  enabled: boolean | null;
  /** false: keyward holds copies under a version the vault no longer has (deleted). */
  inVault: boolean | null;
  createdOn?: string;
  expiresOn?: string;
  environments: EnvironmentUse[];
  backups: BackupUse[];
  retirements: VersionRetirement[];
  /** Something wraps under it now (an environment, or a backup's live copy): no date can be given yet. */
  inUse: boolean;
  stillNeeded: boolean;
  /** null while in use; else the latest retention date (the report's time when none applies). */
  earliestSafeDisable: string | null;
}

export interface PolicyKeyUsage {
  policy: string;
  keyId: string;
  checkedAt: string;
  versions: KeyVersionUsage[];
  /** Why the vault's own list is missing (the key is deleted, or the policy lost access). */
  vaultError?: { code: string; message: string };
}

/** What keyward holds, per versioned key id (lower case), across every environment and backup. */
export interface UsageIndex {
  environments: Map<string, EnvironmentUse[]>;
  backups: Map<string, BackupUse[]>;
  /** The tenant's environments by data id, current and former (the ledger and the stores know them by it): their names. */
  names: Map<string, string>;
}

const lower = (s: string) => s.toLowerCase();

/**
 * Every version of the key, as the policy's identity sees them. Listed directly (not through
 * getKey, which fails when the current version is disabled) so a disabled version still shows.
 */
async function listVersions(identity: KeyVaultIdentity, vaultUrl: string, keyName: string): Promise<KeyVersionSummary[]> {
  return withKeyVaultRetry(async () => {
    const versions: KeyVersionSummary[] = [];
    for await (const p of keyVaultClients().keyClient(identity, vaultUrl).listPropertiesOfKeyVersions(keyName)) {
      if (p.version) versions.push({ version: p.version, enabled: p.enabled !== false, createdOn: p.createdOn, expiresOn: p.expiresOn, notBefore: p.notBefore });
    }
    return versions;
  }, { operation: "listKeyVersions", keyId: keyIdFor(vaultUrl, keyName) });
}

/** What one tenant's environments and backups hold, per key version. */
export async function collectUsage(deps: Pick<AppServices, "state" | "backups">, tenantId: string): Promise<UsageIndex> {
  const { backups } = deps;
  const environments = await deps.state.forTenant(tenantId).listEnvironments();
  const index: UsageIndex = { environments: new Map(), backups: new Map(), names: new Map(environments.flatMap((e) => [...(e.formerDataIds ?? []), e.dataId].map((id) => [id, e.id] as const))) };
  const push = <T>(map: Map<string, T[]>, keyId: string, value: T) => map.set(lower(keyId), [...(map.get(lower(keyId)) ?? []), value]);
  for (const env of environments) {
    const ring = await backups.context.data.rings.read(env.dataId);
    if (!ring) continue;
    const uses = new Map<string, EnvironmentUse>();
    const use = (keyId: string) => uses.get(keyId) ?? uses.set(keyId, { environmentId: env.id, deks: [], indexKey: false }).get(keyId)!;
    for (const d of ring.deks) for (const c of d.wrapped) use(c.keyId).deks.push(d.dekId);
    for (const c of ring.indexKey.wrapped) use(c.keyId).indexKey = true;
    for (const [keyId, u] of uses) push(index.environments, keyId, u);
  }
  const manifests = (await Promise.all(environments.map((e) => backups.store.listManifests(backupHomeOf(e))))).flat();
  for (const m of manifests) {
    const uses = new Map<string, BackupUse & { live: boolean }>();
    for (const { owner, copies } of ownersOf(m.keys)) {
      for (const c of copies) {
        const u = uses.get(c.keyId) ?? uses.set(c.keyId, { environmentId: index.names.get(m.environmentId) ?? m.environmentName ?? "", backupId: m.backupId, deks: [], indexKey: false, live: false }).get(c.keyId)!;
        if (owner === INDEX_OWNER) u.indexKey = true;
        else u.deks.push(owner);
        // The backup needs the version for good while one copy under it is live, else until the
        // latest retention date of its copies under it.
        if (isLive(c)) u.live = true;
        else if (!u.retainedUntil || c.retainUntil! > u.retainedUntil) u.retainedUntil = c.retainUntil;
      }
    }
    for (const [keyId, { live, ...u }] of uses) push(index.backups, keyId, live ? { ...u, retainedUntil: undefined } : u);
  }
  return index;
}

export async function keyUsageOf(deps: Pick<AppServices, "keys" | "backups">, policy: EnterprisePolicy, index: UsageIndex, now = new Date()): Promise<PolicyKeyUsage> {
  const key = await deps.keys.resolveKey(policyKeySource(policy));
  const versionless = keyIdFor(key.vaultUrl, key.keyName);
  const ofThisKey = (keyId: string) => lower(versionlessKeyId(keyId)) === lower(versionless);

  let listed: KeyVersionSummary[] | undefined;
  let vaultError: PolicyKeyUsage["vaultError"];
  try {
    listed = await listVersions(key.identity, key.vaultUrl, key.keyName);
  } catch (err) {
    if (!isKeyAccessError(err)) throw err;
    vaultError = { code: err.vaultCode, message: err.message.split("\n")[0] };
  }
  // A deleted key lists nothing: every version keyward holds is gone with it.
  const keyDeleted = vaultError !== undefined && /NotFound|Deleted/i.test(vaultError.code);

  const retirements = await deps.backups.ledger.listForKey(versionless);
  const versions = new Map<string, KeyVersionUsage>();
  const entry = (keyId: string): KeyVersionUsage => {
    const id = keyIdFor(key.vaultUrl, key.keyName, keyId.split("/").pop()!);
    let v = versions.get(lower(id));
    if (!v) {
      v = { keyId: id, version: id.split("/").pop()!, enabled: null, inVault: keyDeleted ? false : null, environments: [], backups: [], retirements: [], inUse: false, stillNeeded: false, earliestSafeDisable: null };
      versions.set(lower(id), v);
    }
    return v;
  };
  for (const s of listed ?? []) {
    const v = entry(keyIdFor(key.vaultUrl, key.keyName, s.version));
    Object.assign(v, { enabled: s.enabled, inVault: true, createdOn: s.createdOn?.toISOString(), expiresOn: s.expiresOn?.toISOString() });
  }
  for (const [keyId, uses] of index.environments) if (ofThisKey(keyId)) entry(keyId).environments.push(...uses);
  for (const [keyId, uses] of index.backups) if (ofThisKey(keyId)) entry(keyId).backups.push(...uses);
  // The ledger knows environments by data id: only this tenant's, shown by name.
  for (const r of retirements) {
    const name = index.names.get(r.environmentId);
    if (name !== undefined && ofThisKey(r.keyId)) entry(r.keyId).retirements.push({ ...r, environmentId: name });
  }

  const at = now.toISOString();
  for (const v of versions.values()) {
    if (listed && v.inVault === null) v.inVault = false;
    v.inUse = v.environments.length > 0 || v.backups.some((b) => b.retainedUntil === undefined);
    const dates = [...v.backups.map((b) => b.retainedUntil!).filter(Boolean), ...v.retirements.map((r) => r.safeAfter)].sort();
    v.earliestSafeDisable = v.inUse ? null : dates.pop() ?? at;
    v.stillNeeded = v.inUse || v.earliestSafeDisable! > at;
  }
  const sorted = [...versions.values()].sort((a, b) => (b.createdOn ?? "").localeCompare(a.createdOn ?? ""));
  return { policy: policy.name, keyId: versionless, checkedAt: at, versions: sorted, ...(vaultError ? { vaultError } : {}) };
}

/** Raises KeyVersionStillNeeded for each version still needed that is disabled or deleted. Returns the key ids alerted on. */
export async function alertOnNeededVersions(deps: Pick<AppServices, "state">, tenantId: string, usage: PolicyKeyUsage): Promise<string[]> {
  const alerted: string[] = [];
  for (const v of usage.versions) {
    if (!v.stillNeeded || (v.enabled !== false && v.inVault !== false)) continue;
    const what = v.inVault === false ? "deleted" : "disabled";
    const needs = [
      ...v.environments.map((e) => `environment ${e.environmentId}`),
      ...v.backups.map((b) => `backup ${b.backupId} of ${b.environmentId}${b.retainedUntil ? ` (until ${b.retainedUntil})` : ""}`),
      ...(v.retirements.length ? [`the retention rule until ${v.retirements.map((r) => r.safeAfter).sort().pop()}`] : []),
    ];
    if (await deps.state.forTenant(tenantId).raiseAlert(`version-still-needed|${lower(v.keyId)}|${what}`, {
      kind: "KeyVersionStillNeeded", severity: v.inUse ? "Critical" : "Warning", policy: usage.policy, keyId: v.keyId,
      ...(v.earliestSafeDisable ? { dueAt: v.earliestSafeDisable } : {}),
      message: `Key version ${v.keyId} of enterprise policy ${usage.policy} was ${what} while still needed by ${needs.join(", ")}. ` +
        `Re-enable${what === "deleted" ? " (recover)" : ""} it${v.earliestSafeDisable ? ` until ${v.earliestSafeDisable}` : " while it is in use"}, or restores and reads that need it will fail.`,
    })) alerted.push(v.keyId);
  }
  return alerted;
}

/** The daily check: every policy's key versions against what still needs them. */
/** The daily check: every tenant's policies' key versions against what still needs them. */
export async function checkNeededKeyVersions(deps: Pick<AppServices, "state" | "backups" | "keys">, now = new Date()): Promise<string[]> {
  const policies = await deps.state.listAllPolicies();
  const indexes = new Map<string, Promise<UsageIndex>>();
  const indexOf = (tenantId: string) => indexes.get(tenantId) ?? indexes.set(tenantId, collectUsage(deps, tenantId)).get(tenantId)!;
  const alerted: string[] = [];
  for (const policy of policies) {
    try {
      alerted.push(...(await alertOnNeededVersions(deps, policy.tenantId, await keyUsageOf(deps, policy, await indexOf(policy.tenantId), now))));
    } catch {
      // One policy's trouble (its key unreachable) must not stop the others being checked.
    }
  }
  return alerted;
}
