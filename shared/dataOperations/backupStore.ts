// The blobs of backups (layout.ts): manifests read and written with their ETag (If-Match), record
// segments, file envelopes, listing and deletion. No crypto here: what it moves is ciphertext.
import type { ContainerClient, ContainerListBlobFlatSegmentResponse } from "@azure/storage-blob";
import { contention, needs } from "../errors";
import { containerClient, ensureContainer, isConflict, isNotFound, type StorageRef } from "../storage/clients";
import type { StorageNaming } from "../data/naming";
import { backupPaths, backupsContainerName, BACKUP_FORMAT, MANIFEST, type BackupPaths } from "./layout";
import { assertBackupKeySet, type BackupManifest } from "./manifest";

/** One record row as a backup keeps it: the row's storage keys, its DEK id and its envelope. */
export interface BackupRecordLine {
  pk: string;
  rk: string;
  tx: string;
  dek: string;
  /** base64 of the envelope. */
  e: string;
}

const MAX_ATTEMPTS = 32;

function parseManifest(text: string, where: string): BackupManifest {
  const m = JSON.parse(text) as BackupManifest;
  if (m?.format !== BACKUP_FORMAT || typeof m.backupId !== "string" || typeof m.environmentId !== "string") throw new Error(`${where} is not a keyward backup manifest`);
  assertBackupKeySet(m.keys);
  return m;
}

export class BackupStore {
  private readonly container: ContainerClient;
  private ready?: Promise<void>;

  constructor(private readonly deps: { connectionString: StorageRef; storagePrefix: string; naming: StorageNaming }) {
    this.container = containerClient(deps.connectionString, backupsContainerName(deps.storagePrefix));
  }

  get containerName(): string {
    return this.container.containerName;
  }

  paths(environmentId: string, backupId: string): BackupPaths {
    return backupPaths(this.deps.naming.container(environmentId), backupId);
  }

  private async ensure(): Promise<ContainerClient> {
    this.ready ??= ensureContainer(this.container).catch((err) => {
      this.ready = undefined;
      throw err;
    });
    await this.ready;
    return this.container;
  }

  // ---- manifests ----

  async readManifest(environmentId: string, backupId: string): Promise<{ manifest: BackupManifest; etag: string } | undefined> {
    const path = this.paths(environmentId, backupId).manifest;
    try {
      const blob = (await this.ensure()).getBlobClient(path);
      const response = await blob.download();
      const chunks: Buffer[] = [];
      for await (const chunk of response.readableStreamBody!) chunks.push(chunk as Buffer);
      const manifest = parseManifest(Buffer.concat(chunks).toString("utf8"), path);
      needs((manifest.storedUnder ?? manifest.environmentId) === environmentId && manifest.backupId === backupId,
        `the manifest is the one stored under this environment, not a copied blob: ${path} holds the manifest of ${manifest.storedUnder ?? manifest.environmentId}/${manifest.backupId}`);
      return { manifest, etag: response.etag! };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Writes a new manifest where it says it is stored; false when one exists already (a rerun). */
  async createManifest(manifest: BackupManifest): Promise<boolean> {
    const home = manifest.storedUnder ?? manifest.environmentId;
    assertBackupKeySet(manifest.keys);
    const body = JSON.stringify(manifest);
    try {
      await (await this.ensure()).getBlockBlobClient(this.paths(home, manifest.backupId).manifest)
        .upload(body, Buffer.byteLength(body), { conditions: { ifNoneMatch: "*" }, blobHTTPHeaders: { blobContentType: "application/json" } });
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  /**
   * Read-modify-write with If-Match, re-running `mutate` on a concurrent change (a rotation's
   * re-wrap and a backup's completion may meet). `mutate` returns undefined to leave it alone.
   */
  async updateManifest(environmentId: string, backupId: string, mutate: (m: BackupManifest) => BackupManifest | undefined | Promise<BackupManifest | undefined>): Promise<BackupManifest | undefined> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.readManifest(environmentId, backupId);
      if (!current) return undefined;
      const next = await mutate(current.manifest);
      if (next === undefined) return current.manifest;
      assertBackupKeySet(next.keys);
      const body = JSON.stringify(next);
      try {
        await this.container.getBlockBlobClient(this.paths(environmentId, backupId).manifest)
          .upload(body, Buffer.byteLength(body), { conditions: { ifMatch: current.etag }, blobHTTPHeaders: { blobContentType: "application/json" } });
        return next;
      } catch (err) {
        if (!isConflict(err)) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * 10 * (attempt + 1)));
      }
    }
    throw contention("BackupManifestContention", `The manifest of backup ${backupId} kept changing; retry.`, "backupId", 1);
  }

  /** The manifests of one environment's backups, oldest first. */
  async listManifests(environmentId: string): Promise<BackupManifest[]> {
    return this.manifestsUnder(backupPaths(this.deps.naming.container(environmentId), "x").environment);
  }

