// Files of an environment, in the environment's blob container:
//   blob name   files/{bucket}/{blind index of the path}   (a bucket is a listable prefix)
//   content     the envelope (path and bytes inside, see payloads.ts)
//   metadata    dek = id of the DEK the envelope is under (the header says the same; checked on read)
// A file is one blob written in one request, so content and metadata change together.
import type { BlobClient, ContainerClient, ContainerListBlobFlatSegmentResponse } from "@azure/storage-blob";
import { bucketOf, fileIndex } from "../crypto/blindIndex";
import { openEnvelope, peekDekId, sealEnvelope } from "../crypto/envelope";
import { IntegrityError } from "../crypto/integrityError";
import type { BindingContext } from "../crypto/aad";
import type { Dek } from "../crypto/dek";
import { contention, notFound } from "../errors";
import type { RingKeys } from "./dekResolver";
import { bucketKey, type StorageNaming } from "./naming";
import { decodeFilePayload, encodeFilePayload } from "./payloads";
import { containerClient, ignoreNotFound, ensureContainer, isConflict, isNotFound, type StorageRef } from "../storage/clients";

const PREFIX = "files/";
const MAX_ATTEMPTS = 8;

/** A file blob found by a partition scan. */
export interface FileBlob {
  name: string;
  dekId: string | undefined;
  /** Bytes stored (the envelope), as listed. */
  size: number;
}

const fileIndexOfName = (name: string) => name.slice(name.lastIndexOf("/") + 1);

const contextOf = (environmentId: string, index: string): BindingContext => ({ environmentId, store: "files", container: index, itemId: "" });

