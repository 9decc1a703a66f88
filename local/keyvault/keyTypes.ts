// What a key is: the create request's kty / key_size / crv / key_ops checked as Azure Key Vault
// checks them (RSA 2048/3072/4096 and EC P-256/P-384/P-521/P-256K, software or HSM), its key
// material generated, and its public JWK as a KeyBundle shows it.
import { badParameter } from "./errors";
import { EC_CURVES, generateEcKey, isEcCurve } from "./ecKeyMaterial";
import { generateRsaKey } from "./keyMaterial";
import type { EcCurve, KeyType, KeyVersionState } from "./state";
import type { VaultKind } from "./types";

export const RSA_KEY_SIZES = [2048, 3072, 4096] as const;
export const RSA_KEY_OPS = ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"] as const;
/** An EC key signs and verifies; it cannot encrypt or wrap. */
export const EC_KEY_OPS = ["sign", "verify"] as const;

export type KeySpec =
  | { family: "RSA"; kty: "RSA" | "RSA-HSM"; keySize: number }
  | { family: "EC"; kty: "EC" | "EC-HSM"; crv: EcCurve };

export const isHsmKeyType = (kty: KeyType): boolean => kty.endsWith("-HSM");
export const familyOf = (kty: KeyType): "RSA" | "EC" => (kty.startsWith("EC") ? "EC" : "RSA");
export const keyOpsOf = (kty: KeyType): readonly string[] => (familyOf(kty) === "EC" ? EC_KEY_OPS : RSA_KEY_OPS);

/** The key spec of a create request (`kty`, `key_size`, `crv`). A managed HSM holds HSM-protected keys only. */
export function keySpecOf(body: Record<string, unknown>, vaultKind: VaultKind): KeySpec {
  const kty = body.kty;
  if (kty === "RSA" || kty === "RSA-HSM") {
    const keySize = body.key_size ?? 2048;
    if (typeof keySize !== "number" || !(RSA_KEY_SIZES as readonly number[]).includes(keySize)) {
      throw badParameter(`Invalid key size ${JSON.stringify(keySize)}. Supported RSA key sizes are ${RSA_KEY_SIZES.join(", ")}.`);
    }
    if (body.public_exponent !== undefined && body.public_exponent !== null && body.public_exponent !== 65537) {
      throw badParameter("The local vault only creates RSA keys with public exponent 65537.");
    }
    return { family: "RSA", kty: vaultKind === "managedHsm" ? "RSA-HSM" : kty, keySize };
  }
  if (kty === "EC" || kty === "EC-HSM") {
    const crv = body.crv ?? "P-256";
    if (!isEcCurve(crv)) throw badParameter(`Invalid curve ${JSON.stringify(crv)}. Supported curves are ${Object.keys(EC_CURVES).join(", ")}.`);
    return { family: "EC", kty: vaultKind === "managedHsm" ? "EC-HSM" : kty, crv };
  }
  throw badParameter(`The key type ${JSON.stringify(kty)} is not supported: use RSA, RSA-HSM, EC or EC-HSM (oct keys exist only in a managed HSM, which the local vault does not offer).`);
}

/** key_ops of a create or update request, checked against what the key type can do. */
export function keyOpsFor(kty: KeyType, value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const allowed = keyOpsOf(kty);
  if (!Array.isArray(value) || value.some((op) => typeof op !== "string" || !allowed.includes(op))) {
    throw badParameter(`key_ops for a ${kty} key must be a list of: ${allowed.join(", ")}.`);
  }
  return [...new Set(value as string[])];
}

/** The spec a new version of an existing version has (rotation keeps type, size and curve). */
export function specOfVersion(v: KeyVersionState): KeySpec {
  if (familyOf(v.kty) === "EC") return { family: "EC", kty: v.kty as "EC" | "EC-HSM", crv: v.crv ?? "P-256" };
  return { family: "RSA", kty: v.kty as "RSA" | "RSA-HSM", keySize: v.keySize ?? 2048 };
}

export type GeneratedMaterial = Pick<KeyVersionState, "kty" | "keySize" | "crv" | "privateKeyPem" | "n" | "e" | "x" | "y">;

/** Generates the key material of a spec, off the event loop. */
export async function generateMaterial(spec: KeySpec): Promise<GeneratedMaterial> {
  if (spec.family === "RSA") return { kty: spec.kty, keySize: spec.keySize, ...(await generateRsaKey(spec.keySize)) };
  return { kty: spec.kty, crv: spec.crv, ...(await generateEcKey(spec.crv)) };
}

/** The public JWK of a version, as a KeyBundle's `key` shows it. */
export function publicJwk(kid: string, v: KeyVersionState): Record<string, unknown> {
  const base = { kid, kty: v.kty, key_ops: [...v.keyOps] };
  return familyOf(v.kty) === "EC" ? { ...base, crv: v.crv, x: v.x, y: v.y } : { ...base, n: v.n, e: v.e };
}
