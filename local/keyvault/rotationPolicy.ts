// Key rotation policies: validation of what the SDK PUTs, the JSON answered, ISO 8601 durations,
// and when a policy says to rotate or notify.
import { badParameter } from "./errors";
import type { KeyState, KeyVersionState, LifetimeActionState, RotationPolicyState } from "./state";

const DURATION = /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** Seconds in an ISO 8601 duration (years as 365 days, months as 30 days); undefined if invalid. */
export function durationSeconds(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (!m) return undefined;
  const [y, mo, w, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0));
  return ((((y * 365 + mo * 30 + w * 7 + d) * 24 + h) * 60 + mi) * 60) + s;
}

function requireDuration(field: string, value: unknown): string {
  if (typeof value !== "string" || durationSeconds(value) === undefined) {
    throw badParameter(`${field} must be an ISO 8601 duration such as P30D, found ${JSON.stringify(value)}.`);
  }
  return value;
}

/** Validates a PUT body (`{lifetimeActions, attributes: {expiryTime}}`) into stored form. */
export function parseRotationPolicy(body: Record<string, unknown>, now: number, previous?: RotationPolicyState): RotationPolicyState {
  const actions = body.lifetimeActions ?? [];
  if (!Array.isArray(actions)) throw badParameter("lifetimeActions must be an array.");
  const lifetimeActions: LifetimeActionState[] = actions.map((raw, i) => {
    const a = (raw ?? {}) as { trigger?: Record<string, unknown>; action?: { type?: unknown } };
    const type = typeof a.action?.type === "string" ? a.action.type.toLowerCase() : "";
    if (type !== "rotate" && type !== "notify") throw badParameter(`lifetimeActions[${i}].action.type must be Rotate or Notify.`);
    const trigger: LifetimeActionState["trigger"] = {};
    if (a.trigger?.timeAfterCreate !== undefined && a.trigger.timeAfterCreate !== null) trigger.timeAfterCreate = requireDuration("timeAfterCreate", a.trigger.timeAfterCreate);
    if (a.trigger?.timeBeforeExpiry !== undefined && a.trigger.timeBeforeExpiry !== null) trigger.timeBeforeExpiry = requireDuration("timeBeforeExpiry", a.trigger.timeBeforeExpiry);
    if (Object.keys(trigger).length !== 1) throw badParameter(`lifetimeActions[${i}] needs exactly one of timeAfterCreate and timeBeforeExpiry.`);
    if (type === "notify" && !trigger.timeBeforeExpiry) throw badParameter("A Notify action must be triggered by timeBeforeExpiry.");
    return { trigger, action: { type: type === "rotate" ? "Rotate" : "Notify" } };
  });
  const attrs = (body.attributes ?? {}) as Record<string, unknown>;
  const expiryTime = attrs.expiryTime === undefined || attrs.expiryTime === null ? undefined : requireDuration("expiryTime", attrs.expiryTime);
  return { lifetimeActions, expiryTime, created: previous?.created ?? now, updated: now };
}

export function rotationPolicyJson(baseUrl: string, key: KeyState): Record<string, unknown> {
  const id = `${baseUrl}/keys/${key.name}/rotationpolicy`;
  const p = key.rotationPolicy;
  if (!p) {
    // What Azure answers for a key without a policy: notify 30 days before expiry.
    return { id, lifetimeActions: [{ trigger: { timeBeforeExpiry: "P30D" }, action: { type: "Notify" } }], attributes: {} };
  }
  return {
    id,
    lifetimeActions: p.lifetimeActions.map((a) => ({ trigger: { ...a.trigger }, action: { ...a.action } })),
    attributes: { ...(p.expiryTime ? { expiryTime: p.expiryTime } : {}), created: p.created, updated: p.updated },
  };
}

/** Seconds before `exp` at which KeyNearExpiry fires: the policy's Notify action, else the default. */
export function notifyWindowSeconds(key: KeyState, defaultDays: number): number {
  const notify = key.rotationPolicy?.lifetimeActions.find((a) => a.action.type === "Notify" && a.trigger.timeBeforeExpiry);
  return notify?.trigger.timeBeforeExpiry ? durationSeconds(notify.trigger.timeBeforeExpiry) ?? defaultDays * 86400 : defaultDays * 86400;
}

/** True when the policy's Rotate action is due for the current version. */
export function rotationDue(key: KeyState, current: KeyVersionState, now: number): boolean {
  for (const a of key.rotationPolicy?.lifetimeActions ?? []) {
    if (a.action.type !== "Rotate") continue;
    if (a.trigger.timeAfterCreate && now >= current.created + (durationSeconds(a.trigger.timeAfterCreate) ?? Infinity)) return true;
    if (a.trigger.timeBeforeExpiry && current.exp !== undefined && now >= current.exp - (durationSeconds(a.trigger.timeBeforeExpiry) ?? 0)) return true;
  }
  return false;
}

/** The `exp` a version created by rotation gets from the policy's expiryTime. */
export function expiryForNewVersion(key: KeyState, now: number): number | undefined {
  const t = key.rotationPolicy?.expiryTime;
  return t ? now + (durationSeconds(t) ?? 0) : undefined;
}
