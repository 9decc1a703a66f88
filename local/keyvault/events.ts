// Event Grid: the events the vault raises (Event Grid schema), and their delivery to every
// enabled subscription endpoint. Delivery never blocks a keys API answer; it is retried with
// backoff, logged when it fails, and kept in order per subscription. `publish` resolves once each
// delivery has had its first attempt (the management API awaits that); `flush` waits until every
// delivery has finished, retries included.
import { randomUUID } from "node:crypto";
import type { EventSubscriptionState, KeyVersionState, RoleAssignmentState, StateStore, VaultState } from "./state";
import { armId } from "./hosts";

export interface EventGridEvent {
  id: string;
  topic: string;
  subject: string;
  eventType: string;
  eventTime: string;
  data: Record<string, unknown>;
  dataVersion: "1";
  metadataVersion: "1";
}

export const EVENT_TYPES = {
  keyNewVersionCreated: "Microsoft.KeyVault.KeyNewVersionCreated",
  keyNearExpiry: "Microsoft.KeyVault.KeyNearExpiry",
  keyExpired: "Microsoft.KeyVault.KeyExpired",
  vaultAccessPolicyChanged: "Microsoft.KeyVault.VaultAccessPolicyChanged",
  resourceWriteSuccess: "Microsoft.Resources.ResourceWriteSuccess",
  resourceDeleteSuccess: "Microsoft.Resources.ResourceDeleteSuccess",
} as const;

/** Subscription id used for scopes that name none (e.g. `/`). */
export const LOCAL_SUBSCRIPTION_ID = "00000000-0000-4000-8000-00000000c0de";

function envelope(eventType: string, topic: string, subject: string, data: Record<string, unknown>): EventGridEvent {
  return { id: randomUUID(), topic, subject, eventType, eventTime: new Date().toISOString(), data, dataVersion: "1", metadataVersion: "1" };
}

export function vaultTopic(vault: VaultState): string {
  return armId(vault.kind, vault.subscriptionId, vault.resourceGroup, vault.name);
}

/** KeyNewVersionCreated / KeyNearExpiry / KeyExpired for one key version. */
export function keyEvent(eventType: string, vault: VaultState, baseUrl: string, keyName: string, version: KeyVersionState): EventGridEvent {
  return envelope(eventType, vaultTopic(vault), keyName, {
    Id: `${baseUrl}/keys/${keyName}/${version.version}`,
    VaultName: vault.name,
    ObjectType: "Key",
    ObjectName: keyName,
    Version: version.version,
    NBF: version.nbf ?? null,
    EXP: version.exp ?? null,
  });
}

export function vaultAccessPolicyChangedEvent(vault: VaultState, baseUrl: string): EventGridEvent {
  return envelope(EVENT_TYPES.vaultAccessPolicyChanged, vaultTopic(vault), vault.name, {
    Id: baseUrl,
    VaultName: vault.name,
    ObjectType: "Vault",
    ObjectName: vault.name,
    Version: null,
    NBF: null,
    EXP: null,
  });
}

export function subscriptionOfScope(scope: string): string {
  return /^\/subscriptions\/([^/]+)/i.exec(scope)?.[1] ?? LOCAL_SUBSCRIPTION_ID;
}

export function roleAssignmentResourceId(a: RoleAssignmentState): string {
  return `${a.scope.replace(/\/+$/, "")}/providers/Microsoft.Authorization/roleAssignments/${a.id}`;
}

/** Who writes role assignments through the local management API, as ARM's events name the caller. */
export const LOCAL_ARM_CALLER = "00000000-0000-4000-8000-0000000a7a11";
const OWNER_ROLE_DEFINITION_ID = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";

/**
 * ResourceWriteSuccess / ResourceDeleteSuccess for a role assignment, as the subscription's ARM
 * topic publishes them: the moment ARM accepts the change, not when the data plane applies it.
 * As in Azure, the event says which assignment (resourceUri) changed and who changed it
 * (authorization.evidence is the CALLER's own grant), not whom it grants or which role.
 */
export function roleAssignmentEvent(change: "write" | "delete", a: RoleAssignmentState, tenantId: string): EventGridEvent {
  const subscriptionId = subscriptionOfScope(a.scope);
  const resourceUri = roleAssignmentResourceId(a);
  const operationName = `Microsoft.Authorization/roleAssignments/${change}`;
  return envelope(change === "write" ? EVENT_TYPES.resourceWriteSuccess : EVENT_TYPES.resourceDeleteSuccess,
    `/subscriptions/${subscriptionId}`, resourceUri, {
      authorization: {
        scope: resourceUri,
        action: operationName,
        evidence: {
          role: "Owner", roleAssignmentScope: `/subscriptions/${subscriptionId}`, roleDefinitionId: OWNER_ROLE_DEFINITION_ID,
          principalId: LOCAL_ARM_CALLER, principalType: "User",
        },
      },
      claims: { "http://schemas.microsoft.com/identity/claims/objectidentifier": LOCAL_ARM_CALLER, "http://schemas.microsoft.com/identity/claims/tenantid": tenantId },
      correlationId: randomUUID(),
      httpRequest: {
        clientRequestId: randomUUID(), clientIpAddress: "127.0.0.1", method: change === "write" ? "PUT" : "DELETE",
        url: `https://management.azure.com${resourceUri}?api-version=2022-04-01`,
      },
      operationName,
      resourceProvider: "Microsoft.Authorization",
      resourceUri,
      status: "Succeeded",
      subscriptionId,
      tenantId,
    });
}