  private async manifestsUnder(prefix: string): Promise<BackupManifest[]> {
    const container = await this.ensure();
    const out: BackupManifest[] = [];
    for await (const blob of container.listBlobsFlat({ prefix })) {
      if (!blob.name.endsWith(`/${MANIFEST}`)) continue;
      const buffer = await container.getBlobClient(blob.name).downloadToBuffer().catch((err: unknown) => {
        if (isNotFound(err)) return undefined; // deleted meanwhile
        throw err;
      });
      if (buffer) out.push(parseManifest(buffer.toString("utf8"), blob.name));
    }
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  // ---- records: NDJSON segments per bucket ----

  async writeRecordSegment(environmentId: string, backupId: string, bucket: number, segment: number, lines: BackupRecordLine[]): Promise<void> {
    const body = lines.map((l) => JSON.stringify(l)).join("\n");
    await (await this.ensure()).getBlockBlobClient(this.paths(environmentId, backupId).recordSegment(bucket, segment))
      .upload(body, Buffer.byteLength(body), { blobHTTPHeaders: { blobContentType: "application/x-ndjson" } });
  }

  /** The segment, or undefined past the last one. */
  async readRecordSegment(environmentId: string, backupId: string, bucket: number, segment: number): Promise<BackupRecordLine[] | undefined> {
    try {
      const text = (await (await this.ensure()).getBlobClient(this.paths(environmentId, backupId).recordSegment(bucket, segment)).downloadToBuffer()).toString("utf8");
      return text === "" ? [] : text.split("\n").map((line) => JSON.parse(line) as BackupRecordLine);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  // ---- files: one blob per file envelope ----

  async writeFile(environmentId: string, backupId: string, bucket: number, index: string, envelope: Uint8Array, dekId: string): Promise<void> {
    await (await this.ensure()).getBlockBlobClient(this.paths(environmentId, backupId).file(bucket, index))
      .uploadData(envelope, { metadata: { dek: dekId }, blobHTTPHeaders: { blobContentType: "application/octet-stream" } });
  }

  async listFiles(environmentId: string, backupId: string, bucket: number, maxItems: number, continuation?: string): Promise<{ names: string[]; continuation?: string }> {
    const pages = (await this.ensure()).listBlobsFlat({ prefix: this.paths(environmentId, backupId).fileBucket(bucket) })
      .byPage({ maxPageSize: maxItems, continuationToken: continuation });
    const page = (await pages.next()).value as ContainerListBlobFlatSegmentResponse | undefined;
    return { names: (page?.segment.blobItems ?? []).map((b) => b.name), continuation: page?.continuationToken || undefined };
  }

  async readFile(name: string): Promise<{ envelope: Uint8Array; dekId: string | undefined }> {
    const response = await (await this.ensure()).getBlobClient(name).download();
    const chunks: Buffer[] = [];
    for await (const chunk of response.readableStreamBody!) chunks.push(chunk as Buffer);
    return { envelope: new Uint8Array(Buffer.concat(chunks)), dekId: response.metadata?.dek };
  }

  // ---- deletion ----

  /** Deletes every blob under the prefix; returns how many. */
  private async deleteUnder(prefix: string): Promise<number> {
    const container = await this.ensure();
    let n = 0;
    for await (const blob of container.listBlobsFlat({ prefix })) {
      await container.getBlobClient(blob.name).deleteIfExists();
      n++;
    }
    return n;
  }

  /** Deletes one backup: its data first, the manifest last (so a crash leaves a listed backup to delete again). */
  async deleteBackup(environmentId: string, backupId: string): Promise<void> {
    const paths = this.paths(environmentId, backupId);
    const container = await this.ensure();
    for await (const blob of container.listBlobsFlat({ prefix: paths.root })) {
      if (blob.name !== paths.manifest) await container.getBlobClient(blob.name).deleteIfExists();
    }
    await container.getBlobClient(paths.manifest).deleteIfExists();
  }

  /** Deletes every backup of the environment, and any blob left under its prefix. */
  async deleteAllOf(environmentId: string): Promise<number> {
    const manifests = await this.listManifests(environmentId);
    for (const m of manifests) await this.deleteBackup(environmentId, m.backupId);
    await this.deleteUnder(backupPaths(this.deps.naming.container(environmentId), "x").environment);
    return manifests.length;
  }

  /**
   * Deletes at most `maxBlobs` of the environment's backup blobs (a bounded page of a retired
   * generation's cleanup): returns how many blobs and how many manifests went, and whether any
   * remain. No continuation is needed: what is deleted no longer lists.
   */
  async deletePageOf(environmentId: string, maxBlobs: number): Promise<{ deleted: number; manifests: number; done: boolean }> {
    needs(Number.isInteger(maxBlobs) && maxBlobs > 0, "a page deletes at least one blob");
    const container = await this.ensure();
    const pages = container.listBlobsFlat({ prefix: backupPaths(this.deps.naming.container(environmentId), "x").environment }).byPage({ maxPageSize: maxBlobs });
    const page = (await pages.next()).value as ContainerListBlobFlatSegmentResponse | undefined;
    const names = (page?.segment.blobItems ?? []).map((b) => b.name).slice(0, maxBlobs);
    for (const name of names) await container.getBlobClient(name).deleteIfExists();
    return { deleted: names.length, manifests: names.filter((n) => n.endsWith(`/${MANIFEST}`)).length, done: names.length < maxBlobs && !page?.continuationToken };
  }

  /** Blob names under the environment's prefix (tests prove deletion with it). */
  async blobNamesOf(environmentId: string): Promise<string[]> {
    const container = await this.ensure();
    const names: string[] = [];
    for await (const blob of container.listBlobsFlat({ prefix: backupPaths(this.deps.naming.container(environmentId), "x").environment })) names.push(blob.name);
    return names;
  }
}
