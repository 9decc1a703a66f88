// Authentication (who is calling: a verified bearer token) and authorization (may they call
// this route: app roles and separation of duty). Every route goes through both.
import type { HttpRequest } from "@azure/functions";
import { refused, unauthenticated, unavailable } from "../errors";
import { TokenRejected, type TokenVerifier, type VerifiedCaller } from "../auth/tokenVerifier";
import { holdsBothAdminRoles, type Role } from "../domain/roles";


export async function authenticate(request: HttpRequest, verify: TokenVerifier): Promise<VerifiedCaller> {
  const header = request.headers.get("authorization");
  if (!header) throw unauthenticated("Unauthorized", "This API needs a bearer token in the Authorization header.");
  const match = /^Bearer\s+([A-Za-z0-9\-_.~+/=]+)\s*$/i.exec(header);
  if (!match) throw unauthenticated("InvalidAuthorizationHeader", "The Authorization header must be 'Bearer <token>'.");
  try {
    return await verify(match[1]);
  } catch (err) {
    if (err instanceof TokenRejected) throw unauthenticated("InvalidToken", `The bearer token was rejected: ${err.reason}.`);
    // The issuer's discovery document or keys could not be fetched: not the caller's fault, and
    // nothing is let through (fail closed), but say so rather than answer 500.
    throw unavailable("AuthenticationUnavailable", "The token issuer's signing keys could not be fetched; try again shortly.", undefined, 10);
  }
}

export function authorize(caller: VerifiedCaller, allowed: readonly Role[], allowDualAdmin: boolean): void {
  if (!allowDualAdmin && holdsBothAdminRoles(caller.roles)) {
    throw refused("SeparationOfDuty",
      "The caller holds both Keys.Admin and Platform.Admin. To keep the key vault administrator and the platform administrator apart, " +
      "keyward refuses such callers; assign the roles to different principals, or set KEYWARD_ALLOW_DUAL_ADMIN=true to accept the risk.");
  }
  if (!allowed.some((role) => caller.roles.includes(role))) {
    throw refused("AuthorizationFailed", `This operation needs the role ${allowed.join(" or ")}; the caller has ${caller.roles.length ? caller.roles.join(", ") : "no roles"}.`);
  }
}
