// Wrapping a DEK or the index key for the key ring, with the one check that makes a wrapped copy
// safe to store: it unwraps again to the same bytes. A key the platform may wrap with but not
// unwrap with (a missing unwrapKey grant, a wrong key version) is caught here, before any data
// depends on the copy, instead of when the environment can no longer be read.
import { timingSafeEqual } from "node:crypto";
import type { KeyWrapper } from "./keyWrapper";
import { DEK_BYTES, generateDek } from "./dek";
import { toWrappedCopy, toWrappedDek, type KeySource, type WrappedCopy } from "./keyRing";
import { needs } from "../errors";

export async function wrapVerified(wrapper: KeyWrapper, secret: Uint8Array, source: KeySource): Promise<WrappedCopy> {
  needs(secret instanceof Uint8Array && secret.length === DEK_BYTES, `only ${DEK_BYTES}-byte secrets are wrapped (DEKs and the index key)`);
  const copy = toWrappedCopy(await wrapper.wrap(secret), source);
  const back = await wrapper.unwrap(toWrappedDek(copy));
  needs(back.length === secret.length && timingSafeEqual(back, secret),
    `the copy unwraps (remotely, through the same wrapper) to exactly the secret: key ${wrapper.keyName} gave different bytes, and the copy is not stored`);
  return copy;
}

/** A new DEK wrapped under `wrapper`; the plaintext key is wiped before returning. */
export async function generateWrappedDek(wrapper: KeyWrapper, source: KeySource): Promise<{ dekId: string; copy: WrappedCopy }> {
  const dek = generateDek();
  try {
    return { dekId: dek.id, copy: await wrapVerified(wrapper, dek.key, source) };
  } finally {
    dek.key.fill(0);
  }
}
