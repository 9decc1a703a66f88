// The reference's rules for how long a key version must stay usable after keyward stops using it
// (for database restoration): 28 days after a rotation moved away from it, 30 days after an
// environment was removed from the key. Backups keep their copies under such a version until
// then, and key usage reports the version as still needed until then.

export const RETENTION_DAYS = { Rotation: 28, Removal: 30 } as const;
export type RetirementReason = keyof typeof RETENTION_DAYS;

const DAY_MS = 86_400_000;

export function retainedUntil(reason: RetirementReason, from: Date): string {
  return new Date(from.getTime() + RETENTION_DAYS[reason] * DAY_MS).toISOString();
}
