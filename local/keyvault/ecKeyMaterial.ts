// EC key material: generation on Azure's curves and the public JWK coordinates. The private key
// stays PKCS#8 PEM inside the vault state, like an RSA key's.
import { createPublicKey, generateKeyPair } from "node:crypto";
import { promisify } from "node:util";
import type { EcCurve } from "./state";

const generateKeyPairAsync = promisify(generateKeyPair);

/** Azure's curve name -> OpenSSL's. P-256K is the SEC curve secp256k1. */
export const EC_CURVES: Record<EcCurve, string> = {
  "P-256": "prime256v1",
  "P-384": "secp384r1",
  "P-521": "secp521r1",
  "P-256K": "secp256k1",
};

export const isEcCurve = (value: unknown): value is EcCurve => typeof value === "string" && Object.prototype.hasOwnProperty.call(EC_CURVES, value);

export interface GeneratedEcKey {
  privateKeyPem: string;
  x: string;
  y: string;
}

export async function generateEcKey(crv: EcCurve): Promise<GeneratedEcKey> {
  const { privateKey } = await generateKeyPairAsync("ec", { namedCurve: EC_CURVES[crv] });
  const jwk = createPublicKey(privateKey).export({ format: "jwk" });
  return { privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(), x: String(jwk.x), y: String(jwk.y) };
}
