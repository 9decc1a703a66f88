// Who may use an environment's data. Environment.User is the role; membership says where:
// Read members read records and files, ReadWrite members also write and delete them. Granted by a
// Platform.Admin of the environment's tenant; an environment's creator is not a member by default
// (admins administer, users use data).
export const MEMBER_ACCESS = ["Read", "ReadWrite"] as const;
export type MemberAccess = (typeof MEMBER_ACCESS)[number];

export interface EnvironmentMember {
  objectId: string;
  access: MemberAccess;
  grantedBy: string;
  grantedAt: string;
}

/** Whether a member with `held` access may do what needs `needed`. */
export function accessCovers(held: MemberAccess, needed: MemberAccess): boolean {
  return held === "ReadWrite" || needed === "Read";
}
