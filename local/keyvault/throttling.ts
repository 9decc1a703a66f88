// Per-vault throttling as Azure's service limits describe it: three budgets per vault (key
// CREATE, other key transactions, transactions naming no key), each a sliding window of
// `windowSeconds`. Within a budget the limits are weighted and enforced on their sum: a
// transaction costs (the budget's largest limit) / (the limit for its key kind), so e.g. one
// RSA-4096 HSM GET costs as much as 16 RSA-2048 software GETs. A refused (429) request does not
// count. Managed HSMs are not throttled here: their limits are not in the stored Azure docs.
import type { KeyWeightClass, ProtectionLimits, ThrottleLimits, ThrottlingBehaviour } from "./behaviour";
import type { KeyOperation } from "./operations";
import { familyOf, isHsmKeyType } from "./keyTypes";
import type { KeyVersionState, VaultState } from "./state";

export type ThrottleBudget = "keyCreate" | "keyOther" | "vault";

/** What a request costs, in units of its budget. */
export interface Transaction {
  budget: ThrottleBudget;
  cost: number;
  /** The limit of this transaction's kind alone, for the log and error texts. */
  limit: number;
}

const KEY_CREATE_OPERATIONS = new Set<KeyOperation>(["create", "rotate", "import"]);
const KEYLESS_OPERATIONS = new Set<KeyOperation>(["list", "listDeleted", "restore"]);

type KeyKind = Pick<KeyVersionState, "kty" | "keySize">;

function weightClass(key: KeyKind): KeyWeightClass {
  if (familyOf(key.kty) === "EC") return "EC";
  return key.keySize === 4096 ? "RSA-4096" : key.keySize === 3072 ? "RSA-3072" : "RSA-2048";
}

const limitOf = (p: ProtectionLimits, key: KeyKind): number => (isHsmKeyType(key.kty) ? p.hsm : p.software);
const largest = (ps: ProtectionLimits[]): number => Math.max(...ps.flatMap((p) => [p.software, p.hsm]));

/** The key kind a request is about: the create body's, else the addressed (or current) version's, deleted keys included. */
function keyKindOf(vault: VaultState, operation: KeyOperation, keyName: string | undefined, version: string | undefined, body: Record<string, unknown>): KeyKind | undefined {
  if (operation === "create") {
    const kty = typeof body.kty === "string" && ["RSA", "RSA-HSM", "EC", "EC-HSM"].includes(body.kty) ? body.kty as KeyKind["kty"] : "RSA";
    return { kty: vault.kind === "managedHsm" ? (kty.startsWith("EC") ? "EC-HSM" : "RSA-HSM") : kty, keySize: typeof body.key_size === "number" ? body.key_size : 2048 };
  }
  if (!keyName) return undefined;
  const key = vault.keys[keyName.toLowerCase()] ?? vault.deletedKeys[keyName.toLowerCase()]?.key;
  if (!key || key.versions.length === 0) return undefined;
  return (version && key.versions.find((v) => v.version === version.toLowerCase())) || key.versions[key.versions.length - 1];
}

/** The budget and weighted cost of one keys API request. A key that does not exist costs as the lightest kind. */
export function transactionOf(limits: ThrottleLimits, vault: VaultState, operation: KeyOperation, keyName: string | undefined, version: string | undefined, body: Record<string, unknown>): Transaction {
  if (KEYLESS_OPERATIONS.has(operation)) return { budget: "vault", cost: 1, limit: limits.vault };
  const key = keyKindOf(vault, operation, keyName, version, body) ?? { kty: "RSA", keySize: 2048 };
  if (KEY_CREATE_OPERATIONS.has(operation)) {
    const limit = limitOf(limits.keyCreate, key);
    return { budget: "keyCreate", cost: largest([limits.keyCreate]) / limit, limit };
  }
  const limit = limitOf(limits.keyOther[weightClass(key)], key);
  return { budget: "keyOther", cost: largest(Object.values(limits.keyOther)) / limit, limit };
}

function budgetSize(limits: ThrottleLimits, budget: ThrottleBudget): number {
  if (budget === "vault") return limits.vault;
  return budget === "keyCreate" ? largest([limits.keyCreate]) : largest(Object.values(limits.keyOther));
}

// Float weights (e.g. 4000/3 for a custom limit) must not refuse a request that fits exactly.
const EPSILON = 1e-9;

interface Spent {
  at: number;
  cost: number;
}

/** The sliding windows of every vault; `now` is the vault's clock (tests pass a controllable one). */
export class VaultThrottle {
  private readonly windows = new Map<string, Spent[]>();

  constructor(private readonly now: () => number) {}

  /**
   * Admits (and counts) the transaction, or refuses it without counting it. A refusal says when
   * the window will have room for it (whole seconds, at least 1).
   */
  admit(vaultName: string, tx: Transaction, behaviour: ThrottlingBehaviour): { admitted: true } | { admitted: false; retryAfterSeconds: number } {
    const now = this.now();
    const windowMs = behaviour.windowSeconds * 1000;
    const id = `${vaultName.toLowerCase()}|${tx.budget}`;
    const spent = (this.windows.get(id) ?? []).filter((s) => s.at > now - windowMs);
    this.windows.set(id, spent);
    const budget = budgetSize(behaviour.limits, tx.budget);
    let used = spent.reduce((sum, s) => sum + s.cost, 0);
    if (used + tx.cost <= budget + EPSILON) {
      spent.push({ at: now, cost: tx.cost });
      return { admitted: true };
    }
    // The earliest moment enough of the window has slid out for this transaction to fit.
    let freeAt = now + windowMs;
    for (const s of spent) {
      used -= s.cost;
      if (used + tx.cost <= budget + EPSILON) {
        freeAt = s.at + windowMs;
        break;
      }
    }
    return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil((freeAt - now) / 1000)) };
  }

  /** Forgets every window (throttling switched off, or its limits changed). */
  reset(): void {
    this.windows.clear();
  }
}
