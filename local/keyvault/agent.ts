// The https.Agent a client uses to reach the local vault under its real-looking host names:
// it trusts the local CA and resolves *.vault.azure.net / *.managedhsm.azure.net to 127.0.0.1.
// With `resolve`, a host the vault does not know fails exactly as DNS would (ENOTFOUND).
import dns from "node:dns";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { isVaultHostName } from "./hosts";

export interface LocalVaultAgentOptions {
  caCertPem: string;
  /** Whether a vault host exists (e.g. `GET {managementUrl}/resolve/{host}`); false -> ENOTFOUND. */
  resolve?: (host: string) => Promise<boolean>;
}

function dnsError(code: "ENOTFOUND" | "EAI_AGAIN", hostname: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException & { hostname?: string } = new Error(`getaddrinfo ${code} ${hostname}`);
  err.code = code;
  err.errno = code === "ENOTFOUND" ? -3008 : -3001;
  err.syscall = "getaddrinfo";
  err.hostname = hostname;
  return err;
}

export function localVaultLookup(resolve?: (host: string) => Promise<boolean>): LookupFunction {
  return ((hostname: string, options: dns.LookupOptions, callback: (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void) => {
    if (!isVaultHostName(hostname)) {
      dns.lookup(hostname, options, callback as never);
      return;
    }
    const answer = () => {
      if (options?.all) callback(null, [{ address: "127.0.0.1", family: 4 }]);
      else callback(null, "127.0.0.1", 4);
    };
    if (!resolve) return answer();
    // DNS names are case-insensitive: the resolver sees the lower-cased name.
    resolve(hostname.toLowerCase().replace(/\.$/, "")).then(
      (exists) => (exists ? answer() : callback(dnsError("ENOTFOUND", hostname), options?.all ? [] : "")),
      () => callback(dnsError("EAI_AGAIN", hostname), options?.all ? [] : ""),
    );
  }) as LookupFunction;
}

export function localVaultAgent(options: LocalVaultAgentOptions): https.Agent {
  return new https.Agent({ ca: options.caCertPem, keepAlive: true, lookup: localVaultLookup(options.resolve) });
}
