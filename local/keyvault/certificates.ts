// The local vault's TLS material: a self-signed CA (generated at first start, reused after, so a
// caller can trust it once) and a leaf certificate for every host name the vault answers on.
// Built with node:crypto and the DER encoder in asn1.ts; no external tool is needed.
import fs from "node:fs";
import path from "node:path";
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from "node:crypto";
import * as asn1 from "./asn1";

export const LEAF_DNS_NAMES = ["*.vault.azure.net", "*.managedhsm.azure.net", "localhost"] as const;
export const LEAF_IP_ADDRESSES = ["127.0.0.1"] as const;

const OID = {
  commonName: "2.5.4.3",
  organizationName: "2.5.4.10",
  sha256WithRSAEncryption: "1.2.840.113549.1.1.11",
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  extKeyUsage: "2.5.29.37",
  subjectAltName: "2.5.29.17",
  subjectKeyIdentifier: "2.5.29.14",
  authorityKeyIdentifier: "2.5.29.35",
  serverAuth: "1.3.6.1.5.5.7.3.1",
} as const;

const DAY_MS = 86_400_000;
const CA_LIFETIME_DAYS = 3650;
const LEAF_LIFETIME_DAYS = 730;
/** A leaf closer than this to its end is replaced at start. */
const LEAF_RENEW_BEFORE_DAYS = 30;

export interface TlsMaterial {
  caCertPem: string;
  caCertPath: string;
  /** The leaf certificate followed by the CA (the chain the server presents). */
  certChainPem: string;
  keyPem: string;
}

interface CertificateRequest {
  subjectCommonName: string;
  issuerCommonName: string;
  subjectPublicKey: KeyObject;
  issuerPrivateKey: KeyObject;
  issuerPublicKey: KeyObject;
  lifetimeDays: number;
  isCa: boolean;
  dnsNames?: readonly string[];
  ipAddresses?: readonly string[];
}

function name(commonName: string): Buffer {
  return asn1.sequence(
    asn1.set(asn1.sequence(asn1.objectIdentifier(OID.organizationName), asn1.utf8String("keyward local"))),
    asn1.set(asn1.sequence(asn1.objectIdentifier(OID.commonName), asn1.utf8String(commonName))),
  );
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return asn1.sequence(asn1.objectIdentifier(oid), ...(critical ? [asn1.boolean(true)] : []), asn1.octetString(value));
}

function keyIdentifier(publicKey: KeyObject): Buffer {
  return createHash("sha1").update(publicKey.export({ type: "spki", format: "der" })).digest();
}

