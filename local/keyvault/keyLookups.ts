// Finding what a keys API request names: the key (not deleted), the version (current when none
// is named), the vault again after an await; and the base64url `value` of a request body.
import type { VaultContext } from "./context";
import { badParameter, keyNotFound, VaultError } from "./errors";
import { currentVersion } from "./keyBundles";
import type { KeyState, KeyVersionState, VaultState } from "./state";

export function activeKey(vault: VaultState, name: string): KeyState {
  const key = vault.keys[name.toLowerCase()];
  if (!key) throw keyNotFound(name);
  return key;
}

export function versionOf(key: KeyState, version: string | undefined): KeyVersionState {
  if (!version) return currentVersion(key);
  const v = key.versions.find((x) => x.version === version.toLowerCase());
  if (!v) throw keyNotFound(`${key.name}/${version}`);
  return v;
}

/** The vault by name again, after an await: it may have been deleted meanwhile. */
export function vaultAgain(ctx: VaultContext, vault: VaultState): VaultState {
  const again = ctx.store.vault(vault.name);
  if (!again) throw new VaultError(404, "VaultNotFound", `The vault ${vault.name} was deleted while the request ran.`);
  return again;
}

export function base64urlValue(body: Record<string, unknown>): Buffer {
  if (typeof body.value !== "string" || !/^[A-Za-z0-9_-]*={0,2}$/.test(body.value)) throw badParameter("value must be a base64url string.");
  return Buffer.from(body.value, "base64url");
}
