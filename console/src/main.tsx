// Loads the sign-in configuration, restores a session (a local identity remembered for this tab,
// or the account msal-browser brings back from Entra ID), and renders the console.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { FluentProvider, webLightTheme } from "@fluentui/react-components";
import { App } from "./App";
import { loadConfig, type ConsoleConfig } from "./auth/config";
import { localSession, rememberedIdentity } from "./auth/localSignIn";
import type { Session } from "./auth/session";
import "./styles.css";

async function boot(): Promise<{ config: ConsoleConfig; session?: Session; msalSignIn?: () => Promise<void> }> {
  const config = await loadConfig();
  const signedOut = () => location.assign("/console/");
  if (config.mode === "local") {
    const remembered = rememberedIdentity(config.identities);
    const session = remembered ? await localSession(config.tokenEndpoint, config.audience, remembered, signedOut).catch(() => undefined) : undefined;
    return { config, session };
  }
  if (config.mode === "msal") {
    const { startMsal } = await import("./auth/msalSignIn");
    const msal = await startMsal(config, () => undefined);
    return { config, session: msal.session, msalSignIn: msal.signIn };
  }
  return { config };
}

const root = createRoot(document.getElementById("root")!);
boot().then(
  ({ config, session, msalSignIn }) => root.render(
    <StrictMode>
      <FluentProvider theme={webLightTheme}>
        <App config={config} initialSession={session} msalSignIn={msalSignIn} />
      </FluentProvider>
    </StrictMode>,
  ),
  (err: unknown) => {
    root.render(<main><h1>The console could not start</h1><p role="alert">{err instanceof Error ? err.message : String(err)}</p></main>);
  },
);
