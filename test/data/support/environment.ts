// A complete environment data stack on the run's Azurite for one test: unique table and container
// names, real RSA-OAEP-256 keys behind a wrapperFor like the composition root's, and a
// pass-through cache unless the test brings its own.
import { randomBytes } from "node:crypto";
import type { KeyWrapper } from "../../../shared/crypto/keyWrapper";
import { versionlessKeyId, type KeySource } from "../../../shared/crypto/keyRing";
import { createDataContext, type EnvironmentDataDeps } from "../../../shared/data/context";
import type { DekLoaderCache } from "../../../shared/data/dekResolver";
import { createEnvironmentData } from "../../../shared/data/environmentData";
import { createReencryption } from "../../../shared/data/reencrypt";
import { storageNaming } from "../../../shared/data/naming";
import { testStorage, uniquePrefix } from "../../support/storage";
import { passThroughCache } from "./caches";
import { RsaTestKey } from "./rsaKeyWrapper";

/** Every key a test made, found by versioned key id as the composition root finds vault keys. */
export class TestKeys {
  private readonly keys = new Map<string, RsaTestKey>();
  readonly sourcesSeen: KeySource[] = [];

  add(key: RsaTestKey): RsaTestKey {
    this.keys.set(key.keyName, key);
    return key;
  }

  wrapperFor = (source: KeySource, keyId: string): KeyWrapper => {
    this.sourcesSeen.push(source);
    const key = this.keys.get(versionlessKeyId(keyId));
    if (!key) throw new Error(`No test key for ${keyId}`);
    return key;
  };
}

export function testEnvironment(options: { cache?: DekLoaderCache; buckets?: number; encryptionBudget?: EnvironmentDataDeps["encryptionBudget"] } = {}) {
  const keys = new TestKeys();
  const platformKey = keys.add(new RsaTestKey("platform", "pmk"));
  const deps: EnvironmentDataDeps = {
    connectionString: testStorage(),
    wrapperFor: keys.wrapperFor,
    cache: options.cache ?? passThroughCache,
    keyRingTable: uniquePrefix("rings"),
    storagePrefix: uniquePrefix("d"),
    ...(options.buckets ? { buckets: options.buckets } : {}),
    ...(options.encryptionBudget ? { encryptionBudget: options.encryptionBudget } : {}),
  };
  return {
    deps,
    keys,
    platformKey,
    naming: storageNaming(deps.storagePrefix),
    data: createEnvironmentData(createDataContext(deps)),
    reencryption: createReencryption(createDataContext(deps)),
    newEnvironmentId: () => `env-${randomBytes(6).toString("hex")}`,
  };
}
