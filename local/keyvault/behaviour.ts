// How harsh the local vault is, each part switchable at start (startLocalVault({ behaviour })) and
// at run time (PATCH /_local/behaviour). The defaults are Azure's where Azure has no switch
// (events, key validity) and the kind ones where a test would otherwise wait or fail for reasons
// of its own (no propagation delay, no throttling). Sources, checked against the real service:
// - throttling: "Azure Key Vault service limits" (learn.microsoft.com/azure/key-vault/general/
//   service-limits): per vault per region per 10 s, weighted by key type, enforcement on the sum;
//   "throttling guidance": a 429 does not count towards the limit. No Retry-After is documented,
//   and a real 429 captured from Azure (vcsjones/AzureSignTool#219) carries none.
// - role propagation: Azure RBAC changes can take up to 10 minutes to reach the data plane.
// - key validity: the Key Vault team's rule (Azure/azure-sdk-for-net#7677): encrypt, wrapKey and
//   sign honour nbf/exp; decrypt, unwrapKey and verify do not, so nothing is crypto-locked.
// - events: "Azure Key Vault as Event Grid source": near-expiry and expired are raised for the
//   CURRENT version only; VaultAccessPolicyChanged only for access policy / permission model
//   changes; nothing for a disabled or deleted key.
import { badParameter } from "./errors";

/** The key sizes and kinds Azure's limits table distinguishes (every EC curve costs as RSA 2048). */
export const KEY_WEIGHT_CLASSES = ["RSA-2048", "RSA-3072", "RSA-4096", "EC"] as const;
export type KeyWeightClass = (typeof KEY_WEIGHT_CLASSES)[number];

export interface ProtectionLimits {
  software: number;
  hsm: number;
}

/** Transactions allowed per window, per vault (Azure's table, current as of the stored docs). */
export interface ThrottleLimits {
  /** Key CREATE transactions (create, rotate, import), any size or curve. */
  keyCreate: ProtectionLimits;
  /** Every other key transaction (get, wrap, unwrap, update, delete, ...), by key kind. */
  keyOther: Record<KeyWeightClass, ProtectionLimits>;
  /** Transactions that name no key: list keys, list deleted keys, restore. */
  vault: number;
}

export const AZURE_THROTTLE_LIMITS: ThrottleLimits = {
  keyCreate: { software: 20, hsm: 10 },
  keyOther: {
    "RSA-2048": { software: 4000, hsm: 2000 },
    "RSA-3072": { software: 1000, hsm: 500 },
    "RSA-4096": { software: 500, hsm: 250 },
    EC: { software: 4000, hsm: 2000 },
  },
  vault: 4000,
};

/** "none": Azure's 429 (no Retry-After header); "seconds": Retry-After = seconds until the request would fit. */
export type RetryAfterMode = "none" | "seconds";

export interface ThrottlingBehaviour {
  enabled: boolean;
  windowSeconds: number;
  retryAfter: RetryAfterMode;
  limits: ThrottleLimits;
}

export interface LocalVaultBehaviour {
  /** Seconds before a role assignment written or deleted through the management API reaches the data plane. Azure: up to 600. */
  rolePropagationSeconds: number;
  /** Per-vault quotas (vaults only: Managed HSM limits are not modelled). */
  throttling: ThrottlingBehaviour;
  /** "azure": outside nbf/exp, encrypt/wrapKey/sign are refused and decrypt/unwrapKey/verify allowed; "refuse-all": every crypto operation refused. */
  keyValidity: "azure" | "refuse-all";
  /** "azure": only what Azure raises; "extended": also near-expiry/expired for non-current versions and VaultAccessPolicyChanged on any vault property change. */
  events: "azure" | "extended";
}

export interface LocalVaultBehaviourPatch {
  rolePropagationSeconds?: number;
  throttling?: Partial<Omit<ThrottlingBehaviour, "limits">> & {
    limits?: { keyCreate?: Partial<ProtectionLimits>; keyOther?: Partial<Record<KeyWeightClass, Partial<ProtectionLimits>>>; vault?: number };
  };
  keyValidity?: LocalVaultBehaviour["keyValidity"];
  events?: LocalVaultBehaviour["events"];
}

const MAX_PROPAGATION_SECONDS = 600;

