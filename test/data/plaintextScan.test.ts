// Nothing readable reaches storage: write distinctive names and values through the facade, then
// read every entity and blob of the environment (and the key ring table) straight from Azurite and
// look for them, in UTF-8, UTF-16, hex and base64 at every alignment, and for the raw keys.
import { describe, expect, it } from "vitest";
import { createDataContext } from "../../shared/data/context";
import { testEnvironment } from "./support/environment";
import { allEntities, collect, rawContainer } from "./support/raw";

/** The base64 text of `needle` wherever it sits in a longer base64 stream (all 3 alignments). */
function base64Forms(needle: Buffer): string[] {
  return [0, 1, 2].map((pad) => {
    const b64 = Buffer.concat([Buffer.alloc(pad), needle]).toString("base64");
    // Keep only the quads made of needle bytes alone.
    const start = Math.ceil(pad / 3) * 4;
    const end = Math.floor((pad + needle.length) / 3) * 4;
    return b64.slice(start, end);
  });
}

function forms(needle: Buffer): Buffer[] {
  const b64 = base64Forms(needle);
  return [needle, Buffer.from(needle.toString("hex")), ...b64.map((s) => Buffer.from(s)), ...b64.map((s) => Buffer.from(s.replace(/\+/g, "-").replace(/\//g, "_")))];
}

/** Every byte a storage reader could see: keys, property names and values, blob names, metadata, contents. */
function flatten(value: unknown, out: Buffer[]): void {
  if (value instanceof Uint8Array) {
    out.push(Buffer.from(value), Buffer.from(Buffer.from(value).toString("base64")));
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      out.push(Buffer.from(k));
      flatten(v, out);
    }
  } else if (value !== undefined && value !== null) {
    const s = String(value);
    out.push(Buffer.from(s, "utf8"), Buffer.from(s, "utf16le"));
  }
}

describe("plaintext scan of storage", () => {
  it("finds no name, value or key of an environment anywhere in its storage", async () => {
    const t = testEnvironment({ buckets: 4 });
    const env = t.newEnvironmentId();
    await t.data.initialize(env, t.platformKey);

    const table = "CanaryTable-Ω-4f1d";
    const recordIds = ["canary-record-id-9c2e", "Kundennummer-Ω-77aa"];
    const values = ["CANARY-VALUE-b7e31f", "Straße-Ω-CANARY-5d"];
    const bigValue = `CANARY-SPILLED-${"q".repeat(80 * 1024)}-END`;
    const paths = ["canary-dir-3a8b/secret-file-0c9d.txt", "Verträge/Ω-canary-71c0.pdf"];
    const fileBodies = ["CANARY-FILE-BODY-e4d2", "CANARY-FILE-2-Ω-19f0"];

    for (const id of recordIds) await t.data.putRecord(env, table, id, { value: values[0], other: values[1] });
    await t.data.putRecord(env, table, "big-canary-record", bigValue);
    for (const [i, path] of paths.entries()) await t.data.putFile(env, path, new TextEncoder().encode(fileBodies[i]));
    // Everything reads back, so the scan looks at real data.
    expect(await t.data.getRecord(env, table, recordIds[1])).toEqual({ value: values[0], other: values[1] });
    expect(await t.data.getRecord(env, table, "big-canary-record")).toBe(bigValue);

    const ctx = createDataContext(t.deps);
    const keys = await ctx.keys.keysFor(env);
    const secrets = [...(await Promise.all(keys.ring.deks.map(async (d) => Buffer.from((await keys.dekFor(d.dekId)).key)))), Buffer.from(await keys.indexKey())];

    const haystack: Buffer[] = [];
    for (const entity of await allEntities(t.naming.recordTable(env))) flatten(entity, haystack);
    for (const entity of await allEntities(t.deps.keyRingTable!)) flatten(entity, haystack);
    const container = rawContainer(t.naming.container(env));
    const blobs = await collect(container.listBlobsFlat({ includeMetadata: true }));
    expect(blobs.length).toBe(3); // two files, one spilled record
    for (const blob of blobs) {
      flatten({ name: blob.name, metadata: blob.metadata }, haystack);
      flatten(new Uint8Array(await container.getBlobClient(blob.name).downloadToBuffer()), haystack);
    }
    const all = Buffer.concat(haystack);
    expect(all.length).toBeGreaterThan(80 * 1024);

    // Positive controls: what is meant to be visible is found, by the same search.
    expect(all.includes(Buffer.from(keys.ring.activeDekId))).toBe(true);
    expect(all.includes(Buffer.from(env))).toBe(true);
    const wrappedDek = Buffer.from(keys.ring.deks[0].wrapped[0].wrapped, "base64");
    expect(forms(wrappedDek.subarray(7, 40)).some((form) => all.includes(form))).toBe(true);

    const needles = [table, ...recordIds, ...values, "CANARY-SPILLED", ...paths, ...fileBodies, "canary", "CANARY"];
    for (const needle of needles) {
      for (const encoding of ["utf8", "utf16le"] as const) {
        for (const form of forms(Buffer.from(needle, encoding))) {
          expect(all.includes(form), `${JSON.stringify(needle)} (${encoding}) found in storage as ${form.toString()}`).toBe(false);
        }
      }
    }
    expect(secrets.length).toBe(2);
    for (const secret of secrets) {
      for (const form of forms(secret)) expect(all.includes(form), "a raw key found in storage").toBe(false);
    }
  });
});
