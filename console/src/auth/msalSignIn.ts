// Sign-in in Azure: @azure/msal-browser against the console's app registration (a single-page
// application whose redirect URI is this site's root), asking for the API's scope. Loaded only in
// that mode. Redirect flow: the page leaves for Entra ID and comes back signed in.
import { InteractionRequiredAuthError, PublicClientApplication, type AccountInfo } from "@azure/msal-browser";
import { readClaims, type Session } from "./session";

export interface MsalSignIn {
  /** The session when the user is signed in (after the redirect back), else undefined. */
  session: Session | undefined;
  signIn(): Promise<void>;
}

export async function startMsal(config: { clientId: string; authority: string; apiScope: string }, onSignOut: () => void): Promise<MsalSignIn> {
  const pca = new PublicClientApplication({
    auth: { clientId: config.clientId, authority: config.authority, redirectUri: `${location.origin}/`, postLogoutRedirectUri: `${location.origin}/` },
    cache: { cacheLocation: "sessionStorage" },
  });
  await pca.initialize();
  const redirected = await pca.handleRedirectPromise();
  const account: AccountInfo | null = redirected?.account ?? pca.getActiveAccount() ?? pca.getAllAccounts()[0] ?? null;
  const scopes = [config.apiScope];
  const signIn = () => pca.loginRedirect({ scopes });
  if (!account) return { session: undefined, signIn };
  pca.setActiveAccount(account);

  const token = async () => {
    try {
      return (await pca.acquireTokenSilent({ scopes, account })).accessToken;
    } catch (err) {
      if (err instanceof InteractionRequiredAuthError) {
        await pca.acquireTokenRedirect({ scopes, account });
        throw new Error("Signing in again with Entra ID.");
      }
      throw err;
    }
  };
  const claims = readClaims(await token());
  return {
    signIn,
    session: {
      oid: claims.oid ?? account.localAccountId, name: account.name ?? account.username, tenantId: claims.tid ?? account.tenantId,
      tenantName: claims.tid ?? account.tenantId, roles: claims.roles ?? [], token,
      signOut: async () => {
        onSignOut();
        await pca.logoutRedirect({ account });
      },
    },
  };
}