export function defaultBehaviour(): LocalVaultBehaviour {
  return {
    rolePropagationSeconds: 0,
    throttling: { enabled: false, windowSeconds: 10, retryAfter: "none", limits: structuredClone(AZURE_THROTTLE_LIMITS) },
    keyValidity: "azure",
    events: "azure",
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function onlyKeys(where: string, value: Record<string, unknown>, allowed: readonly string[]): void {
  const unknown = Object.keys(value).filter((k) => !allowed.includes(k));
  if (unknown.length) throw badParameter(`${where}: unknown field(s) ${unknown.join(", ")}; expected ${allowed.join(", ")}.`);
}

function positive(where: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw badParameter(`${where} must be a positive number, found ${JSON.stringify(value)}.`);
  return value;
}

function oneOf<T extends string>(where: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw badParameter(`${where} must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, found ${JSON.stringify(value)}.`);
  }
  return value as T;
}

/** A limit is a count of transactions per window: at least 1. */
function limit(where: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 1) throw badParameter(`${where} must be a number of transactions, at least 1, found ${JSON.stringify(value)}.`);
  return value;
}

function patchProtection(where: string, target: ProtectionLimits, patch: unknown): void {
  if (!isObject(patch)) throw badParameter(`${where} must be an object {software, hsm}.`);
  onlyKeys(where, patch, ["software", "hsm"]);
  if (patch.software !== undefined) target.software = limit(`${where}.software`, patch.software);
  if (patch.hsm !== undefined) target.hsm = limit(`${where}.hsm`, patch.hsm);
}

function patchLimits(target: ThrottleLimits, patch: unknown): void {
  const where = "throttling.limits";
  if (!isObject(patch)) throw badParameter(`${where} must be an object.`);
  onlyKeys(where, patch, ["keyCreate", "keyOther", "vault"]);
  if (patch.keyCreate !== undefined) patchProtection(`${where}.keyCreate`, target.keyCreate, patch.keyCreate);
  if (patch.keyOther !== undefined) {
    if (!isObject(patch.keyOther)) throw badParameter(`${where}.keyOther must be an object keyed by ${KEY_WEIGHT_CLASSES.join(", ")}.`);
    onlyKeys(`${where}.keyOther`, patch.keyOther, KEY_WEIGHT_CLASSES);
    for (const [cls, p] of Object.entries(patch.keyOther)) patchProtection(`${where}.keyOther.${cls}`, target.keyOther[cls as KeyWeightClass], p);
  }
  if (patch.vault !== undefined) target.vault = limit(`${where}.vault`, patch.vault);
}

/** A copy of `current` with `patch` applied; a 400 VaultError naming the field for anything invalid. */
export function applyBehaviourPatch(current: LocalVaultBehaviour, patch: unknown): LocalVaultBehaviour {
  if (!isObject(patch)) throw badParameter("The behaviour must be a JSON object.");
  onlyKeys("behaviour", patch, ["rolePropagationSeconds", "throttling", "keyValidity", "events"]);
  const next = structuredClone(current);
  if (patch.rolePropagationSeconds !== undefined) {
    const s = patch.rolePropagationSeconds;
    if (typeof s !== "number" || !Number.isFinite(s) || s < 0 || s > MAX_PROPAGATION_SECONDS) {
      throw badParameter(`rolePropagationSeconds must be a number from 0 to ${MAX_PROPAGATION_SECONDS} (Azure documents up to 10 minutes), found ${JSON.stringify(s)}.`);
    }
    next.rolePropagationSeconds = s;
  }
  if (patch.throttling !== undefined) {
    const t = patch.throttling;
    if (!isObject(t)) throw badParameter("throttling must be an object.");
    onlyKeys("throttling", t, ["enabled", "windowSeconds", "retryAfter", "limits"]);
    if (t.enabled !== undefined) {
      if (typeof t.enabled !== "boolean") throw badParameter(`throttling.enabled must be true or false, found ${JSON.stringify(t.enabled)}.`);
      next.throttling.enabled = t.enabled;
    }
    if (t.windowSeconds !== undefined) next.throttling.windowSeconds = positive("throttling.windowSeconds", t.windowSeconds);
    if (t.retryAfter !== undefined) next.throttling.retryAfter = oneOf("throttling.retryAfter", t.retryAfter, ["none", "seconds"] as const);
    if (t.limits !== undefined) patchLimits(next.throttling.limits, t.limits);
  }
  if (patch.keyValidity !== undefined) next.keyValidity = oneOf("keyValidity", patch.keyValidity, ["azure", "refuse-all"] as const);
  if (patch.events !== undefined) next.events = oneOf("events", patch.events, ["azure", "extended"] as const);
  return next;
}
