// The vault's clock-driven work, run every expiryCheckIntervalMs (and on demand through the
// management API): KeyNearExpiry once per version when its exp comes within the notify window,
// KeyExpired once per version when exp passes, rotation when a key's policy says so, and the
// purge of soft-deleted keys whose retention has run out. As in Azure ("triggered when the
// current version of a key is about to expire / is expired"), only a key's CURRENT version is
// watched; behaviour events "extended" watches every version.
import { baseUrlOf, type VaultContext } from "./context";
import { EVENT_TYPES, keyEvent, type EventGridEvent } from "./events";
import { nowSeconds } from "./http";
import { currentVersion } from "./keyBundles";
import { rotateKey } from "./keysApi";
import { notifyWindowSeconds, rotationDue } from "./rotationPolicy";

/** Keys whose policy rotation is in progress, so overlapping scans (timer + on-demand) rotate once. */
const rotating = new Set<string>();

export interface ScanResult {
  events: EventGridEvent[];
  rotated: string[];
  purged: string[];
}

/** One scan; resolves once the events it raised have had their first delivery attempt. */
export async function scanVaults(ctx: VaultContext): Promise<ScanResult> {
  const now = nowSeconds();
  const events: EventGridEvent[] = [];
  const purged: string[] = [];
  const dueRotations: Array<() => Promise<string>> = [];
  let changed = false;

  for (const vault of Object.values(ctx.store.data.vaults)) {
    const baseUrl = baseUrlOf(ctx, vault);
    for (const key of Object.values(vault.keys)) {
      const window = notifyWindowSeconds(key, ctx.nearExpiryDays);
      const watched = ctx.behaviour.events === "extended" ? key.versions : [currentVersion(key)];
      for (const v of watched) {
        if (v.exp === undefined) continue;
        if (now >= v.exp) {
          if (v.notifiedExpired !== v.exp) {
            v.notifiedExpired = v.exp;
            // A version first seen already expired gets no belated near-expiry notice.
            v.notifiedNearExpiry = v.exp;
            events.push(keyEvent(EVENT_TYPES.keyExpired, vault, baseUrl, key.name, v));
            changed = true;
          }
        } else if (v.exp - now <= window && v.notifiedNearExpiry !== v.exp) {
          v.notifiedNearExpiry = v.exp;
          events.push(keyEvent(EVENT_TYPES.keyNearExpiry, vault, baseUrl, key.name, v));
          changed = true;
        }
      }
      const id = `${ctx.store.file}|${vault.name}/${key.name.toLowerCase()}`;
      if (rotationDue(key, currentVersion(key), now) && !rotating.has(id)) {
        rotating.add(id);
        dueRotations.push(async () => {
          try {
            await rotateKey(ctx, vault, key);
            return `${vault.name}/${key.name}`;
          } finally {
            rotating.delete(id);
          }
        });
      }
    }
    for (const [lower, d] of Object.entries(vault.deletedKeys)) {
      if (now >= d.scheduledPurgeDate) {
        delete vault.deletedKeys[lower];
        purged.push(`${vault.name}/${d.key.name}`);
        changed = true;
      }
    }
  }
  if (changed) ctx.store.save();
  const delivered = ctx.bus.publish(events);
  const rotated: string[] = [];
  for (const rotation of dueRotations) {
    try {
      rotated.push(await rotation());
    } catch (err) {
      ctx.log(`keyvault: policy rotation failed: ${(err as Error).message}`);
    }
  }
  await delivered;
  return { events, rotated, purged };
}

/** Runs scanVaults on an interval (never two at once); returns a stop function. */
export function startExpiryScanner(ctx: VaultContext, intervalMs: number): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    scanVaults(ctx)
      .catch((err: unknown) => ctx.log(`keyvault: expiry scan failed: ${(err as Error).message}`))
      .finally(() => { running = false; });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