export type DeliveryStatus = "pending" | "delivered" | "failed";

export interface DeliveryRecord {
  subscription: string;
  endpoint: string;
  status: DeliveryStatus;
  attempts: number;
  lastError?: string;
}

export interface PublishedEvent {
  seq: number;
  event: EventGridEvent;
  deliveries: DeliveryRecord[];
}

const RETRY_DELAYS_MS = [250, 1000, 3000];
const ATTEMPT_TIMEOUT_MS = 5000;
const EVENT_LOG_LIMIT = 2000;

export class EventBus {
  private seq = 0;
  private readonly published: PublishedEvent[] = [];
  /** Per subscription: the tail of its ordered delivery chain. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly sleepers = new Map<NodeJS.Timeout, () => void>();
  private readonly aborts = new Set<AbortController>();
  private stopped = false;

  constructor(private readonly store: StateStore, private readonly log: (line: string) => void) {}

  /** Queues delivery; resolves once every delivery of these events has had its first attempt. */
  publish(events: EventGridEvent[]): Promise<void> {
    const firstAttempts: Promise<void>[] = [];
    for (const event of events) {
      const record: PublishedEvent = { seq: ++this.seq, event, deliveries: [] };
      this.published.push(record);
      if (this.published.length > EVENT_LOG_LIMIT) this.published.shift();
      for (const sub of Object.values(this.store.data.eventSubscriptions)) {
        if (!sub.enabled || (sub.eventTypes?.length && !sub.eventTypes.includes(event.eventType))) continue;
        const delivery: DeliveryRecord = { subscription: sub.name, endpoint: sub.endpoint, status: "pending", attempts: 0 };
        record.deliveries.push(delivery);
        let signalFirst!: () => void;
        firstAttempts.push(new Promise<void>((r) => { signalFirst = r; }));
        const previous = this.chains.get(sub.name) ?? Promise.resolve();
        const run = previous.then(() => this.deliver(sub, event, delivery, signalFirst)).finally(() => signalFirst());
        this.chains.set(sub.name, run);
        this.inFlight.add(run);
        void run.finally(() => {
          this.inFlight.delete(run);
          if (this.chains.get(sub.name) === run) this.chains.delete(sub.name);
        });
      }
    }
    return Promise.all(firstAttempts).then(() => undefined);
  }

  /** Resolves when every delivery queued so far has been delivered or has given up. */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  list(since = 0): PublishedEvent[] {
    return this.published.filter((p) => p.seq > since);
  }

  stop(): void {
    this.stopped = true;
    for (const [t, wake] of this.sleepers) { clearTimeout(t); wake(); }
    this.sleepers.clear();
    for (const a of this.aborts) a.abort();
  }

  private async deliver(sub: EventSubscriptionState, event: EventGridEvent, delivery: DeliveryRecord, firstAttemptDone: () => void): Promise<void> {
    for (let attempt = 0; attempt <= RETRY_DELAYS_MS.length && !this.stopped; attempt++) {
      if (attempt > 0) await this.sleep(RETRY_DELAYS_MS[attempt - 1]);
      if (this.stopped) break;
      delivery.attempts++;
      const abort = new AbortController();
      this.aborts.add(abort);
      const timeout = setTimeout(() => abort.abort(), ATTEMPT_TIMEOUT_MS);
      try {
        const res = await fetch(sub.endpoint, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "aeg-event-type": "Notification",
            "aeg-subscription-name": sub.name.toUpperCase(),
            "aeg-delivery-count": String(attempt),
            "aeg-data-version": event.dataVersion,
            "aeg-metadata-version": event.metadataVersion,
          },
          body: JSON.stringify([event]),
          signal: abort.signal,
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) {
          delivery.status = "delivered";
          delivery.lastError = undefined;
          firstAttemptDone();
          return;
        }
        delivery.lastError = `HTTP ${res.status}`;
      } catch (err) {
        delivery.lastError = (err as Error).message + ((err as { cause?: { code?: string } }).cause?.code ? ` (${(err as { cause: { code: string } }).cause.code})` : "");
      } finally {
        clearTimeout(timeout);
        this.aborts.delete(abort);
      }
      firstAttemptDone();
      this.log(`keyvault: delivering ${event.eventType} ${event.id} to ${sub.name} (${sub.endpoint}) failed, attempt ${delivery.attempts}: ${delivery.lastError}`);
    }
    delivery.status = "failed";
    this.log(`keyvault: gave up delivering ${event.eventType} ${event.id} to ${sub.name} after ${delivery.attempts} attempts`);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.sleepers.delete(t); resolve(); }, ms);
      this.sleepers.set(t, resolve);
    });
  }
}
