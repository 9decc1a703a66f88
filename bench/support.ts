// What every bench section needs from the running stack: the HTTP API as each role, the
// customer's side (vault, key, policy, grants), environments seeded straight through the data
// facade (in-process, so seeding is quick and not what is measured), waits, and statistics.
import { randomBytes } from "node:crypto";
import type { KeyClient } from "@azure/keyvault-keys";
import type { RunningStack } from "../local/stack";
import type { LocalVaultManagementClient } from "../local/keyvault";
import { EmbeddedApi, type ApiResult, type CustomerPolicy } from "../local/embeddedApi";
import { services } from "../shared/services";
import { mapLimit } from "../shared/data/concurrency";
import { LOCAL_TENANT_ID } from "../local/issuer";
import { policyKeySource } from "../shared/keys/keySources";
import { applyEncryption } from "../shared/operations/encryptionState";

export const KEYS_ADMIN = "aaaaaaaa-0000-4000-8000-0000000000b1";
export const PLATFORM_ADMIN = "bbbbbbbb-0000-4000-8000-0000000000b2";
export const DATA_USER = "cccccccc-0000-4000-8000-0000000000b3";
const KEY_OFFICER = "dddddddd-0000-4000-8000-0000000000b4";

type Role = "Keys.Admin" | "Platform.Admin" | "Environment.User";
const OIDS: Record<Role, string> = { "Keys.Admin": KEYS_ADMIN, "Platform.Admin": PLATFORM_ADMIN, "Environment.User": DATA_USER };

export type { ApiResult, CustomerPolicy } from "../local/embeddedApi";

const as = (role: Role) => ({ oid: OIDS[role], roles: [role] });

export class BenchContext {
  /** The HTTP API and the customer's side of the setup (shared with the test harness). */
  readonly api: EmbeddedApi;
  readonly management: LocalVaultManagementClient;

  constructor(readonly stack: RunningStack, readonly log: (line: string) => void) {
    this.api = new EmbeddedApi(stack);
    this.management = this.api.management;
  }

  call<T = any>(role: Role, method: string, route: string, body?: unknown): Promise<ApiResult<T>> {
    return this.api.call<T>(method, route, { as: as(role), body });
  }

  /** Calls and insists on one status: a bench that silently measures errors measures nothing. */
  expect<T = any>(status: number, role: Role, method: string, route: string, body?: unknown): Promise<T> {
    return this.api.expect<T>(status, method, route, as(role), body);
  }

  keyClient(vaultName: string): KeyClient {
    return this.api.keyClient(vaultName, KEY_OFFICER);
  }

  /** The key vault administrator's whole setup: vault, RSA key, policy, grant on the key, Reader for the platform admin, licence. */
  customerPolicy(label: string): Promise<CustomerPolicy> {
    const suffix = randomBytes(3).toString("hex");
    return this.api.customerPolicy({
      keysAdmin: as("Keys.Admin"), platformAdmin: as("Platform.Admin"), keyOfficer: KEY_OFFICER,
      policy: `bench-${label}-${suffix}`, vaultName: `bench${label.replace(/[^a-z0-9]/g, "")}${suffix}`.slice(0, 24),
    });
  }

  /** An environment of the local tenant, with the bench's data user a ReadWrite member. */
  environment(label: string): Promise<string> {
    return this.api.environment(as("Platform.Admin"), `bench-${label}-${randomBytes(3).toString("hex")}`, {
      displayName: `Bench ${label}`, members: [{ objectId: DATA_USER, access: "ReadWrite" }],
    });
  }

  /** The local tenant's state, where the bench's environments live. */
  get tenant() {
    return services().state.forTenant(LOCAL_TENANT_ID);
  }

  /** The data id of one of the bench's environments (its storage names and ciphertexts are bound to it). */
  async dataIdOf(environmentId: string): Promise<string> {
    const env = await this.tenant.getEnvironment(environmentId);
    if (!env) throw new Error(`no environment ${environmentId}`);
    return env.dataId;
  }

