// What the data path needs to know about an environment before it touches data (its state,
// status and data id; the caller's membership), read through short-lived caches so that a data
// call usually costs no state reads at all. The bounds are the product's promises: a lock is
// seen by every instance within 2 s and a removed member is refused within 1 s, so the settings
// that set them are capped below those figures (shared/settings.ts).
import type { Environment } from "../domain/environment";
import type { EnvironmentMember } from "../domain/member";
import { FreshCache } from "./freshCache";
import type { StateChange, TenantState } from "./stateStore";

export interface DataAccessViewOptions {
  /** Oldest environment document served (lock, status, data id). */
  environmentMaxAgeMs: number;
  /** Oldest membership served. */
  memberMaxAgeMs: number;
  now?: () => number;
}

const key = (...parts: string[]) => JSON.stringify(parts);

export class DataAccessView {
  private readonly environments: FreshCache<Environment>;
  private readonly members: FreshCache<EnvironmentMember>;
  private readonly now: () => number;

  constructor(options: DataAccessViewOptions) {
    this.now = options.now ?? Date.now;
    this.environments = new FreshCache({ maxAgeMs: options.environmentMaxAgeMs, now: options.now });
    this.members = new FreshCache({ maxAgeMs: options.memberMaxAgeMs, now: options.now });
  }

  environment(tenant: TenantState, environmentId: string): Promise<Environment | undefined> {
    return this.environments.get(key(tenant.tenantId, environmentId), () => tenant.getEnvironment(environmentId));
  }

  /** `objectId` lower-case, as memberships are stored. */
  member(tenant: TenantState, environmentId: string, objectId: string): Promise<EnvironmentMember | undefined> {
    return this.members.get(key(tenant.tenantId, environmentId, objectId), () => tenant.getMember(environmentId, objectId));
  }

  /** Drops what a write of this process made out of date (StateStore.onChange). */
  forget(change: StateChange): void {
    if (change.kind === "environment") this.environments.forget(key(change.tenantId, change.environmentId));
    else this.members.forget(key(change.tenantId, change.environmentId, change.objectId.toLowerCase()));
  }

  /** Reads the environment now, and serves that copy from then on. */
  async environmentNow(tenant: TenantState, environmentId: string): Promise<Environment | undefined> {
    const startedAt = this.now();
    const env = await tenant.getEnvironment(environmentId);
    if (env) this.environments.set(key(tenant.tenantId, environmentId), env, startedAt);
    else this.environments.forget(key(tenant.tenantId, environmentId));
    return env;
  }
}
