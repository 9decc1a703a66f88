// Counts each DEK's encryptions durably and rolls a DEK over before its limit.
//
// A writer never updates the key ring per encryption: it reserves a block of counts in the ring
// row (one optimistic update), then spends the block in memory. The ring's count is therefore an
// upper bound of the encryptions made, over by at most one unused block per process that held
// one when it stopped, never under. When the next block would pass the limit, a fresh DEK is
// wrapped under exactly the key versions of the active one (one wrap per copy, outside the ring
// update so a retried update repeats no vault call) and becomes active; the old DEK stays
// readable and nothing is re-encrypted.
import { generateDek } from "../crypto/dek";
import { MAX_DEK_ENCRYPTIONS, encryptionsOf, findDek, reserveEncryptions, rollOverDek, type KeyRing, type WrappedCopy } from "../crypto/keyRing";
import { wrapVerified } from "../crypto/wrapping";
import { needs } from "../errors";
import type { KeyWrapper } from "../crypto/keyWrapper";
import type { KeySource } from "../crypto/keyRing";
import type { KeyRingRepository } from "./keyRingRepository";

export interface EncryptionBudgetOptions {
  /** Encryptions one DEK may make before it is rolled over (KEYWARD_DEK_MAX_ENCRYPTIONS). */
  limit: number;
  /** Encryptions reserved per ring update (KEYWARD_DEK_ENCRYPTION_BLOCK): the over-count bound per process. */
  block: number;
}

export interface EncryptionBudget {
  /**
   * Counts `count` encryptions under the environment's active DEK, rolling it over first when
   * they would pass the limit. Returns the DEK to encrypt with and the ring it is in (newer than
   * `ring` when a block was reserved).
   */
  reserve(ring: KeyRing, count: number): Promise<{ dekId: string; ring: KeyRing }>;
}

const MAX_ROUNDS = 8;

export function createEncryptionBudget(deps: {
  rings: Pick<KeyRingRepository, "update">;
  /** As dekResolver's WrapperFor: the wrapper of one stored copy (source and versioned key id). */
  wrapperFor: (source: KeySource, keyId: string) => KeyWrapper;
  options: () => EncryptionBudgetOptions;
}): EncryptionBudget {
  /** Per environment: the block this process holds, on which DEK, and how much is left. */
  const blocks = new Map<string, { dekId: string; left: number }>();
  /** One reservation per environment in flight; concurrent writers wait for it. */
  const inFlight = new Map<string, Promise<KeyRing>>();

  const wrapLike = async (copies: WrappedCopy[], secret: Uint8Array): Promise<WrappedCopy[]> =>
    Promise.all(copies.map((c) => wrapVerified(deps.wrapperFor(c.source, c.keyId), secret, c.source)));

  /** Reserves a block of at least `count` under the active DEK, rolling over if needed. */
  async function refill(environmentId: string, count: number): Promise<KeyRing> {
    const { limit, block } = deps.options();
    needs(Number.isInteger(limit) && limit >= 1 && limit <= MAX_DEK_ENCRYPTIONS, `the DEK encryption limit is from 1 to ${MAX_DEK_ENCRYPTIONS}`);
    const size = Math.min(Math.max(block, count), limit);
    needs(count <= size, `${count} encryptions at once fit the DEK encryption limit of ${limit}`);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      let full: KeyRing | undefined;
      const reserved = await deps.rings.update(environmentId, (r) => {
        full = undefined;
        const active = findDek(r, r.activeDekId)!;
        if (encryptionsOf(active) + size <= limit) return reserveEncryptions(r, active.dekId, size, limit);
        full = r;
        return r;
      });
      if (!full) {
        blocks.set(environmentId, { dekId: reserved.activeDekId, left: size });
        return reserved;
      }
      // The active DEK is at its limit: wrap a fresh one like it, then swap it in unless another
      // writer rolled over first (then reserve on theirs in the next round).
      const old = findDek(full, full.activeDekId)!;
      const dek = generateDek();
      let copies: WrappedCopy[];
      try {
        copies = await wrapLike(old.wrapped, dek.key);
      } finally {
        dek.key.fill(0);
      }
      let rolled = false;
      const next = await deps.rings.update(environmentId, (r) => {
        rolled = false;
        if (r.activeDekId !== old.dekId) return r;
        rolled = true;
        return rollOverDek(r, { dekId: dek.id, copies, now: new Date(), limit, reserve: size });
      });
      if (rolled) {
        blocks.set(environmentId, { dekId: next.activeDekId, left: size });
        return next;
      }
    }
    throw new Error(`The key ring of ${environmentId} kept changing while encryptions were reserved; retry.`);
  }

  return {
    async reserve(ring, count) {
      needs(Number.isInteger(count) && count >= 1, "encryptions are counted in whole numbers of at least 1");
      const id = ring.environmentId;
      for (;;) {
        const held = blocks.get(id);
        // A block on an older DEK is still a valid reservation, but new writes follow the ring:
        // once the snapshot names another active DEK, that block is no longer spent.
        if (held && held.dekId === ring.activeDekId && held.left >= count) {
          held.left -= count;
          return { dekId: held.dekId, ring };
        }
        const pending = inFlight.get(id);
        if (pending) {
          ring = await pending.catch(() => ring);
          if (blocks.get(id)?.dekId === ring.activeDekId && blocks.get(id)!.left >= count) continue;
        }
        const started = refill(id, count).finally(() => inFlight.delete(id));
        inFlight.set(id, started);
        ring = await started;
      }
    },
  };
}
