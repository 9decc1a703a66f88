// How the walkthrough checks each step: it reads keyward's state through the admin and data API
// (with the local file's token per role), the local vault's management API, and a KeyClient as
// the key vault admin; never the output of the commands it ran. waitFor polls for outcomes that
// follow an event (a lock after a revoked grant) with a generous bound.
import type { KeyVaultKey } from "@azure/keyvault-keys";
import { ApiCallError, ApiClient, type Role } from "../client";
import type { LocalDefault } from "../local/localDefault";

export class CheckFailed extends Error {}

export interface Observer {
  /** GET through the API as `role`; the body, or the ApiCallError (e.g. 423) as a value. */
  get<T = any>(role: Role, path: string): Promise<T>;
  /** The API's refusal for a GET, or undefined when it answers 2xx. */
  refusal(role: Role, path: string): Promise<ApiCallError | undefined>;
  local: LocalDefault;
  key(vaultName: string, keyName: string): Promise<KeyVaultKey>;
  waitFor<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs?: number): Promise<T>;
}

export function createObserver(client: ApiClient, local: LocalDefault, sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))): Observer {
  const get = async <T>(role: Role, path: string) => (await client.request<T>(role, "GET", path)).body;
  return {
    get,
    local,
    refusal: (role, path) => get(role, path).then(() => undefined, (err: unknown) => {
      if (err instanceof ApiCallError && err.status >= 400) return err;
      throw err;
    }),
    key: (vaultName, keyName) => local.keyClient(vaultName).getKey(keyName),
    async waitFor(what, read, done, timeoutMs = 180_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await read();
        if (done(value)) return value;
        if (Date.now() > deadline) throw new CheckFailed(`${what} did not happen within ${Math.round(timeoutMs / 1000)} s (last seen: ${JSON.stringify(value)})`);
        await sleep(500);
      }
    },
  };
}

/** Throws CheckFailed with `message` unless `condition` holds. */
export function expectThat(condition: unknown, message: string): void {
  if (!condition) throw new CheckFailed(message);
}
