// Who a policy's principal is when keyward reaches its vault as its multi-tenant app (every policy
// in Azure, a policy naming its vault's tenant locally): the app's service principal in the vault's
// tenant, which exists once an administrator there has consented to the app. Its object id
// (what the customer grants on the key) is read from the `oid` of a token Entra issues for it, so
// keyward needs no directory permission. Asked once, when the policy is created.
import type { TokenCredential } from "@azure/core-auth";
import { conflict, unavailable } from "../errors";
import { CrossTenantNotConfigured } from "../keyvault";

export interface CrossTenantPrincipal {
  /** The service principal's object id in the vault's tenant. */
  principalId: string;
  /** keyward's multi-tenant app (the same in every tenant). */
  clientId: string;
}

const VAULT_SCOPE = "https://vault.azure.net/.default";

function oidOf(token: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as { oid?: unknown };
    return typeof payload.oid === "string" ? payload.oid.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

/** Entra's answer when the app has no service principal in the tenant (no consent): AADSTS700016 (or 7000229). */
const NO_SERVICE_PRINCIPAL = /AADSTS(700016|7000229|90002)\b/;

export interface CrossTenantPrincipalOptions {
  /** A policy without keyVault.tenantId gets an identity of its own (KEYWARD_POLICY_PRINCIPALS=perPolicy, local only). */
  perPolicyFallback: boolean;
  /** The cloud's Entra host for the consent URL (https://login.microsoftonline.us in Azure Government); public Entra's when absent. */
  loginHost?: string;
}

export async function crossTenantPrincipal(tenantId: string, clientId: string, credential: () => TokenCredential,
  options: CrossTenantPrincipalOptions = { perPolicyFallback: false }): Promise<CrossTenantPrincipal> {
  const loginHost = (options.loginHost ?? "https://login.microsoftonline.com").replace(/\/+$/, "");
  let token: string | undefined;
  try {
    token = (await credential().getToken(VAULT_SCOPE))?.token;
  } catch (err) {
    if (err instanceof CrossTenantNotConfigured) {
      const untilThen = options.perPolicyFallback ? " Until then, use a vault in keyward's own tenant (no tenantId)." : "";
      throw conflict("CrossTenantNotConfigured", `${err.message}${untilThen}`, "properties.encryption.keyVault.tenantId");
    }
    const message = err instanceof Error ? err.message : String(err);
    if (NO_SERVICE_PRINCIPAL.test(message)) {
      throw conflict("CrossTenantConsentRequired",
        `keyward's app (client id ${clientId}) is not consented in tenant ${tenantId}. An administrator of that tenant consents first: ` +
        `${loginHost}/${tenantId}/adminconsent?client_id=${clientId} (or 'az ad sp create --id ${clientId}'), then create the policy again.`,
        "properties.encryption.keyVault.tenantId");
    }
    throw unavailable("CrossTenantTokenUnavailable", `keyward could not get a token in tenant ${tenantId} as its app (client id ${clientId}); nothing was created. Try again; if it persists, check the app's federated credential (infra/README.md).`);
  }
  const principalId = token ? oidOf(token) : undefined;
  if (!principalId) throw unavailable("CrossTenantTokenUnavailable", `The token keyward got in tenant ${tenantId} names no principal (oid); nothing was created. Try again.`);
  return { principalId, clientId };
}
