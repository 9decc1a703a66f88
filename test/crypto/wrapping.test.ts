import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { generateWrappedDek, wrapVerified } from "../../shared/crypto/wrapping";
import { toWrappedDek } from "../../shared/crypto/keyRing";
import type { KeyWrapper } from "../../shared/crypto/keyWrapper";
import { RsaTestKey } from "../data/support/rsaKeyWrapper";

describe("wrapping for the key ring", () => {
  it("wraps with RSA-OAEP-256 under a versioned key id and unwraps to the same key", async () => {
    const key = new RsaTestKey();
    const { dekId, copy } = await generateWrappedDek(key, { kind: "PlatformManaged" });
    expect(copy.keyId).toBe(key.currentKeyId);
    expect(copy.algorithm).toBe("RSA-OAEP-256");
    expect(Buffer.from(copy.wrapped, "base64")).toHaveLength(256);
    expect(dekId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(await key.unwrap(toWrappedDek(copy))).toHaveLength(32);
  });

  it("refuses to return a copy that does not unwrap to the secret", async () => {
    const key = new RsaTestKey();
    const lying: KeyWrapper = { keyName: key.keyName, wrap: (d) => key.wrap(d), unwrap: async () => new Uint8Array(32) };
    await expect(wrapVerified(lying, new Uint8Array(randomBytes(32)), { kind: "PlatformManaged" })).rejects.toThrow(/different bytes/);
    const revoked = new RsaTestKey();
    revoked.revoked = true;
    await expect(generateWrappedDek(revoked, { kind: "PlatformManaged" })).rejects.toThrow(/revoked/);
  });
});
