// The TLS material: a CA made once and reused, a leaf for every name the vault answers on,
// built without external tools.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { X509Certificate } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { ensureTlsMaterial } from "../../local/keyvault/certificates";
import { namedBits, objectIdentifier, time, unsignedInteger } from "../../local/keyvault/asn1";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kv-certs-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const leafOf = (chain: string) => new X509Certificate(chain.slice(0, chain.indexOf("-----END CERTIFICATE-----") + 26));

describe("DER encoding", () => {
  it("encodes the primitives X.509 needs", () => {
    expect(objectIdentifier("1.2.840.113549.1.1.11").toString("hex")).toBe("06092a864886f70d01010b");
    expect(unsignedInteger(2).toString("hex")).toBe("020102");
    expect(unsignedInteger(Buffer.from([0x80])).toString("hex")).toBe("02020080");
    expect(unsignedInteger(Buffer.from([0, 0, 5])).toString("hex")).toBe("020105");
    expect(namedBits([5, 6]).toString("hex")).toBe("03020106");
    expect(namedBits([0, 2]).toString("hex")).toBe("030205a0");
    expect(time(new Date("2030-01-02T03:04:05Z")).toString("ascii", 2)).toBe("300102030405Z");
    expect(time(new Date("2051-01-02T03:04:05Z"))[0]).toBe(0x18);
  });
});

describe("TLS material", () => {
  it("creates a CA and a leaf for the vault, HSM, localhost and 127.0.0.1 names", () => {
    const m = ensureTlsMaterial(dir);
    const ca = new X509Certificate(m.caCertPem);
    const leaf = leafOf(m.certChainPem);
    expect(ca.ca).toBe(true);
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    // checkHost answers with the SAN that matched.
    expect(leaf.checkHost("contoso.vault.azure.net")).toBe("*.vault.azure.net");
    expect(leaf.checkHost("contoso.managedhsm.azure.net")).toBe("*.managedhsm.azure.net");
    expect(leaf.checkHost("localhost")).toBe("localhost");
    expect(leaf.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(leaf.checkHost("a.b.vault.azure.net")).toBeUndefined();
    expect(leaf.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1"]);
    expect(m.caCertPath).toBe(path.join(dir, "ca-cert.pem"));
    expect(fs.readFileSync(m.caCertPath, "utf8")).toBe(m.caCertPem);
    expect(fs.statSync(path.join(dir, "ca-key.pem")).mode & 0o077).toBe(0);
  });

  it("reuses the CA and leaf on the next start, and renews only the leaf when it goes missing", () => {
    const first = ensureTlsMaterial(dir);
    const second = ensureTlsMaterial(dir);
    expect(second.caCertPem).toBe(first.caCertPem);
    expect(second.certChainPem).toBe(first.certChainPem);
    fs.rmSync(path.join(dir, "tls-cert.pem"));
    const third = ensureTlsMaterial(dir);
    expect(third.caCertPem).toBe(first.caCertPem);
    expect(third.certChainPem).not.toBe(first.certChainPem);
    expect(leafOf(third.certChainPem).verify(new X509Certificate(first.caCertPem).publicKey)).toBe(true);
  });

  it("replaces a CA that does not load, and the leaf with it", () => {
    const before = ensureTlsMaterial(dir);
    fs.writeFileSync(path.join(dir, "ca-key.pem"), "garbage");
    const after = ensureTlsMaterial(dir);
    expect(after.caCertPem).not.toBe(before.caCertPem);
    expect(leafOf(after.certChainPem).verify(new X509Certificate(after.caCertPem).publicKey)).toBe(true);
  });
});
