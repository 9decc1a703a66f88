#!/usr/bin/env node
// azd postdeploy hook: connects the platform vault's Event Grid subscription once keyward runs.
// The subscription's webhook carries the host's eventgrid_extension system key, which the host
// creates only when it first starts with the Event Grid extension, i.e. after the first
// deployment. So, the first time: wait until the app answers GET /api/health (which starts the
// host), then `azd env set KEYWARD_PLATFORM_EVENTS true` and `azd provision` again; infra/main.bicep
// then reads the key through ARM (the key never passes through this script). Later runs do nothing.
//
// azd passes its environment's values (main.bicep's outputs among them) as environment variables.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export class ConnectError extends Error {
  name = "ConnectError";
}

/** Runs a command with the terminal attached; resolves to its exit code. */
function runAttached(command, args) {
  const result = spawnSync(command, args, { stdio: "inherit", shell: process.platform === "win32" });
  return result.status ?? 1;
}

/**
 * Resolves once `${apiBase}/health` answers from keyward: 200 (healthy) or 503 (a dependency is
 * down, but the host runs). Anything else (no answer, a front-end 404 or 502) is retried every
 * `pollMs` until `timeoutMs` has passed.
 */
export async function waitForHost(apiBase, { timeoutMs, pollMs, log }) {
  const url = `${apiBase.replace(/\/+$/, "")}/health`;
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(Math.min(30_000, timeoutMs)) });
      if (res.status === 200 || res.status === 503) return res.status;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() + pollMs > deadline) {
      throw new ConnectError(`keyward did not answer ${url} within ${Math.round(timeoutMs / 1000)} s (last: ${last}). ` +
        "Check the deployment in the portal (Log stream), then run `azd hooks run postdeploy`.");
    }
    log(`waiting for keyward to start (${last})...`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/**
 * `env`: the azd environment (KEYWARD_API, KEYWARD_PLATFORM_EVENTS). `run(command, args)` returns
 * an exit code. Returns what it did: "already-connected" or "connected".
 */
export async function connectPlatformEvents({ env, run = runAttached, log = console.log, timeoutMs = 10 * 60_000, pollMs = 10_000 }) {
  if (env.KEYWARD_PLATFORM_EVENTS === "true") {
    log("The platform vault's Event Grid subscription is already provisioned.");
    return "already-connected";
  }
  if (!env.KEYWARD_API) throw new ConnectError("KEYWARD_API is not in the azd environment: run `azd provision` (infra/main.bicep outputs it) before this hook.");
  const status = await waitForHost(env.KEYWARD_API, { timeoutMs, pollMs, log });
  log(`keyward answered (${status}); provisioning the platform vault's Event Grid subscription.`);
  for (const args of [["env", "set", "KEYWARD_PLATFORM_EVENTS", "true"], ["provision", "--no-prompt"]]) {
    const code = run("azd", args);
    if (code !== 0) throw new ConnectError(`'azd ${args.join(" ")}' failed (exit ${code}). Fix what it reported, then run \`azd env set KEYWARD_PLATFORM_EVENTS true\` and \`azd provision\`.`);
  }
  return "connected";
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  connectPlatformEvents({ env: process.env }).catch((err) => {
    console.error(err instanceof ConnectError ? err.message : err);
    process.exit(1);
  });
}
