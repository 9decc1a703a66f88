// The fixed principals of the embedded default, so tokens, grants and the console's sign-in page
// survive restarts: one per role in the local tenant (distinct: separation of duty), and the same
// roles in a second tenant, for trying what one customer can see of another's.
import { LOCAL_TENANT_ID } from "./issuer";

export type LocalRole = "Keys.Admin" | "Platform.Admin" | "Environment.User";

export const LOCAL_PRINCIPALS: Record<LocalRole, string> = {
  "Keys.Admin": "11111111-1111-4111-8111-111111111111",
  "Platform.Admin": "22222222-2222-4222-8222-222222222222",
  "Environment.User": "33333333-3333-4333-8333-333333333333",
};

/** A second local tenant ("Fabrikam"), with principals of its own. */
export const SECOND_LOCAL_TENANT_ID = "5ec0a0de-0000-4000-8000-0000000fab01";
export const SECOND_TENANT_PRINCIPALS: Record<LocalRole, string> = {
  "Keys.Admin": "44444444-4444-4444-8444-444444444444",
  "Platform.Admin": "55555555-5555-4555-8555-555555555555",
  "Environment.User": "66666666-6666-4666-8666-666666666666",
};

/** One identity the local console's sign-in page offers. */
export interface ConsoleIdentity {
  name: string;
  oid: string;
  tid: string;
  tenantName: string;
  roles: LocalRole[];
}

const ROLE_TITLES: Record<LocalRole, string> = {
  "Keys.Admin": "Key vault administrator",
  "Platform.Admin": "Platform administrator",
  "Environment.User": "Environment user",
};

/** Every local identity, each role in each tenant: what the console's sign-in page lists. */
export function localConsoleIdentities(): ConsoleIdentity[] {
  const tenants = [
    { tid: LOCAL_TENANT_ID, tenantName: "Contoso (local tenant)", principals: LOCAL_PRINCIPALS },
    { tid: SECOND_LOCAL_TENANT_ID, tenantName: "Fabrikam (second tenant)", principals: SECOND_TENANT_PRINCIPALS },
  ];
  return tenants.flatMap(({ tid, tenantName, principals }) =>
    (Object.keys(principals) as LocalRole[]).map((role) => ({ name: ROLE_TITLES[role], oid: principals[role], tid, tenantName, roles: [role] })));
}
