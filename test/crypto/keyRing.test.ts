import { describe, expect, it } from "vitest";
import {
  KeyRingError,
  MAX_DEK_ENCRYPTIONS,
  activeLineage,
  addActiveDek,
  addWrappedCopy,
  assertKeyRing,
  createKeyRing,
  dropWrappedCopies,
  findDek,
  hasCopies,
  keyIdsInUse,
  reserveEncryptions,
  retireDek,
  retiringDekIds,
  rollOverDek,
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

describe("key ring: DEK encryption limits and rollover", () => {
  it("counts reserved encryptions under the active DEK, never past the limit", () => {
    const ring = freshRing();
    const dekId = ring.activeDekId;
    const once = reserveEncryptions(ring, dekId, 600, 1000);
    expect(findDek(once, dekId)!.encryptions).toBe(600);
    expect(once.version).toBe(ring.version + 1);
    expect(findDek(ring, dekId)!.encryptions).toBeUndefined(); // input untouched
    const full = reserveEncryptions(once, dekId, 400, 1000);
    expect(findDek(full, dekId)!.encryptions).toBe(1000);
    refused(() => reserveEncryptions(full, dekId, 1, 1000), "DekLimitReached");
    // A lowered limit refuses at once, so the next write rolls over.
    refused(() => reserveEncryptions(once, dekId, 1, 500), "DekLimitReached");
    refused(() => reserveEncryptions(once, dekId, 0, 1000), "InvalidKeyRing");
    refused(() => reserveEncryptions(once, dekId, 1, MAX_DEK_ENCRYPTIONS + 1), "InvalidKeyRing");
  });

  it("only the active DEK encrypts", () => {
    const ring = addActiveDek(freshRing(), { dekId: newDekId(), copy: copy(`${cmk}/v1`, "CustomerManaged"), now });
    const retiring = retiringDekIds(ring)[0];
    refused(() => reserveEncryptions(ring, retiring, 1, 1000), "DekIsActive");
  });

  it("rolls a full DEK over to a fresh one under the same key versions; the old one stays readable", () => {
    let ring = freshRing();
    const first = ring.activeDekId;
    ring = addWrappedCopy(ring, { dekId: first }, copy(`${cmk}/v1`, "CustomerManaged"));
    const second = newDekId();
    const sameVersions = [copy(`${cmk}/v1`, "CustomerManaged"), copy(`${pmk}/v1`)];
    // Not before its limit: a DEK with room left is not replaced.
    refused(() => rollOverDek(ring, { dekId: second, copies: sameVersions, now, limit: 1000, reserve: 100 }), "InvalidKeyRing");
    ring = reserveEncryptions(ring, first, 950, 1000);
    // The new DEK must depend on exactly the keys the old one did.
    refused(() => rollOverDek(ring, { dekId: second, copies: [copy(`${pmk}/v1`)], now, limit: 1000, reserve: 100 }), "RolloverCopiesDiffer");
    refused(() => rollOverDek(ring, { dekId: second, copies: [copy(`${pmk}/v2`), copy(`${cmk}/v1`, "CustomerManaged")], now, limit: 1000, reserve: 100 }), "RolloverCopiesDiffer");
    const rolled = rollOverDek(ring, { dekId: second, copies: sameVersions, now, limit: 1000, reserve: 100 });
    expect(rolled.activeDekId).toBe(second);
    expect(rolled.version).toBe(ring.version + 1);
    expect(findDek(rolled, second)).toMatchObject({ state: "active", encryptions: 100, rolledOverFrom: first });
    expect(findDek(rolled, first)).toMatchObject({ state: "retiring", encryptions: 950 });
    expect(findDek(rolled, first)!.wrapped).toHaveLength(2);
    expect(activeLineage(rolled)).toEqual([second, first]);
    expect(activeLineage(ring)).toEqual([first]);
  });

  it("a rekey's new DEK starts a new lineage; a retired DEK ends one", () => {
    let ring = freshRing();
    const first = ring.activeDekId;
    ring = reserveEncryptions(ring, first, 10, 10);
    const second = newDekId();
    ring = rollOverDek(ring, { dekId: second, copies: [copy(`${pmk}/v1`)], now, limit: 10, reserve: 1 });
    const third = newDekId();
    ring = addActiveDek(ring, { dekId: third, copy: copy(`${cmk}/v1`, "CustomerManaged"), now });
    expect(activeLineage(ring)).toEqual([third]);
    const fourth = newDekId();
    ring = reserveEncryptions(ring, third, 10, 10);
    ring = rollOverDek(ring, { dekId: fourth, copies: [copy(`${cmk}/v1`, "CustomerManaged")], now, limit: 10, reserve: 1 });
    ring = retireDek(ring, first, now);
    expect(activeLineage(ring)).toEqual([fourth, third]);
  });

  it("checks the count and the rollover link among the ring invariants", () => {
    const ring = freshRing();
    const dek = ring.deks[0];
    refused(() => assertKeyRing({ ...ring, deks: [{ ...dek, encryptions: -1 }] }), "InvalidKeyRing");
    refused(() => assertKeyRing({ ...ring, deks: [{ ...dek, encryptions: 1.5 }] }), "InvalidKeyRing");
    refused(() => assertKeyRing({ ...ring, deks: [{ ...dek, encryptions: MAX_DEK_ENCRYPTIONS + 1 }] }), "InvalidKeyRing");
    refused(() => assertKeyRing({ ...ring, deks: [{ ...dek, rolledOverFrom: dek.dekId }] }), "InvalidKeyRing");
    refused(() => assertKeyRing({ ...ring, deks: [{ ...dek, rolledOverFrom: newDekId() }] }), "InvalidKeyRing");
    expect(assertKeyRing({ ...ring, deks: [{ ...dek, encryptions: MAX_DEK_ENCRYPTIONS }] })).toBeTruthy();
  });
});
