// Licensing, as the reference states it: CMK is enforced only where the tenant's users hold one
// of these subscriptions. The names are the reference's, spelled out one per SKU.
export const CMK_ENTITLING_SUBSCRIPTIONS = [
  "Microsoft 365 E5", "Microsoft 365 A5", "Microsoft 365 G5",
  "Office 365 E5", "Office 365 A5", "Office 365 G5",
  "Microsoft 365 A5 Compliance", "Microsoft 365 E5 Compliance", "Microsoft 365 F5 Compliance", "Microsoft 365 G5 Compliance",
  "Microsoft 365 F5 Security & Compliance",
  "Microsoft 365 A5 Information Protection and Governance", "Microsoft 365 E5 Information Protection and Governance",
  "Microsoft 365 F5 Information Protection and Governance", "Microsoft 365 G5 Information Protection and Governance",
  "Microsoft 365 A5 Insider Risk Management", "Microsoft 365 E5 Insider Risk Management",
  "Microsoft 365 F5 Insider Risk Management", "Microsoft 365 G5 Insider Risk Management",
] as const;

export function isEntitling(subscription: string): boolean {
  return (CMK_ENTITLING_SUBSCRIPTIONS as readonly string[]).some((s) => s.toLowerCase() === subscription.trim().toLowerCase());
}

/** The subscriptions from the tenant's list that entitle it to CMK. */
export function entitlingSubscriptions(subscriptions: readonly string[]): string[] {
  return subscriptions.filter(isEntitling);
}
