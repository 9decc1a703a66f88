// The walkthrough's checks: what the API must show after a step (a key's type and size, a policy
// on its key, a live probe as the policy's identity, Reader, an environment on a policy's key,
// every sample record reading back). Each throws CheckFailed saying what it saw instead.
import { expectThat } from "./observer";
import type { DemoState } from "./state";

export const KEY_SIZE = "3072";

export const keyScope = (s: DemoState, key: string) => `${s.vaultId}/keys/${key}`;
export const envPath = (s: DemoState) => `environments/${encodeURIComponent(s.names.environment)}`;

export async function environment(s: DemoState): Promise<any> {
  return s.observer.get("Platform.Admin", envPath(s));
}

/** Every sample record reads back as written (as the data user). */
export async function sampleReadsBack(s: DemoState): Promise<void> {
  for (const table of [...new Set(s.sample.map((r) => r.table))]) {
    const stored = new Map<string, unknown>();
    let continuation: string | undefined;
    do {
      const page = await s.observer.get("Environment.User", `${envPath(s)}/records/${table}?top=1000${continuation ? `&continuationToken=${encodeURIComponent(continuation)}` : ""}`);
      for (const r of page.value as { id: string; value: unknown }[]) stored.set(r.id, r.value);
      continuation = page.continuationToken;
    } while (continuation);
    for (const r of s.sample.filter((x) => x.table === table)) {
      expectThat(JSON.stringify(stored.get(r.id)) === JSON.stringify(r.value), `record ${table}/${r.id} reads back as ${JSON.stringify(stored.get(r.id))}, not ${JSON.stringify(r.value)}`);
    }
  }
}

export async function checkRsaKey(s: DemoState, keyName: string): Promise<string> {
  const key = await s.observer.key(s.names.vault, keyName);
  const bits = (key.key?.n?.length ?? 0) * 8;
  expectThat(key.keyType === "RSA" && bits === Number(KEY_SIZE), `${keyName} is ${key.keyType} ${bits}, not RSA ${KEY_SIZE}`);
  expectThat(key.properties.enabled && ["wrapKey", "unwrapKey"].every((op) => key.keyOperations?.includes(op as never)), `${keyName} is not enabled for wrapKey and unwrapKey`);
  return `${keyName} is an enabled RSA ${bits} key (${key.id})`;
}

export async function checkPolicy(s: DemoState, policy: string, keyName: string): Promise<string> {
  const p = await s.observer.get("Keys.Admin", `enterprisePolicies/${encodeURIComponent(policy)}`);
  const kv = p.properties.encryption.keyVault;
  expectThat(kv.id.toLowerCase() === s.vaultId!.toLowerCase() && kv.key.name === keyName, `policy ${policy} is on ${kv.id} key ${kv.key.name}`);
  expectThat(typeof p.identity?.principalId === "string", `policy ${policy} has no identity`);
  return p.identity.principalId as string;
}

export async function checkGranted(s: DemoState, policy: string): Promise<string> {
  // A live probe: wrap and unwrap as the policy's identity.
  const health = await s.observer.waitFor(`policy ${policy}'s key probe answering Healthy`,
    () => s.observer.get("Keys.Admin", `enterprisePolicies/${encodeURIComponent(policy)}/health`), (h) => h.status === "Healthy", 60_000);
  return `policy ${policy} reaches its key as its own identity (probe ${health.status})`;
}

export async function checkReader(s: DemoState, policy: string): Promise<string> {
  const p = await s.observer.get("Keys.Admin", `enterprisePolicies/${encodeURIComponent(policy)}`);
  expectThat(p.properties.readers.includes(s.principals.platformAdmin), `${s.principals.platformAdmin} is not a Reader of ${policy}: ${JSON.stringify(p.properties.readers)}`);
  return `${s.principals.platformAdmin} is a Reader of ${policy}`;
}

export async function checkOnPolicy(s: DemoState, policy: string, keyName: string): Promise<string> {
  const env = await environment(s);
  const enc = env.encryption;
  const keyPrefix = `${s.observer.local.vaultUrl(s.names.vault)}/keys/${keyName}/`;
  expectThat(enc.keyType === "CustomerManaged" && enc.status === "Encrypted" && enc.policy === policy,
    `${s.names.environment} is ${enc.keyType} ${enc.status} on ${enc.policy}, not CustomerManaged Encrypted on ${policy}`);
  expectThat(enc.keyId.toLowerCase().startsWith(keyPrefix.toLowerCase()), `${s.names.environment}'s key is ${enc.keyId}, not a version of ${keyPrefix}`);
  expectThat(env.state === "Enabled", `${s.names.environment} is ${env.state}`);
  await sampleReadsBack(s);
  return `${s.names.environment} is Encrypted under ${enc.keyId}; all ${s.sample.length} records read back`;
}