  /** Writes records t{i%4}/r{i} whose JSON value is about `bytes` long, 16 at a time. Returns the plaintext bytes written. */
  async seedRecords(environment: string, count: number, bytes: number, start = 0): Promise<number> {
    const { data } = services();
    const environmentId = await this.dataIdOf(environment);
    const sizes = await mapLimit(Array.from({ length: count }, (_, i) => start + i), 16, async (i) => {
      const value = recordValue(i, bytes);
      await data.putRecord(environmentId, `t${i % 4}`, `r${i}`, value);
      return JSON.stringify(value).length;
    });
    return sizes.reduce((a, b) => a + b, 0);
  }

  async seedFiles(environment: string, count: number, bytes: number): Promise<void> {
    const { data } = services();
    const environmentId = await this.dataIdOf(environment);
    await mapLimit(Array.from({ length: count }, (_, i) => i), 8, (i) => data.putFile(environmentId, `docs/f${i}.bin`, randomBytes(bytes)));
  }

  /**
   * Puts an environment with no data yet on the policy's key without an add operation, for
   * setups of thousands (an add runs about 20 a minute here): the key transitions an add's first
   * and last steps run (a DEK under the customer key, the platform copies dropped), then the
   * environment's state as a finished add leaves it. Seed its data afterwards.
   */
  async onPolicyWithoutAdd(environment: string, policy: string): Promise<void> {
    const svc = services();
    const dataId = await this.dataIdOf(environment);
    const source = policyKeySource({ tenantId: LOCAL_TENANT_ID, name: policy });
    const { wrapper } = await svc.keys.latestWrapper(source);
    const target = await svc.transitions.prepareTargetDek(dataId, wrapper, source);
    // A bench setup: nobody writes to this environment, so the proof need not wait for the switch to settle.
    const finished = await svc.transitions.finishRekey(dataId, target.dekId, { noWriters: true });
    if (finished.outcome !== "ok") throw new Error(`environment ${environment} has data under another key: ${JSON.stringify(finished)}`);
    const final = { keyType: "CustomerManaged" as const, policy, keyId: finished.keyId };
    await this.tenant.updateEnvironment(environment, (e) => applyEncryption(e, { operationId: "bench-setup", tenantId: LOCAL_TENANT_ID, environmentId: environment, status: "Encrypted", final }));
  }

  /** POSTs the add and returns the operation ids, in the order of `environmentIds`. */
  async addToPolicy(policy: string, environmentIds: string[]): Promise<string[]> {
    const body = await this.expect(202, "Platform.Admin", "POST", `enterprisePolicies/${policy}/environments`, { environmentIds });
    return (body.operations as { environmentId: string; operationId: string }[]).map((o) => o.operationId);
  }

  /** Waits for an operation to end; throws unless it Succeeded (a failed run's timing means nothing). */
  async waitForOperation(operationId: string, timeoutMs = 600_000): Promise<any> {
    const op = await until(`operation ${operationId}`, async () => (await this.call("Platform.Admin", "GET", `operations/${operationId}`)).body,
      (o) => o?.status && o.status !== "Running", timeoutMs);
    if (op.status !== "Succeeded") throw new Error(`operation ${operationId} ended ${op.status}: ${JSON.stringify(op.error ?? op)}`);
    return op;
  }
}

/** A record value: a little structure and a filler string, JSON about `bytes` long. */
export function recordValue(i: number, bytes: number): { n: number; name: string; filler: string } {
  const base = JSON.stringify({ n: i, name: `record ${i}`, filler: "" }).length;
  return { n: i, name: `record ${i}`, filler: "x".repeat(Math.max(0, bytes - base)) };
}

/** Polls every 50 ms until the predicate holds. */
export async function until<T>(what: string, read: () => Promise<T>, predicate: (value: T) => boolean, timeoutMs = 120_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (!predicate(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
    last = await read();
  }
  return last;
}

/** The q-quantile (0..1) of samples, nearest-rank. */
export function quantile(samples: number[], q: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Seconds between two ISO timestamps. */
export function secondsBetween(from: string, to: string): number {
  return (Date.parse(to) - Date.parse(from)) / 1000;
}

export function round(n: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
