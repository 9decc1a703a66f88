// Caches for tests: a pass-through where caching is not the subject, and a recording map cache
// with the same getOrLoad signature as shared/keyvault/dekCache.ts.
import type { DekLoaderCache } from "../../../shared/data/dekResolver";

export const passThroughCache: DekLoaderCache = {
  getOrLoad: (_cacheKey, _meta, loader) => loader(),
};

export class RecordingCache implements DekLoaderCache {
  readonly entries = new Map<string, { meta: { vaultUrl: string; keyId: string }; value: Uint8Array }>();
  loads = 0;

  async getOrLoad(cacheKey: { scope: string; dekId: string }, meta: { vaultUrl: string; keyId: string }, loader: () => Promise<Uint8Array>): Promise<Uint8Array> {
    const id = `${cacheKey.scope}/${cacheKey.dekId}`;
    const hit = this.entries.get(id);
    if (hit) return hit.value;
    this.loads++;
    const value = await loader();
    this.entries.set(id, { meta, value });
    return value;
  }

  purgeKeyId(keyId: string): void {
    for (const [k, v] of this.entries) if (v.meta.keyId === keyId) this.entries.delete(k);
  }
}
