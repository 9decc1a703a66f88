// The principals of a test tenant: a fresh Entra tenant id and one principal per role, plus an
// Environment.User that the tenant's platform admin makes a member of its environments (`member`)
// and one that is a member of nothing (`user`). Every token the tests sign names the tenant as
// `tid`, so each tenant is exactly what keyward sees of a customer. `adminMember` holds
// Platform.Admin and Environment.User and is a member too.
import { randomUUID } from "node:crypto";
import type { Principal } from "../../../local/embeddedApi";
import type { Keyward, ApiResult } from "../../support/keyward";

export interface TenantPrincipals {
  label: string;
  tenantId: string;
  keysAdmin: Principal;
  platformAdmin: Principal;
  /** Environment.User, a member of no environment. */
  user: Principal;
  /** Environment.User, a ReadWrite member of the tenant's environments. */
  member: Principal;
  /** Platform.Admin and Environment.User at once, a ReadWrite member too: passes the role check of both kinds of route. */
  adminMember: Principal;
}

/** The callers a suite tries in turn: each role, and the member. */
export type CallerName = "keysAdmin" | "platformAdmin" | "user" | "member" | "adminMember";
export const CALLERS: readonly CallerName[] = ["keysAdmin", "platformAdmin", "user", "member", "adminMember"];

export function newTenant(label: string): TenantPrincipals {
  const tenantId = randomUUID();
  const p = (roles: string[]): Principal => ({ oid: randomUUID(), roles, tenantId });
  return { label, tenantId, keysAdmin: p(["Keys.Admin"]), platformAdmin: p(["Platform.Admin"]), user: p(["Environment.User"]), member: p(["Environment.User"]),
    adminMember: p(["Platform.Admin", "Environment.User"]) };
}

/** Calls the API as `who`; `raw` sends bytes (files), `body` JSON. */
export function callAs(kw: Keyward, who: Principal, method: string, route: string, body?: unknown, raw?: Buffer): Promise<ApiResult> {
  return kw.call(method, route, { as: who, ...(raw ? { raw } : {}), ...(body !== undefined ? { body } : {}) });
}
