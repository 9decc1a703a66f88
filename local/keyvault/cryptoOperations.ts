// wrapKey / unwrapKey / encrypt / decrypt (sign and verify are not implemented) on one key
// version, refused as Azure refuses them: disabled first, then the validity window, then key_ops.
// Azure's validity rule (behaviour "azure"): a version outside nbf/exp refuses the operations
// that make new ciphertext or signatures (encrypt, wrapKey, sign) but still allows decrypt,
// unwrapKey and verify "to allow recovery operations", so no data is ever crypto-locked by a date.
import { baseUrlOf, type VaultContext } from "./context";
import { badParameter, keyStateForbidden } from "./errors";
import { nowSeconds } from "./http";
import { activeKey, base64urlValue, versionOf } from "./keyLookups";
import { rsaDecrypt, rsaEncrypt } from "./keyMaterial";
import { familyOf } from "./keyTypes";
import type { KeyOperation } from "./operations";
import type { KeyVersionState, VaultState } from "./state";

export type CryptoOperation = Extract<KeyOperation, "wrapKey" | "unwrapKey" | "encrypt" | "decrypt" | "sign" | "verify">;

/** The operations Azure refuses outside a version's validity window. */
const NEEDS_VALIDITY = new Set<CryptoOperation>(["encrypt", "wrapKey", "sign"]);

function checkValidity(ctx: VaultContext, v: KeyVersionState, operation: CryptoOperation): void {
  if (ctx.behaviour.keyValidity === "azure" && !NEEDS_VALIDITY.has(operation)) return;
  const now = nowSeconds();
  if (v.nbf !== undefined && now < v.nbf) throw keyStateForbidden(operation, "KeyNotYetValid");
  if (v.exp !== undefined && now >= v.exp) throw keyStateForbidden(operation, "KeyExpired");
}

export function cryptoOperation(ctx: VaultContext, vault: VaultState, operation: CryptoOperation, name: string, version: string | undefined, body: Record<string, unknown>): { status: number; body: unknown } {
  const key = activeKey(vault, name);
  const v = versionOf(key, version);
  if (!v.enabled) throw keyStateForbidden(operation, "KeyDisabled");
  checkValidity(ctx, v, operation);
  if (!v.keyOps.includes(operation)) throw keyStateForbidden(operation, "KeyOperationForbidden");
  if (operation === "sign" || operation === "verify") throw badParameter(`The local vault does not implement ${operation}.`);
  // An EC key cannot encrypt or wrap (its key_ops never allow it; this guards older state).
  if (familyOf(v.kty) !== "RSA") throw badParameter(`Operation ${operation} is not supported by a ${v.kty} key.`);
  if (typeof body.alg !== "string") throw badParameter("alg is required.");
  const input = base64urlValue(body);
  const output = operation === "wrapKey" || operation === "encrypt"
    ? rsaEncrypt(v.privateKeyPem, body.alg, input)
    : rsaDecrypt(v.privateKeyPem, body.alg, input);
  return { status: 200, body: { kid: `${baseUrlOf(ctx, vault)}/keys/${key.name}/${v.version}`, value: output.toString("base64url") } };
}
