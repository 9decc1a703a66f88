import { describe, expect, it } from "vitest";
import { TableClient } from "@azure/data-tables";
import { KeyRingRepository } from "../../shared/data/keyRingRepository";
import { addActiveDek, addWrappedCopy, createKeyRing, findDek, type KeyRing } from "../../shared/crypto/keyRing";
import { generateWrappedDek, wrapVerified } from "../../shared/crypto/wrapping";
import { generateIndexKey } from "../../shared/crypto/blindIndex";
import { KeywardError } from "../../shared/errors";
import { testStorage, uniquePrefix } from "../support/storage";
import { RsaTestKey } from "./support/rsaKeyWrapper";

const platform = { kind: "PlatformManaged" as const };
const key = new RsaTestKey("platform", "pmk");

async function newRing(environmentId: string): Promise<KeyRing> {
  const dek = await generateWrappedDek(key, platform);
  const indexKeyCopy = await wrapVerified(key, generateIndexKey(), platform);
  return createKeyRing({ environmentId, dekId: dek.dekId, dekCopy: dek.copy, indexKeyCopy, buckets: 16, now: new Date() });
}

function repository() {
  const tableName = uniquePrefix("rings");
  return { tableName, repo: new KeyRingRepository({ connectionString: testStorage(), tableName }) };
}

describe("key ring repository", () => {
  it("creates, reads and refuses a second ring for one environment", async () => {
    const { repo } = repository();
    const ring = await newRing("env-a");
    expect(await repo.read("env-a")).toBeUndefined();
    await repo.create(ring);
    expect(await repo.read("env-a")).toEqual(ring);
    await expect(repo.create(await newRing("env-a"))).rejects.toMatchObject({ status: 409, code: "KeyRingExists" });
    expect(await repo.read("env-a")).toEqual(ring);
  });

  it("updates through a mutator and refuses mutators that break the rules", async () => {
    const { repo } = repository();
    const ring = await repo.create(await newRing("env-b"));
    const dek = await generateWrappedDek(key, platform);
    const next = await repo.update("env-b", (r) => addActiveDek(r, { dekId: dek.dekId, copy: dek.copy, now: new Date() }));
    expect(next.version).toBe(2);
    expect(await repo.read("env-b")).toEqual(next);
    // Returning the ring unchanged writes nothing.
    expect(await repo.update("env-b", (r) => r)).toEqual(next);
    await expect(repo.update("env-b", (r) => r.version === 2 ? { ...r } : r)).rejects.toThrow(/higher version/);
    await expect(repo.update("env-b", (r) => ({ ...r, environmentId: "env-c", version: r.version + 1 }))).rejects.toThrow(/environment id/);
    await expect(repo.update("env-b", (r) => ({ ...r, activeDekId: ring.activeDekId, version: r.version + 1 }))).rejects.toThrow(/active/);
    await expect(repo.update("nope", (r) => r)).rejects.toMatchObject({ status: 404, code: "KeyRingNotFound" });
    expect(await repo.read("env-b")).toEqual(next);
  });

  it("never loses a DEK to concurrent writers (20 parallel updates)", async () => {
    const { repo } = repository();
    await repo.create(await newRing("env-c"));
    const deks = await Promise.all(Array.from({ length: 20 }, () => generateWrappedDek(key, platform)));
    await Promise.all(deks.map((dek) => repo.update("env-c", (r) => addActiveDek(r, { dekId: dek.dekId, copy: dek.copy, now: new Date() }))));
    const ring = (await repo.read("env-c"))!;
    expect(ring.version).toBe(21);
    expect(ring.deks).toHaveLength(21);
    for (const dek of deks) expect(findDek(ring, dek.dekId)).toBeDefined();
    expect(ring.deks.filter((d) => d.state === "active")).toHaveLength(1);
  });

  it("spills a ring over 64 KiB over several properties and reads it back", async () => {
    const { repo, tableName } = repository();
    let ring = await repo.create(await newRing("env-d"));
    const rotated = new RsaTestKey("platform", "big");
    const copies = await Promise.all(Array.from({ length: 150 }, () => generateWrappedDek(rotated, platform)));
    ring = await repo.update("env-d", (r) => copies.reduce((acc, dek) => addActiveDek(acc, { dekId: dek.dekId, copy: dek.copy, now: new Date() }), r));
    rotated.rotate();
    ring = await repo.update("env-d", async (r) => addWrappedCopy(r, "indexKey", await wrapVerified(rotated, generateIndexKey(), platform)));
    expect(await repo.read("env-d")).toEqual(ring);

    const raw = await TableClient.fromConnectionString(testStorage(), tableName, { allowInsecureConnection: true }).getEntity<Record<string, unknown>>("env-d", "keyring");
    expect(raw.chunks).toBeGreaterThan(2);
    for (let i = 0; i < Number(raw.chunks); i++) expect((raw[`json${i}`] as string).length).toBeLessThanOrEqual(30_000);
  });

  it("refuses environment ids that are not platform ids", async () => {
    const { repo } = repository();
    await expect(repo.read("a/b")).rejects.toBeInstanceOf(KeywardError);
    await expect(repo.read("")).rejects.toMatchObject({ code: "InvalidEnvironmentId" });
  });
});