async function download(blob: BlobClient): Promise<{ envelope: Uint8Array; etag: string; dekId: string | undefined } | undefined> {
  try {
    const response = await blob.download();
    const chunks: Buffer[] = [];
    for await (const chunk of response.readableStreamBody!) chunks.push(chunk as Buffer);
    return { envelope: new Uint8Array(Buffer.concat(chunks)), etag: response.etag!, dekId: response.metadata?.dek };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export class FileStore {
  constructor(private readonly deps: { connectionString: StorageRef; naming: StorageNaming }) {}

  container(environmentId: string): ContainerClient {
    return containerClient(this.deps.connectionString, this.deps.naming.container(environmentId));
  }

  async ensure(environmentId: string): Promise<void> {
    await ensureContainer(this.container(environmentId));
  }

  private async locate(keys: RingKeys, path: string): Promise<{ name: string; index: string }> {
    const index = fileIndex(await keys.indexKey(), keys.ring.environmentId, path);
    return { name: `${PREFIX}${bucketKey(bucketOf(index, keys.ring.buckets))}/${index}`, index };
  }

  private async upload(environmentId: string, name: string, envelope: Uint8Array, dekId: string, ifMatch?: string): Promise<void> {
    await this.container(environmentId).getBlockBlobClient(name).uploadData(envelope, {
      metadata: { dek: dekId },
      blobHTTPHeaders: { blobContentType: "application/octet-stream" },
      ...(ifMatch ? { conditions: { ifMatch } } : {}),
    });
  }

  /**
   * Decrypts a downloaded blob and checks that the path inside is the one its name stands for.
   * Public for restore and copy (shared/backups), which read envelopes found by scanning.
   */
  async open(keys: RingKeys, name: string, envelope: Uint8Array, metadataDek: string | undefined): Promise<{ path: string; body: Uint8Array; plaintext: Uint8Array }> {
    const { environmentId } = keys.ring;
    const dekId = peekDekId(envelope);
    // The metadata is the index usage counts read; it must agree with the authenticated header.
    if (metadataDek !== dekId) throw new IntegrityError("Malformed", `File blob ${name} says DEK ${metadataDek} but its ciphertext names DEK ${dekId}`);
    const index = fileIndexOfName(name);
    const plaintext = openEnvelope({ envelope, dek: await keys.dekFor(dekId), context: contextOf(environmentId, index) });
    const payload = decodeFilePayload(plaintext);
    // Postcondition: the file is the one stored under this name (the AAD binds the index; this
    // binds the path to it).
    if (fileIndex(await keys.indexKey(), environmentId, payload.path) !== index) {
      throw new IntegrityError("LocationMismatch", `File blob ${name} holds a file that belongs elsewhere`);
    }
    return { ...payload, plaintext };
  }

  /** Writes a file under the ring's active DEK; the last writer wins. */
  async put(keys: RingKeys, path: string, body: Uint8Array): Promise<void> {
    const { environmentId } = keys.ring;
    const { name, index } = await this.locate(keys, path);
    const dek = await keys.activeDek();
    const envelope = sealEnvelope({ dek, context: contextOf(environmentId, index), plaintext: encodeFilePayload(path, body) });
    await this.upload(environmentId, name, envelope, dek.id);
  }

  async get(keys: RingKeys, path: string): Promise<Uint8Array> {
    const { name } = await this.locate(keys, path);
    const found = await download(this.container(keys.ring.environmentId).getBlobClient(name));
    if (!found) throw notFound("FileNotFound", `There is no file ${JSON.stringify(path)}.`, "path");
    return (await this.open(keys, name, found.envelope, found.dekId)).body;
  }

  async delete(keys: RingKeys, path: string): Promise<void> {
    const { name } = await this.locate(keys, path);
    const deleted = await this.container(keys.ring.environmentId).getBlobClient(name).deleteIfExists();
    if (!deleted.succeeded) throw notFound("FileNotFound", `There is no file ${JSON.stringify(path)}.`, "path");
  }

  // ---- whole-partition primitives (re-encryption, usage counts, deletion) ----

  async scanPartition(environmentId: string, bucket: number, maxItems: number, continuation?: string): Promise<{ blobs: FileBlob[]; continuation?: string }> {
    const pages = this.container(environmentId)
      .listBlobsFlat({ prefix: `${PREFIX}${bucketKey(bucket)}/`, includeMetadata: true })
      .byPage({ maxPageSize: maxItems, continuationToken: continuation });
    const page = (await pages.next()).value as ContainerListBlobFlatSegmentResponse | undefined;
    const blobs = (page?.segment.blobItems ?? []).map((b) => ({ name: b.name, dekId: b.metadata?.dek, size: b.properties.contentLength ?? 0 }));
    return { blobs, continuation: page?.continuationToken || undefined };
  }

  /** Re-seals one file under `target` unless it already is, with If-Match: a user write in between wins. */
  async rewrite(keys: RingKeys, blob: FileBlob, target: Dek): Promise<"rewritten" | "skipped"> {
    const { environmentId } = keys.ring;
    if (blob.dekId === target.id) return "skipped";
    const client = this.container(environmentId).getBlobClient(blob.name);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const found = await download(client);
      if (!found || found.dekId === target.id) return "skipped";
      const { plaintext } = await this.open(keys, blob.name, found.envelope, found.dekId);
      const envelope = sealEnvelope({ dek: target, context: contextOf(environmentId, fileIndexOfName(blob.name)), plaintext });
      try {
        await this.upload(environmentId, blob.name, envelope, target.id, found.etag);
        return "rewritten";
      } catch (err) {
        // 412: a user replaced the file since we read it; 404: deleted. Re-read and decide again.
        if (!isConflict(err) && !isNotFound(err)) throw err;
      }
    }
    throw contention("FileWriteConflict", `File blob ${blob.name} kept changing during re-encryption; rerun the partition.`);
  }

  /** One page of a bucket's files (or, bucket undefined, all), only their DEK ids (blob metadata): what counting by DEK needs. */
  async dekIdsPage(environmentId: string, bucket: number | undefined, maxItems: number, continuation?: string): Promise<{ dekIds: string[]; continuation?: string }> {
    let out: { dekIds: string[]; continuation?: string } = { dekIds: [] };
    await ignoreNotFound(async () => {
      const pages = this.container(environmentId)
        .listBlobsFlat({ prefix: bucket === undefined ? PREFIX : `${PREFIX}${bucketKey(bucket)}/`, includeMetadata: true })
        .byPage({ maxPageSize: maxItems, continuationToken: continuation });
      const page = (await pages.next()).value as ContainerListBlobFlatSegmentResponse | undefined;
      const dekIds = (page?.segment.blobItems ?? []).map((b) => String(b.metadata?.dek));
      out = { dekIds, ...(page?.continuationToken ? { continuation: page.continuationToken } : {}) };
    });
    return out;
  }

  async countByDek(environmentId: string): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    await ignoreNotFound(async () => {
      for await (const blob of this.container(environmentId).listBlobsFlat({ prefix: PREFIX, includeMetadata: true })) {
        const dek = String(blob.metadata?.dek);
        counts.set(dek, (counts.get(dek) ?? 0) + 1);
      }
    });
    return counts;
  }

  async deleteAll(environmentId: string): Promise<void> {
    const container = this.container(environmentId);
    await ignoreNotFound(async () => {
      for await (const blob of container.listBlobsFlat({ prefix: PREFIX })) await container.getBlobClient(blob.name).deleteIfExists();
    });
  }
}
