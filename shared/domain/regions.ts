// The enterprise policy locations the reference lists; an environment's region uses the same
// names, and an environment can join only a policy in its own region.
export const REGIONS = [
  "unitedstates", "southafrica", "uk", "japan", "india", "france", "europe", "germany", "switzerland",
  "canada", "brazil", "australia", "asia", "uae", "korea", "norway", "singapore", "sweden",
] as const;

export type Region = (typeof REGIONS)[number];

export function isRegion(value: unknown): value is Region {
  return typeof value === "string" && (REGIONS as readonly string[]).includes(value);
}
