// The app roles of the API contract (the token's `roles` claim) and the separation of duty the
// reference recommends between the key vault administrator and the platform administrator.

export const Roles = {
  KeysAdmin: "Keys.Admin",
  PlatformAdmin: "Platform.Admin",
  EnvironmentUser: "Environment.User",
} as const;

export type Role = (typeof Roles)[keyof typeof Roles];

export const ADMIN_ROLES: readonly Role[] = [Roles.KeysAdmin, Roles.PlatformAdmin];

/** True when the caller holds both admin roles, which separation of duty refuses by default. */
export function holdsBothAdminRoles(roles: readonly string[]): boolean {
  return roles.includes(Roles.KeysAdmin) && roles.includes(Roles.PlatformAdmin);
}
