import { describe, expect, it } from "vitest";
import {
  KeyRingError,
  addActiveDek,
  addWrappedCopy,
  assertKeyRing,
  createKeyRing,
  dropWrappedCopies,
  findDek,
  hasCopies,
  keyIdsInUse,
  retireDek,
  retiringDekIds,
  versionlessKeyId,
  type KeyRing,
  type WrappedCopy,
} from "../../shared/crypto/keyRing";
import { newDekId } from "../../shared/crypto/dek";

const now = new Date("2025-01-01T00:00:00Z");
const pmk = "https://platform.vault.azure.net/keys/pmk";
const cmk = "https://contoso.vault.azure.net/keys/cmk";
const copy = (keyId: string, kind: WrappedCopy["source"]["kind"] = "PlatformManaged"): WrappedCopy => ({
  wrapped: Buffer.from(keyId).toString("base64"),
  keyId,
  algorithm: "RSA-OAEP-256",
  source: kind === "CustomerManaged" ? { kind, policy: "contoso-policy" } : { kind },
});

function freshRing(): KeyRing {
  return createKeyRing({ environmentId: "env-1", dekId: newDekId(), dekCopy: copy(`${pmk}/v1`), indexKeyCopy: copy(`${pmk}/v1`), buckets: 16, now });
}

function refused(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(KeyRingError);
    expect((err as KeyRingError).code).toBe(code);
    return;
  }
  throw new Error(`expected KeyRingError ${code}`);
}

describe("key ring transitions", () => {
  it("creates a ring with one active DEK and the index key", () => {
    const ring = freshRing();
    expect(ring.version).toBe(1);
    expect(ring.deks).toHaveLength(1);
    expect(ring.deks[0].state).toBe("active");
    expect(ring.activeDekId).toBe(ring.deks[0].dekId);
    expect(ring.deks[0].createdAt).toBe(now.toISOString());
  });

  it("refuses bad wrapped copies when creating", () => {
    const base = { environmentId: "e", dekId: newDekId(), indexKeyCopy: copy(`${pmk}/v1`), buckets: 16, now };
    refused(() => createKeyRing({ ...base, dekCopy: copy(pmk) }), "InvalidWrappedCopy"); // versionless
    refused(() => createKeyRing({ ...base, dekCopy: { ...copy(`${pmk}/v1`), algorithm: "RSA-OAEP" as never } }), "InvalidWrappedCopy");
    refused(() => createKeyRing({ ...base, dekCopy: { ...copy(`${cmk}/v1`), source: { kind: "CustomerManaged" } } }), "InvalidWrappedCopy");
    refused(() => createKeyRing({ ...base, dekCopy: { ...copy(`${pmk}/v1`), wrapped: "" } }), "InvalidWrappedCopy");
    refused(() => createKeyRing({ ...base, dekCopy: copy(`${pmk}/v1`), buckets: 0 }), "InvalidKeyRing");
    refused(() => createKeyRing({ ...base, dekCopy: copy(`${pmk}/v1`), dekId: "bad id" }), "InvalidKeyRing");
  });

  it("adds a new active DEK; the old one retires, then is retired and shredded", () => {
    const ring = freshRing();
    const first = ring.activeDekId;
    const second = newDekId();
    const next = addActiveDek(ring, { dekId: second, copy: copy(`${cmk}/v1`, "CustomerManaged"), now });
    expect(next.version).toBe(2);
    expect(next.activeDekId).toBe(second);
    expect(findDek(next, first)!.state).toBe("retiring");
    expect(retiringDekIds(next)).toEqual([first]);
    expect(ring.activeDekId).toBe(first); // input untouched

    refused(() => addActiveDek(next, { dekId: second, copy: copy(`${cmk}/v1`, "CustomerManaged"), now }), "DekAlreadyInRing");
    refused(() => retireDek(next, second, now), "DekIsActive");
    refused(() => retireDek(next, newDekId(), now), "DekNotInRing");

    const retired = retireDek(next, first, new Date("2025-02-01T00:00:00Z"));
    expect(findDek(retired, first)).toMatchObject({ state: "retired", wrapped: [], retiredAt: "2025-02-01T00:00:00.000Z" });
    refused(() => retireDek(retired, first, now), "DekNotRetiring");
    refused(() => addWrappedCopy(retired, { dekId: first }, copy(`${cmk}/v2`, "CustomerManaged")), "DekRetired");
  });

  it("re-wraps under a new key version and drops the old version once nothing needs it", () => {
    let ring = freshRing();
    const dekId = ring.activeDekId;
    refused(() => dropWrappedCopies(ring, { keyId: `${pmk}/v1` }), "LastCopy");
    ring = addWrappedCopy(ring, { dekId }, copy(`${pmk}/v2`));
    refused(() => addWrappedCopy(ring, { dekId }, copy(`${pmk}/v2`)), "CopyAlreadyPresent");
    // The index key still has only v1: dropping v1 would strand it.
    refused(() => dropWrappedCopies(ring, { keyId: `${pmk}/v1` }), "LastCopy");
    ring = addWrappedCopy(ring, "indexKey", copy(`${pmk}/v2`));
    const dropped = dropWrappedCopies(ring, { keyId: `${pmk}/v1` });
    expect(hasCopies(dropped, { keyId: `${pmk}/v1` })).toBe(false);
    expect([...keyIdsInUse(dropped).keys()]).toEqual([`${pmk}/v2`]);
    expect(dropped.version).toBe(ring.version + 1);
    refused(() => dropWrappedCopies(dropped, { keyId: `${pmk}/v1` }), "NoMatchingCopies");
    refused(() => addWrappedCopy(dropped, { dekId: newDekId() }, copy(`${pmk}/v3`)), "DekNotInRing");
  });

  it("drops every version of a key after moving to another key", () => {
    let ring = freshRing();
    const old = ring.activeDekId;
    ring = addWrappedCopy(ring, { dekId: old }, copy(`${pmk}/v2`));
    ring = addActiveDek(ring, { dekId: newDekId(), copy: copy(`${cmk}/v1`, "CustomerManaged"), now });
    ring = addWrappedCopy(ring, "indexKey", copy(`${cmk}/v1`, "CustomerManaged"));
    // The retiring DEK is only under the platform key: it must be retired first.
    refused(() => dropWrappedCopies(ring, { versionlessKeyId: pmk }), "LastCopy");
    ring = retireDek(ring, old, now);
    ring = dropWrappedCopies(ring, { versionlessKeyId: pmk });
    expect([...keyIdsInUse(ring).keys()]).toEqual([`${cmk}/v1`]);
    expect(versionlessKeyId(`${cmk}/v1`)).toBe(cmk);
  });

  it("checks ring invariants", () => {
    const ring = freshRing();
    refused(() => assertKeyRing({ ...ring, activeDekId: newDekId() }), "InvalidKeyRing");
    refused(() => assertKeyRing({ ...ring, deks: [...ring.deks, ring.deks[0]] }), "InvalidKeyRing");
    refused(() => assertKeyRing({ ...ring, indexKey: { wrapped: [] } }), "InvalidKeyRing");
    refused(() => assertKeyRing({ ...ring, deks: [{ ...ring.deks[0], wrapped: [copy(`${pmk}/v1`), copy(`${pmk}/v1`)] }] }), "InvalidKeyRing");
    refused(() => assertKeyRing({ ...ring, version: 0 }), "InvalidKeyRing");
  });
});
