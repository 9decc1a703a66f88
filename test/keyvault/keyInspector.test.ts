import { describe, expect, it } from "vitest";
import { generateKeyPairSync } from "node:crypto";
import { KeyAccessError } from "../../shared/keyvault/classify";
import { assertCmkCompliant, cmkViolations, modulusBits, type KeyInfo } from "../../shared/keyvault/keyInspector";

const NOW = new Date("2030-06-01T00:00:00Z");
const good: KeyInfo = {
  versionedKeyId: "https://kv1.vault.azure.net/keys/cmk/v1", version: "v1", keyType: "RSA", keySize: 3072,
  keyOps: ["wrapKey", "unwrapKey"], enabled: true, expiresOn: new Date("2031-01-01T00:00:00Z"), recoveryLevel: "Recoverable",
};
const codes = (info: Partial<KeyInfo>) => cmkViolations({ ...good, ...info }, NOW).map((v) => v.code);

describe("cmkViolations", () => {
  it("accepts RSA and RSA-HSM keys of 2048 and 3072 bits in a purge-protected vault", () => {
    for (const keyType of ["RSA", "RSA-HSM"]) for (const keySize of [2048, 3072]) expect(codes({ keyType, keySize })).toEqual([]);
    expect(codes({ recoveryLevel: "CustomizedRecoverable" })).toEqual([]);
    expect(codes({ recoveryLevel: "Recoverable+ProtectedSubscription" })).toEqual([]);
    expect(codes({ expiresOn: undefined })).toEqual([]);
  });

  it.each([
    [{ keyType: "EC" }, ["KeyTypeNotSupported"]],
    [{ keyType: "oct-HSM" }, ["KeyTypeNotSupported"]],
    [{ keySize: 4096 }, ["KeySizeNotSupported"]],
    [{ keySize: 1024 }, ["KeySizeNotSupported"]],
    [{ keyOps: ["encrypt", "decrypt", "wrapKey"] }, ["KeyOperationsMissing"]],
    [{ keyOps: [] }, ["KeyOperationsMissing"]],
    [{ enabled: false }, ["KeyDisabled"]],
    [{ expiresOn: new Date("2030-05-31T23:59:59Z") }, ["KeyExpired"]],
    [{ notBefore: new Date("2030-06-02T00:00:00Z") }, ["KeyNotYetValid"]],
    [{ recoveryLevel: "Recoverable+Purgeable" }, ["PurgeProtectionRequired"]],
    [{ recoveryLevel: "CustomizedRecoverable+Purgeable" }, ["PurgeProtectionRequired"]],
    [{ recoveryLevel: "Purgeable" }, ["SoftDeleteRequired"]],
    [{ recoveryLevel: undefined }, ["SoftDeleteRequired"]],
    [{ keySize: 4096, enabled: false, recoveryLevel: "Purgeable" }, ["KeySizeNotSupported", "KeyDisabled", "SoftDeleteRequired"]],
  ] as Array<[Partial<KeyInfo>, string[]]>)("%j -> %j", (info, expected) => {
    expect(codes(info)).toEqual(expected);
  });

  it("assertCmkCompliant: Misconfigured for an unsuitable key, AccessLost for one merely disabled or expired", () => {
    expect(() => assertCmkCompliant(good, NOW)).not.toThrow();
    const bad = (() => { try { assertCmkCompliant({ ...good, keySize: 4096, enabled: false }, NOW); } catch (e) { return e; } })();
    expect(bad).toBeInstanceOf(KeyAccessError);
    expect(bad).toMatchObject({ kind: "Misconfigured", vaultCode: "KeySizeNotSupported" });
    expect((bad as Error).message).toMatch(/disabled/);
    const off = (() => { try { assertCmkCompliant({ ...good, enabled: false }, NOW); } catch (e) { return e; } })();
    expect(off).toMatchObject({ kind: "AccessLost", vaultCode: "KeyDisabled" });
    const soft = (() => { try { assertCmkCompliant({ ...good, recoveryLevel: "Recoverable+Purgeable" }, NOW); } catch (e) { return e; } })();
    expect(soft).toMatchObject({ kind: "Misconfigured", vaultCode: "PurgeProtectionRequired" });
  });
});

describe("modulusBits", () => {
  it("measures real RSA moduli and ignores leading zero bytes", () => {
    for (const size of [2048, 3072]) {
      const { publicKey } = generateKeyPairSync("rsa", { modulusLength: size });
      const n = Buffer.from(publicKey.export({ format: "jwk" }).n!, "base64url");
      expect(modulusBits(n)).toBe(size);
      expect(modulusBits(Buffer.concat([Buffer.alloc(1), n]))).toBe(size);
    }
    expect(modulusBits(new Uint8Array([0, 0, 1]))).toBe(1);
    expect(modulusBits(new Uint8Array([0x80, 0]))).toBe(16);
    expect(modulusBits(new Uint8Array())).toBe(0);
  });
});
