// The pure rules of how a backup's keys follow a key change (shared/dataOperations/manifest.ts): a copy
// under the new version for every key; a customer key's superseded copies kept 28 days after a
// rotation and 30 after leaving the key; the platform key's dropped once a customer key protects
// the backup; reruns change nothing and never extend a date; expired copies pruned, never the last.
import { describe, expect, it } from "vitest";
import { followKey, pruneRetained, unwrapOrder, INDEX_OWNER, type BackupCopy, type BackupKeySet } from "../../shared/dataOperations/manifest";
import { customerKeyOfBackup } from "../../shared/dataOperations/admission";
import type { KeySource, WrappedCopy } from "../../shared/crypto/keyRing";

const DAY = 86_400_000;
const T0 = new Date("2030-01-01T00:00:00.000Z");
const PMK: KeySource = { kind: "PlatformManaged" };
const P1: KeySource = { kind: "CustomerManaged", policy: "p1" };
const P2: KeySource = { kind: "CustomerManaged", policy: "p2" };
const keyId = (vault: string, version: string) => `https://${vault}.vault.azure.net/keys/k/${version}`;

const copy = (source: KeySource, id: string, extra: Partial<BackupCopy> = {}): BackupCopy =>
  ({ wrapped: Buffer.from(id).toString("base64"), keyId: id, algorithm: "RSA-OAEP-256", source, addedAt: T0.toISOString(), ...extra });
const keySet = (...copies: BackupCopy[]): BackupKeySet => ({ deks: [{ dekId: "dek1", wrapped: copies }], indexKey: { wrapped: copies } });
const added = (source: KeySource, id: string) => new Map<string, WrappedCopy>([["dek1", copy(source, id)], [INDEX_OWNER, copy(source, id)]]);

describe("backup keys following a key change", () => {
  it("a rotation adds the new version and keeps the old one 28 days", () => {
    const v1 = keyId("a", "v1"), v2 = keyId("a", "v2");
    const next = followKey(keySet(copy(P1, v1)), added(P1, v2), { keyId: v2, source: P1 }, "Rotation", T0);
    const dek = next.deks[0].wrapped;
    expect(dek.map((c) => [c.keyId, c.retainUntil ?? null, c.retainReason ?? null])).toEqual([
      [v1, new Date(T0.getTime() + 28 * DAY).toISOString(), "Rotation"], [v2, null, null],
    ]);
    expect(unwrapOrder(dek)[0].keyId).toBe(v2);
    // A rerun a day later changes nothing, and extends no date.
    expect(followKey(next, new Map(), { keyId: v2, source: P1 }, "Rotation", new Date(T0.getTime() + DAY))).toEqual(next);
  });

  it("leaving a customer key keeps its copies 30 days; the platform key's are dropped when a customer key takes over", () => {
    const v1 = keyId("a", "v1"), pm = keyId("platform", "p"), b1 = keyId("b", "x");
    const removed = followKey(keySet(copy(P1, v1)), added(PMK, pm), { keyId: pm, source: PMK }, "Removal", T0);
    expect(removed.indexKey.wrapped.map((c) => [c.keyId, c.retainReason ?? null])).toEqual([[v1, "Removal"], [pm, null]]);
    expect(removed.indexKey.wrapped[0].retainUntil).toBe(new Date(T0.getTime() + 30 * DAY).toISOString());
    expect(customerKeyOfBackup({ keys: removed } as never)).toBeUndefined();
    // Then added to another policy: the platform copy goes, the first key's retained copy stays until its date.
    const added2 = followKey(removed, added(P2, b1), { keyId: b1, source: P2 }, "Removal", new Date(T0.getTime() + DAY));
    expect(added2.indexKey.wrapped.map((c) => [c.keyId, c.retainReason ?? null])).toEqual([[v1, "Removal"], [b1, null]]);
    expect(added2.indexKey.wrapped[0].retainUntil).toBe(removed.indexKey.wrapped[0].retainUntil);
    expect(customerKeyOfBackup({ keys: added2 } as never)).toBe("https://b.vault.azure.net/keys/k");
  });

  it("refuses to follow without a copy under the new version, revives a retained copy, prunes expired ones but never the last", () => {
    const v1 = keyId("a", "v1"), v2 = keyId("a", "v2");
    expect(() => followKey(keySet(copy(P1, v1)), new Map(), { keyId: v2, source: P1 }, "Rotation", T0)).toThrow(/No copy under/);
    const retained = keySet(copy(P1, v1, { retainUntil: new Date(T0.getTime() + DAY).toISOString(), retainReason: "Removal" }), copy(PMK, keyId("platform", "p")));
    const back = followKey(retained, new Map(), { keyId: v1, source: P1 }, "Removal", T0);
    expect(back.deks[0].wrapped.map((c) => [c.keyId, c.retainUntil ?? null])).toEqual([[v1, null]]);
    const old = keySet(copy(P1, v1, { retainUntil: new Date(T0.getTime() - 1).toISOString(), retainReason: "Rotation" }), copy(P1, v2));
    expect(pruneRetained(old, T0).deks[0].wrapped.map((c) => c.keyId)).toEqual([v2]);
    const lone = keySet(copy(P1, v1, { retainUntil: new Date(T0.getTime() - 1).toISOString(), retainReason: "Rotation" }));
    expect(pruneRetained(lone, T0).deks[0].wrapped).toHaveLength(1);
  });
});
