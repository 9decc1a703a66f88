// The public contract of the local Key Vault (re-exported by index.ts). Other parts of keyward
// code against these shapes; keep them stable.
import type { LocalVaultBehaviourPatch } from "./behaviour";

export interface LocalVaultOptions {
  /** state.json, CA and leaf certs live here; state persists across restarts. */
  dataDir: string;
  /** 0/undefined = any free port. */
  port?: number;
  /** Verifies bearer tokens (audience https://vault.azure.net, or https://managedhsm.azure.net for HSM hosts). */
  /** Verifies a token; `tenantId` (its tid) is checked against the vault's tenant. */
  verifyToken: (token: string) => Promise<{ oid: string; tenantId?: string }>;
  /** For `WWW-Authenticate: Bearer authorization="https://login.microsoftonline.com/{tenant}"`. */
  tenantId?: string;
  log?: (line: string) => void;
  /** Default for the KeyNearExpiry window when a key has no rotation policy Notify action. Default 30. */
  nearExpiryDays?: number;
  /** How often it scans for near-expiry / expired keys (default 5000). */
  expiryCheckIntervalMs?: number;
  /**
   * How harsh it is (behaviour.ts): role propagation delay, throttling, key validity rules,
   * which events it raises. Defaults: no delay, no throttling, Azure's validity rules and events.
   * Changeable at run time with PATCH /_local/behaviour.
   */
  behaviour?: LocalVaultBehaviourPatch;
  /** Clock (ms) for throttling windows and role propagation; Date.now by default. Tests pass a controllable one. */
  now?: () => number;
}

export interface LocalVault {
  port: number;
  /** https://{name}.vault.azure.net:{port} */
  vaultUrl(name: string): string;
  /** https://{name}.managedhsm.azure.net:{port} */
  managedHsmUrl(name: string): string;
  /** "https://{vault}.vault.azure.net:{port}" with the port filled in. */
  urlTemplate: string;
  /** "https://{vault}.managedhsm.azure.net:{port}" with the port filled in. */
  managedHsmUrlTemplate: string;
  /** https://127.0.0.1:{port}/_local (no token, loopback only). */
  managementUrl: string;
  /** The self-signed CA (generated at first start under dataDir, reused after). */
  caCertPem: string;
  caCertPath: string;
  stop(): Promise<void>;
}

export type VaultKind = "vault" | "managedHsm";
