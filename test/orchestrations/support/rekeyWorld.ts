// Stub activities for add and remove (rekeyFlow) over a small scripted environment: each store's
// partitions and, per partition, the items each page scans. Every stub answers from its input
// alone (the page comes from the continuation), so the same world gives the same results however
// often a flow runs. Tests override single stubs to inject a fault.
import type { ActivityRetryPolicy, KeyTarget, RekeyInput, Store } from "../../../shared/operations/contracts";
import type { ActivityStubs } from "./activityStubs";

export const TEST_RETRY: ActivityRetryPolicy = { firstRetryIntervalMs: 1000, maxAttempts: 3, backoffCoefficient: 2, maxRetryIntervalMs: 4000 };

export const TARGET_DEK = "dek-target";
export const TENANT = "tenant-1";
export const CUSTOMER_KEY = "https://contoso.vault.azure.net/keys/cmk/v2";
export const PLATFORM_KEY = "https://platform.vault.azure.net/keys/platform/v7";
export const keyFor = (target: KeyTarget) => (target.kind === "CustomerManaged" ? CUSTOMER_KEY : PLATFORM_KEY);
export const RETIRED_DEK = "dek-previous";

export function addInput(overrides: Partial<RekeyInput> = {}): RekeyInput {
  return {
    operationId: "op-add", tenantId: TENANT, environmentId: "env-1", dataId: "data-1", target: { kind: "CustomerManaged", policy: "contoso", tenantId: TENANT },
    parallelism: 2, retry: TEST_RETRY, pageSize: 100, ...overrides,
  };
}

export function removeInput(overrides: Partial<RekeyInput> = {}): RekeyInput {
  return addInput({ operationId: "op-remove", target: { kind: "PlatformManaged" }, fromPolicy: "contoso", ...overrides });
}

export interface RekeyWorld {
  /** Per store, per partition: the items each page scans. */
  pages: Record<Store, Record<string, number[]>>;
  /** Items sizing counts off the target DEK (every item unless given). */
  remaining: Partial<Record<Store, number>>;
  /** Backups whose keys rewrapBackups re-wraps. */
  backups: number;
}

/**
 * 8 records in 3 partitions (partition 0 takes two pages, so the pump must carry its cursor) and
 * 4 files in 2: with parallelism 2, records take two waves and files one.
 */
export const DEFAULT_WORLD: RekeyWorld = {
  pages: { records: { "0": [2, 2], "1": [3], "2": [1] }, files: { "0": [3], "1": [1] } },
  remaining: {},
  backups: 1,
};

export const itemsIn = (world: RekeyWorld, store: Store) => Object.values(world.pages[store]).flat().reduce((n, x) => n + x, 0);

const pageOf = (continuation: string | undefined) => (continuation ? Number(continuation.split("@")[1]) : 0);

export function rekeyStubs(overrides: Partial<RekeyWorld> = {}): ActivityStubs {
  const world: RekeyWorld = { ...DEFAULT_WORLD, ...overrides };
  return {
    setEncryption: () => undefined,
    recordOperation: () => undefined,
    releaseEnvironment: () => undefined,
    lockAfterKeyFailure: () => undefined,
    prepareTargetDek: (input) => ({ outcome: "ok", dekId: TARGET_DEK, keyId: keyFor(input.target) }),
    listPartitions: (input) => ({
      partitions: Object.keys(world.pages[input.store]),
      items: itemsIn(world, input.store),
      remaining: world.remaining[input.store] ?? itemsIn(world, input.store),
    }),
    reencryptPartition: (input) => {
      const pages = world.pages[input.store][input.partition];
      if (!pages) throw new Error(`no partition ${input.partition} in ${input.store}`);
      const page = pageOf(input.continuation);
      const done = page + 1 >= pages.length;
      return { outcome: "ok", done, ...(done ? {} : { continuation: `${input.partition}@${page + 1}` }), scanned: pages[page], rewritten: pages[page] };
    },
    rewrapBackups: () => ({ outcome: "ok", backups: world.backups, rewrapped: world.backups * 2 }),
    finishRekey: (input) => ({ outcome: "ok", retiredDekIds: [RETIRED_DEK], keyId: keyFor(input.target) }),
  };
}
