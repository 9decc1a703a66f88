// The console: sign-in first, then the page for the path, with the header and the alerts banner
// on every page. Environment users see that the console is for administrators.
import { useEffect, useMemo, useRef, useState } from "react";
import { MessageBar, MessageBarBody, MessageBarTitle } from "@fluentui/react-components";
import type { ConsoleConfig, LocalIdentity } from "./auth/config";
import { isAdmin, type Session } from "./auth/session";
import { localSession } from "./auth/localSignIn";
import { ApiClient } from "./api/client";
import { Ctx } from "./context";
import { Header } from "./components/Header";
import { AlertsBanner } from "./components/AlertsBanner";
import { SignInPage } from "./pages/SignInPage";
import { PoliciesPage } from "./pages/PoliciesPage";
import { PolicyPage } from "./pages/PolicyPage";
import { KeyPage } from "./pages/KeyPage";
import { EnvironmentsPage } from "./pages/EnvironmentsPage";
import { EnvironmentPage } from "./pages/EnvironmentPage";
import { matchRoute, usePath, AppLink, paths } from "./router";

export interface AppProps {
  config: ConsoleConfig;
  initialSession?: Session;
  /** Starts the Entra ID sign-in (msal mode). */
  msalSignIn?: () => Promise<void>;
}

export function App({ config, initialSession, msalSignIn }: AppProps) {
  const [session, setSession] = useState<Session | undefined>(initialSession);
  const api = useMemo(() => (session ? new ApiClient(() => session.token()) : undefined), [session]);
  const path = usePath();
  // A new page takes the focus (screen readers announce it, Tab starts from its top). This also
  // lets a dialog that opened the page let go: focus left inside a removed dialog kept the page aria-hidden.
  // (A tab switch changes only the query: the focus stays on the tab.)
  const pageOnly = path.split("?")[0];
  const lastPage = useRef(pageOnly);
  useEffect(() => {
    if (pageOnly === lastPage.current) return;
    lastPage.current = pageOnly;
    document.getElementById("main")?.focus();
  }, [pageOnly]);

  if (!session || !api) {
    const onLocal = async (identity: LocalIdentity) => {
      if (config.mode !== "local") return;
      setSession(await localSession(config.tokenEndpoint, config.audience, identity, () => setSession(undefined)));
    };
    return <><a className="skip-link" href="#main">Skip to content</a><SignInPage config={config} onLocal={onLocal} onMsal={msalSignIn ?? (async () => undefined)} /></>;
  }
  const route = matchRoute(path);
  return (
    <Ctx.Provider value={{ session, api }}>
      <a className="skip-link" href="#main">Skip to content</a>
      <Header session={session} />
      <AlertsBannerIfAdmin session={session} />
      <main id="main" className="page" tabIndex={-1}>
        {!isAdmin(session) ? (
          <MessageBar intent="warning" layout="multiline">
            <MessageBarBody>
              <MessageBarTitle>This console is for administrators</MessageBarTitle>
              Your roles ({session.roles.join(", ") || "none"}) do not include Keys.Admin or Platform.Admin. Environment users reach their data through the data API.
            </MessageBarBody>
          </MessageBar>
        ) : route.page === "policies" ? <PoliciesPage />
          : route.page === "policy" ? <PolicyPage name={route.name} />
          : route.page === "policyKey" ? <KeyPage name={route.name} />
          : route.page === "environments" ? <EnvironmentsPage />
          : route.page === "environment" ? <EnvironmentPage id={route.id} />
          : <NotFound />}
      </main>
    </Ctx.Provider>
  );
}

function AlertsBannerIfAdmin({ session }: { session: Session }) {
  return isAdmin(session) ? <AlertsBanner /> : null;
}

function NotFound() {
  return (
    <>
      <h1>Page not found</h1>
      <p>There is no console page at {location.pathname}. Go to <AppLink to={paths.policies()}>Enterprise policies</AppLink>.</p>
    </>
  );
}