function ipv4Bytes(ip: string): Buffer {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: ${ip}`);
  return Buffer.from(parts);
}

function toPem(label: string, der: Buffer): string {
  const b64 = der.toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** Builds and signs one X.509 v3 certificate (sha256WithRSAEncryption). */
export function createCertificate(req: CertificateRequest): string {
  const sigAlg = asn1.sequence(asn1.objectIdentifier(OID.sha256WithRSAEncryption), asn1.nullValue());
  const serial = randomBytes(16);
  serial[0] = (serial[0] & 0x7f) | 0x01; // positive, minimal encoding
  const notBefore = new Date(Date.now() - 5 * 60_000); // tolerate small clock differences
  const notAfter = new Date(Date.now() + req.lifetimeDays * DAY_MS);

  const extensions: Buffer[] = [
    extension(OID.basicConstraints, true, req.isCa ? asn1.sequence(asn1.boolean(true), asn1.unsignedInteger(0)) : asn1.sequence()),
    // CA: keyCertSign(5), cRLSign(6). Leaf: digitalSignature(0), keyEncipherment(2).
    extension(OID.keyUsage, true, asn1.namedBits(req.isCa ? [5, 6] : [0, 2])),
    extension(OID.subjectKeyIdentifier, false, asn1.octetString(keyIdentifier(req.subjectPublicKey))),
    extension(OID.authorityKeyIdentifier, false, asn1.sequence(asn1.implicitPrimitive(0, keyIdentifier(req.issuerPublicKey)))),
  ];
  if (!req.isCa) {
    extensions.push(extension(OID.extKeyUsage, false, asn1.sequence(asn1.objectIdentifier(OID.serverAuth))));
    const generalNames = [
      ...(req.dnsNames ?? []).map((d) => asn1.implicitPrimitive(2, Buffer.from(d, "ascii"))),
      ...(req.ipAddresses ?? []).map((ip) => asn1.implicitPrimitive(7, ipv4Bytes(ip))),
    ];
    extensions.push(extension(OID.subjectAltName, false, asn1.sequence(...generalNames)));
  }

  const tbs = asn1.sequence(
    asn1.explicit(0, asn1.unsignedInteger(2)), // v3
    asn1.unsignedInteger(serial),
    sigAlg,
    name(req.issuerCommonName),
    asn1.sequence(asn1.time(notBefore), asn1.time(notAfter)),
    name(req.subjectCommonName),
    req.subjectPublicKey.export({ type: "spki", format: "der" }),
    asn1.explicit(3, asn1.sequence(...extensions)),
  );
  const signature = sign("sha256", tbs, req.issuerPrivateKey);
  return toPem("CERTIFICATE", asn1.sequence(tbs, sigAlg, asn1.bitString(signature)));
}

const FILES = {
  caCert: "ca-cert.pem",
  caKey: "ca-key.pem",
  leafCert: "tls-cert.pem",
  leafKey: "tls-key.pem",
} as const;

const CA_NAME = "keyward local vault CA";
const LEAF_NAME = "keyward local vault";

function writePrivate(file: string, content: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, content, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

function newRsaKey(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync("rsa", { modulusLength: 2048 });
}

function usableCa(certPem: string, keyPem: string): boolean {
  try {
    const cert = new X509Certificate(certPem);
    const publicKey = createPublicKey(createPrivateKey(keyPem));
    return cert.ca && cert.verify(publicKey) && Date.parse(cert.validTo) > Date.now() + DAY_MS;
  } catch {
    return false;
  }
}

function usableLeaf(certPem: string, keyPem: string, ca: X509Certificate): boolean {
  try {
    const cert = new X509Certificate(certPem);
    const key = createPrivateKey(keyPem);
    return cert.verify(ca.publicKey)
      && cert.checkPrivateKey(key)
      && Date.parse(cert.validTo) > Date.now() + LEAF_RENEW_BEFORE_DAYS * DAY_MS
      && LEAF_DNS_NAMES.every((d) => (cert.subjectAltName ?? "").includes(`DNS:${d}`))
      && LEAF_IP_ADDRESSES.every((ip) => cert.checkIP(ip) !== undefined);
  } catch {
    return false;
  }
}

/**
 * Loads the CA and leaf from `dataDir`, creating (or renewing) what is missing or unusable.
 * The CA is kept as long as it is valid, so a caller that trusted it once keeps trusting it.
 */
export function ensureTlsMaterial(dataDir: string): TlsMaterial {
  fs.mkdirSync(dataDir, { recursive: true });
  const p = (f: string) => path.join(dataDir, f);
  const read = (f: string) => (fs.existsSync(p(f)) ? fs.readFileSync(p(f), "utf8") : undefined);

  let caCertPem = read(FILES.caCert);
  let caKeyPem = read(FILES.caKey);
  let caRenewed = false;
  if (!caCertPem || !caKeyPem || !usableCa(caCertPem, caKeyPem)) {
    const { privateKey, publicKey } = newRsaKey();
    caKeyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    caCertPem = createCertificate({
      subjectCommonName: CA_NAME, issuerCommonName: CA_NAME, subjectPublicKey: publicKey,
      issuerPrivateKey: privateKey, issuerPublicKey: publicKey, lifetimeDays: CA_LIFETIME_DAYS, isCa: true,
    });
    writePrivate(p(FILES.caKey), caKeyPem);
    fs.writeFileSync(p(FILES.caCert), caCertPem);
    caRenewed = true;
  }
  const ca = new X509Certificate(caCertPem);

  let leafCertPem = read(FILES.leafCert);
  let leafKeyPem = read(FILES.leafKey);
  if (caRenewed || !leafCertPem || !leafKeyPem || !usableLeaf(leafCertPem, leafKeyPem, ca)) {
    const { privateKey, publicKey } = newRsaKey();
    const caPrivateKey = createPrivateKey(caKeyPem);
    leafKeyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    leafCertPem = createCertificate({
      subjectCommonName: LEAF_NAME, issuerCommonName: CA_NAME, subjectPublicKey: publicKey,
      issuerPrivateKey: caPrivateKey, issuerPublicKey: createPublicKey(caPrivateKey), lifetimeDays: LEAF_LIFETIME_DAYS,
      isCa: false, dnsNames: LEAF_DNS_NAMES, ipAddresses: LEAF_IP_ADDRESSES,
    });
    writePrivate(p(FILES.leafKey), leafKeyPem);
    fs.writeFileSync(p(FILES.leafCert), leafCertPem);
  }
  return { caCertPem, caCertPath: p(FILES.caCert), certChainPem: leafCertPem + caCertPem, keyPem: leafKeyPem };
}
