import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { generateDek } from "../../shared/crypto/dek";
import { ENVELOPE_VERSION, NONCE_BYTES, TAG_BYTES, openEnvelope, parseEnvelopeHeader, peekDekId, sealEnvelope } from "../../shared/crypto/envelope";
import { IntegrityError } from "../../shared/crypto/integrityError";
import type { BindingContext } from "../../shared/crypto/aad";

const context: BindingContext = { environmentId: "env-1", store: "records", container: "a".repeat(64), itemId: "b".repeat(64) };
const MiB = 1024 * 1024;

function expectIntegrityFailure(fn: () => unknown, failure?: string): IntegrityError {
  let caught: unknown;
  let returned: unknown;
  try {
    returned = fn();
  } catch (err) {
    caught = err;
  }
  expect(returned).toBeUndefined();
  expect(caught).toBeInstanceOf(IntegrityError);
  const error = caught as IntegrityError;
  expect(error.code).toBe("CiphertextIntegrityFailure");
  if (failure) expect(error.failure).toBe(failure);
  return error;
}

describe("envelope", () => {
  it.each([0, 1, 15, 16, 17, 1000, 64 * 1024, MiB + 3, 5 * MiB])("round-trips %i bytes", (size) => {
    const dek = generateDek();
    const plaintext = new Uint8Array(randomBytes(size));
    const envelope = sealEnvelope({ dek, context, plaintext });
    const header = parseEnvelopeHeader(envelope);
    expect(header.version).toBe(ENVELOPE_VERSION);
    expect(header.dekId).toBe(dek.id);
    expect(envelope.length).toBe(header.headerLength + size + TAG_BYTES);
    expect(Buffer.from(openEnvelope({ envelope, dek, context })).equals(Buffer.from(plaintext))).toBe(true);
  });

  it("uses a fresh nonce every time: equal plaintexts give different ciphertexts", () => {
    const dek = generateDek();
    const plaintext = new TextEncoder().encode("same");
    const a = sealEnvelope({ dek, context, plaintext });
    const b = sealEnvelope({ dek, context, plaintext });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    expect(Buffer.from(parseEnvelopeHeader(a).nonce).equals(Buffer.from(parseEnvelopeHeader(b).nonce))).toBe(false);
    expect(parseEnvelopeHeader(a).nonce.length).toBe(NONCE_BYTES);
  });

  it("peeks the DEK id without the key", () => {
    const dek = generateDek();
    expect(peekDekId(sealEnvelope({ dek, context, plaintext: new Uint8Array(3) }))).toBe(dek.id);
  });

  it("refuses every single flipped bit, in header, ciphertext and tag", () => {
    const dek = generateDek();
    const plaintext = new TextEncoder().encode("the secret value");
    const envelope = sealEnvelope({ dek, context, plaintext });
    for (let byte = 0; byte < envelope.length; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        const tampered = envelope.slice();
        tampered[byte] ^= 1 << bit;
        // Flips in the header either break its format or change what the AAD binds; both refuse.
        expectIntegrityFailure(() => openEnvelope({ envelope: tampered, dek, context }));
      }
    }
  });

  it("refuses a ciphertext moved to another item, container, store or environment", () => {
    const dek = generateDek();
    const envelope = sealEnvelope({ dek, context, plaintext: new TextEncoder().encode("v") });
    const elsewhere: BindingContext[] = [
      { ...context, itemId: "c".repeat(64) },
      { ...context, container: "d".repeat(64) },
      { ...context, store: "files" },
      { ...context, environmentId: "env-2" },
    ];
    for (const other of elsewhere) expectIntegrityFailure(() => openEnvelope({ envelope, dek, context: other }), "AuthenticationFailed");
  });

  it("refuses a header whose DEK id was swapped for another DEK the reader holds", () => {
    const [a, b] = [generateDek(), generateDek()];
    const envelope = sealEnvelope({ dek: a, context, plaintext: new TextEncoder().encode("v") });
    // Same length ids: splice b's id into a's header and open with b.
    const swapped = Buffer.from(envelope);
    swapped.write(b.id, 5, "latin1");
    expect(peekDekId(swapped)).toBe(b.id);
    expectIntegrityFailure(() => openEnvelope({ envelope: new Uint8Array(swapped), dek: b, context }), "AuthenticationFailed");
    // And opening with a DEK the header does not name is refused outright.
    expectIntegrityFailure(() => openEnvelope({ envelope, dek: b, context }), "AuthenticationFailed");
  });

  it("refuses malformed headers before any decryption", () => {
    const dek = generateDek();
    const good = sealEnvelope({ dek, context, plaintext: new Uint8Array(10) });
    const cases: Uint8Array[] = [
      new Uint8Array(0),
      good.subarray(0, 4),
      good.subarray(0, 30),
      Uint8Array.from([0x58, ...good.subarray(1)]), // magic
      Uint8Array.from([...good.subarray(0, 3), 2, ...good.subarray(4)]), // version
      Uint8Array.from([...good.subarray(0, 4), 0, ...good.subarray(5)]), // id length 0
      Uint8Array.from([...good.subarray(0, 4), 200, ...good.subarray(5)]), // id length too big
      Uint8Array.from([...good.subarray(0, 5), 0x2e, ...good.subarray(6)]), // "." is not base64url
    ];
    for (const bytes of cases) {
      expectIntegrityFailure(() => parseEnvelopeHeader(bytes), "Malformed");
      expectIntegrityFailure(() => openEnvelope({ envelope: bytes, dek, context }), "Malformed");
    }
  });

  it("says nothing of the plaintext when it fails", () => {
    const dek = generateDek();
    const secret = "very-distinctive-plaintext-4242";
    const envelope = sealEnvelope({ dek, context, plaintext: new TextEncoder().encode(secret) });
    const tampered = envelope.slice();
    tampered[tampered.length - 20] ^= 0x80;
    const error = expectIntegrityFailure(() => openEnvelope({ envelope: tampered, dek, context }));
    expect(error.message).not.toContain(secret);
    expect(JSON.stringify(error)).not.toContain(secret);
  });

  it("refuses malformed DEKs as a precondition", () => {
    const dek = generateDek();
    expect(() => sealEnvelope({ dek: { id: dek.id, key: dek.key.subarray(0, 16) }, context, plaintext: new Uint8Array(1) })).toThrow(/32 bytes/);
    expect(() => sealEnvelope({ dek: { id: "no spaces", key: dek.key }, context, plaintext: new Uint8Array(1) })).toThrow(/base64url/);
  });
});
