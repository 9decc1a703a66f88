// peer: keyward's record envelope (shared/crypto/envelope.ts) against the AWS Encryption SDK for
// JavaScript (@aws-crypto/client-node) on the same 1 KiB records, CPU only (no storage, no vault).
//
//   keyward:  seal + open under one DEK, with a per-record binding context (environment, store,
//             table, row), as the record store does.
//   AWS ESDK: encrypt + decrypt through a caching materials manager over a raw AES keyring (one
//             data key reused from the cache, as keyward reuses its DEK), with a per-environment
//             encryption context; a per-record context would defeat the cache, which keys on it.
//             Suite: AES-256-GCM, HKDF-SHA512, key commitment, no signature, the closest to
//             keyward's envelope. The SDK's default suite adds an ECDSA P-384 signature per
//             message; it is measured too, on a fifth of the records, as keywardVsAwsEsdkSigned.
// The two run in alternating rounds so drift hits both alike; each figure is records per second
// for one encrypt and one decrypt of a record.
import { randomBytes } from "node:crypto";
import {
  AlgorithmSuiteIdentifier, buildClient, CommitmentPolicy, getLocalCryptographicMaterialsCache,
  NodeCachingMaterialsManager, RawAesKeyringNode, RawAesWrappingSuiteIdentifier,
} from "@aws-crypto/client-node";
import { generateDek } from "../shared/crypto/dek";
import { openEnvelope, sealEnvelope } from "../shared/crypto/envelope";
import type { BindingContext } from "../shared/crypto/aad";
import { round } from "./support";
import type { Section } from "./section";

const RECORD_BYTES = 1024;
const ROUNDS = 4;

function keywardRound(records: Uint8Array[]): number {
  const dek = generateDek();
  const context = (i: number): BindingContext => ({ environmentId: "bench-peer", store: "records", container: "table-index", itemId: `row-${i}` });
  const started = performance.now();
  const sealed = records.map((plaintext, i) => sealEnvelope({ dek, context: context(i), plaintext }));
  sealed.forEach((envelope, i) => {
    if (openEnvelope({ envelope, dek, context: context(i) }).length !== RECORD_BYTES) throw new Error("keyward round trip lost bytes");
  });
  return performance.now() - started;
}

function esdk(suiteId?: AlgorithmSuiteIdentifier) {
  const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const keyring = new RawAesKeyringNode({
    keyNamespace: "keyward-bench", keyName: "kek", unencryptedMasterKey: new Uint8Array(randomBytes(32)),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  });
  const cmm = new NodeCachingMaterialsManager({
    backingMaterials: keyring, cache: getLocalCryptographicMaterialsCache(100), maxAge: 10 * 60_000, maxMessagesEncrypted: 2 ** 31,
  });
  const encryptionContext = { environmentId: "bench-peer" };
  return async (records: Uint8Array[]): Promise<number> => {
    const started = performance.now();
    for (const plaintext of records) {
      const { result } = await encrypt(cmm, plaintext, { encryptionContext, ...(suiteId ? { suiteId } : {}) });
      const { plaintext: back } = await decrypt(cmm, result);
      if (back.length !== RECORD_BYTES) throw new Error("AWS ESDK round trip lost bytes");
    }
    return performance.now() - started;
  };
}

export const peer: Section = async (_ctx, options) => {
  const records = Array.from({ length: options.peerRecords }, () => new Uint8Array(randomBytes(RECORD_BYTES)));
  const perRound = Math.max(1, Math.floor(records.length / ROUNDS));
  const unsigned = esdk(AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY);
  const signed = esdk();
  // Warm-up: JIT, the ESDK's first data key, the cipher tables.
  keywardRound(records.slice(0, 50));
  await unsigned(records.slice(0, 20));
  await signed(records.slice(0, 5));

  const ms = { keyward: 0, esdk: 0, signed: 0 };
  const n = { keyward: 0, esdk: 0, signed: 0 };
  for (let r = 0; r < ROUNDS; r++) {
    const batch = records.slice(r * perRound, (r + 1) * perRound);
    const fifth = batch.slice(0, Math.max(1, Math.floor(batch.length / 5)));
    ms.keyward += keywardRound(batch); n.keyward += batch.length;
    ms.esdk += await unsigned(batch); n.esdk += batch.length;
    ms.signed += await signed(fifth); n.signed += fifth.length;
  }
  const perSecond = (k: keyof typeof ms) => (n[k] * 1000) / ms[k];
  return {
    figures: {
      keywardVsAwsEsdk: { value: round(perSecond("keyward") / perSecond("esdk"), 2), unit: "x the AWS ESDK's records/s (encrypt + decrypt, 1 KiB)" },
      keywardRecordsPerSecond: { value: round(perSecond("keyward"), 0), unit: "records/s sealed and opened by keyward" },
      awsEsdkRecordsPerSecond: { value: round(perSecond("esdk"), 0), unit: "records/s, AWS ESDK, committing suite without signature" },
      keywardVsAwsEsdkSigned: { value: round(perSecond("keyward") / perSecond("signed"), 2), unit: "x the AWS ESDK's default (ECDSA-signed) suite" },
    },
    notes: [`${n.keyward} records per library (${n.signed} for the signed suite), ${ROUNDS} alternating rounds, one CPU thread`],
  };
};
