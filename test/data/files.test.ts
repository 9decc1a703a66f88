import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { IntegrityError } from "../../shared/crypto/integrityError";
import { testEnvironment } from "./support/environment";
import { collect, rawContainer } from "./support/raw";

const MiB = 1024 * 1024;

async function ready() {
  const t = testEnvironment({ buckets: 8 });
  const env = t.newEnvironmentId();
  await t.data.initialize(env, t.platformKey);
  const container = rawContainer(t.naming.container(env));
  return { ...t, env, container, blobs: () => collect(container.listBlobsFlat({ includeMetadata: true })) };
}

describe("files", () => {
  it.each([0, 1, 1000, 5 * MiB + 7])("round-trip %i bytes", async (size) => {
    const t = await ready();
    const body = new Uint8Array(randomBytes(size));
    await t.data.putFile(t.env, "dir/file.bin", body);
    expect(Buffer.from(await t.data.getFile(t.env, "dir/file.bin")).equals(Buffer.from(body))).toBe(true);
  });

  it("stores one blob per file at files/{bucket}/{blind index}, replaced on overwrite, gone on delete", async () => {
    const t = await ready();
    await t.data.putFile(t.env, "Ordner/Größe 😀.txt", new TextEncoder().encode("v1"));
    await t.data.putFile(t.env, "Ordner/Größe 😀.txt", new TextEncoder().encode("v2"));
    await t.data.putFile(t.env, "other.txt", new Uint8Array(0));
    const blobs = await t.blobs();
    expect(blobs).toHaveLength(2);
    for (const b of blobs) {
      expect(b.name).toMatch(/^files\/000[0-7]\/[0-9a-f]{64}$/);
      expect(b.metadata?.dek).toMatch(/^[A-Za-z0-9_-]{22}$/);
    }
    expect(new TextDecoder().decode(await t.data.getFile(t.env, "Ordner/Größe 😀.txt"))).toBe("v2");
    await t.data.deleteFile(t.env, "Ordner/Größe 😀.txt");
    await expect(t.data.getFile(t.env, "Ordner/Größe 😀.txt")).rejects.toMatchObject({ status: 404, code: "FileNotFound" });
    await expect(t.data.deleteFile(t.env, "Ordner/Größe 😀.txt")).rejects.toMatchObject({ status: 404, code: "FileNotFound" });
    expect(await t.blobs()).toHaveLength(1);
  });

  it("refuse a file's ciphertext copied over another file", async () => {
    const t = await ready();
    await t.data.putFile(t.env, "a.txt", new TextEncoder().encode("A"));
    const [a] = await t.blobs();
    await t.data.putFile(t.env, "b.txt", new TextEncoder().encode("B"));
    const b = (await t.blobs()).find((x) => x.name !== a.name)!;
    const aBytes = await t.container.getBlobClient(a.name).downloadToBuffer();
    await t.container.getBlockBlobClient(b.name).uploadData(aBytes, { metadata: a.metadata });
    const error = await t.data.getFile(t.env, "b.txt").catch((err: unknown) => err);
    expect(error).toBeInstanceOf(IntegrityError);
    expect(new TextDecoder().decode(await t.data.getFile(t.env, "a.txt"))).toBe("A");
  });

  it("refuse bodies over 64 MiB before storing anything", async () => {
    const t = await ready();
    await expect(t.data.putFile(t.env, "huge", new Uint8Array(64 * MiB + 1))).rejects.toMatchObject({ status: 400, code: "FileTooLarge" });
    expect(await t.blobs()).toHaveLength(0);
  });
});
