// Key expiry warnings: 30, 7 and 1 days ahead, once each per key version.
import type { AppServices } from "../appServices";
import { latestKeyVersion } from "../keyvault";
import { policyKeySource } from "../keys/keySources";

export const EXPIRY_WARNING_DAYS = [30, 7, 1] as const;
const DAY = 86_400_000;

export async function checkKeyExpiry(deps: Pick<AppServices, "state" | "keys">, tenantId: string, policyName: string, now = new Date()): Promise<"NoExpiry" | "Fine" | "Warned" | "Expired"> {
  const tenant = deps.state.forTenant(tenantId);
  const policy = await tenant.getPolicy(policyName);
  if (!policy) return "Fine";
  const key = await deps.keys.resolveKey(policyKeySource(policy));
  const latest = await latestKeyVersion(key.identity, key.vaultUrl, key.keyName);
  if (!latest.expiresOn) return "NoExpiry";
  const left = latest.expiresOn.getTime() - now.getTime();
  if (left <= 0) {
    await tenant.raiseAlert(`expired|${latest.keyId}`, { kind: "KeyExpired", severity: "Critical", policy: policyName, keyId: latest.keyId, dueAt: latest.expiresOn.toISOString(),
      message: `The key of enterprise policy ${policyName} expired at ${latest.expiresOn.toISOString()}; its environments are locked until the key is renewed.` });
    return "Expired";
  }
  const threshold = EXPIRY_WARNING_DAYS.filter((d) => left <= d * DAY).pop();
  if (threshold === undefined) return "Fine";
  await tenant.raiseAlert(`expiry|${latest.keyId}|${threshold}`, { kind: "KeyNearExpiry", severity: threshold <= 7 ? "Critical" : "Warning", policy: policyName,
    keyId: latest.keyId, dueAt: latest.expiresOn.toISOString(),
    message: `The key of enterprise policy ${policyName} expires within ${threshold} day(s), at ${latest.expiresOn.toISOString()}. Renew its expiration date or add a new key version; an expired key locks every environment on the policy.` });
  return "Warned";
}
