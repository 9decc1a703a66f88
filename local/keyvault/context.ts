// What the parts of a running local vault share: its storage, port, event bus, faults, settings,
// how harsh it is (behaviour) and the clock its throttling and role propagation run on.
import type { LocalVaultBehaviour } from "./behaviour";
import type { EventBus } from "./events";
import type { FaultRegistry } from "./faults";
import type { RequestLog } from "./requestLog";
import type { StateStore, VaultState } from "./state";
import type { VaultThrottle } from "./throttling";
import { vaultBaseUrl } from "./hosts";

export interface VaultContext {
  store: StateStore;
  bus: EventBus;
  faults: FaultRegistry;
  requests: RequestLog;
  tenantId: string;
  nearExpiryDays: number;
  log: (line: string) => void;
  /** The listening port (known once the server listens). */
  port(): number;
  /** The current behaviour; replaced as a whole by PATCH /_local/behaviour. */
  behaviour: LocalVaultBehaviour;
  /** Milliseconds; drives throttling windows and role propagation (key nbf/exp use the wall clock). */
  now: () => number;
  throttle: VaultThrottle;
}

export function baseUrlOf(ctx: VaultContext, vault: VaultState): string {
  return vaultBaseUrl(vault.kind, vault.name, ctx.port());
}

/** Azure's recovery level for a vault's settings. */
export function recoveryLevel(vault: VaultState): string {
  if (!vault.softDelete) return "Purgeable";
  const custom = vault.retentionDays < 90 ? "CustomizedRecoverable" : "Recoverable";
  return vault.purgeProtection ? custom : `${custom}+Purgeable`;
}
