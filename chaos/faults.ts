// The fault injector: one fault at a time, each held for a random while and then cleared, with a
// random quiet gap between: keyward SIGKILLed and started again, Azurite stopped and started
// again, a storm of 429s from the vault, vault latency, dropped vault connections, a policy's
// access to its key revoked then granted again, a key version disabled then enabled again.
// Whatever a fault changed is remembered until it is cleared, so clearAll() leaves nothing behind
// even if the campaign ends in the middle of one.
import type { Api } from "./api";
import type { Counters } from "./counters";
import type { AzuriteProcess, KeywardProcess } from "./processes";
import type { Rng } from "./rng";
import type { Policy, World } from "./world";

export type FaultKind = "keywardKill" | "azuriteOutage" | "vault429" | "vaultLatency" | "vaultDrop" | "revokeAccess" | "disableKey";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class FaultInjector {
  private readonly revoked = new Set<Policy>();
  private readonly disabled = new Map<string, { policy: Policy; version: string }>();
  private readonly vaultFaults = new Set<string>();
  stopping = false;

  constructor(
    private readonly world: World,
    private readonly api: Api,
    private readonly keyward: KeywardProcess,
    private readonly azurite: AzuriteProcess,
    private readonly rng: Rng,
    private readonly counters: Counters,
    private readonly log: (line: string) => void,
  ) {}

  async run(until: () => boolean): Promise<void> {
    await sleep(this.rng.int(2000, 6000));
    while (!until() && !this.stopping) {
      const kind = this.rng.weighted<FaultKind>({ keywardKill: 2, azuriteOutage: 2, vault429: 2, vaultLatency: 2, vaultDrop: 2, revokeAccess: 2, disableKey: 2 });
      const holdMs = this.rng.int(3000, 15000);
      this.counters.bump(`faults.${kind}`);
      this.log(`fault ${kind} for ${holdMs} ms`);
      try {
        await this.inject(kind, holdMs);
      } catch (err) {
        this.counters.bump(`faults.${kind}.injectError`);
        this.log(`fault ${kind} could not be injected: ${err instanceof Error ? err.message : String(err)}`);
      }
      await this.clearAll();
      await sleep(this.rng.int(2000, 10000));
    }
  }

  private async inject(kind: FaultKind, holdMs: number): Promise<void> {
    const policy = this.rng.pick(this.world.policies);
    const oneVault = this.rng.chance(0.5) ? { vault: policy.vaultName } : {};
    switch (kind) {
      case "keywardKill":
        await this.keyward.kill();
        await sleep(this.rng.int(0, 3000));
        await this.keyward.start();
        return;
      case "azuriteOutage":
        await this.azurite.stop();
        await sleep(holdMs);
        await this.azurite.start();
        return;
      case "vault429":
        await this.vaultFault("chaos-429", { status: 429, ...oneVault });
        break;
      case "vaultLatency":
        await this.vaultFault("chaos-latency", { latencyMs: this.rng.int(500, 4000), ...oneVault });
        break;
      case "vaultDrop":
        await this.vaultFault("chaos-drop", { drop: true, count: this.rng.int(5, 60), ...oneVault });
        break;
      case "revokeAccess":
        this.revoked.add(policy);
        await this.api.management().deleteRoleAssignment(policy.assignmentId);
        break;
      case "disableKey": {
        const client = this.api.keyClient(policy.vaultName);
        const version = (await client.getKey(policy.keyName)).properties.version!;
        this.disabled.set(`${policy.vaultName}/${version}`, { policy, version });
        await client.updateKeyProperties(policy.keyName, version, { enabled: false });
        break;
      }
    }
    await sleep(holdMs);
  }

  private async vaultFault(id: string, spec: Record<string, unknown>): Promise<void> {
    this.vaultFaults.add(id);
    await this.api.management().putFault(id, spec);
  }

  /** Undoes every fault still in place; retries until each part is undone. Postcondition: nothing injected remains. */
  async clearAll(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        if (!this.azurite.up) await this.azurite.start();
        if (!this.keyward.running) await this.keyward.start();
        const management = this.api.management();
        for (const id of [...this.vaultFaults]) {
          await management.deleteFault(id).catch((err: { status?: number }) => { if (err.status !== 404) throw err; });
          this.vaultFaults.delete(id);
        }
        for (const policy of [...this.revoked]) {
          await management.putRoleAssignment(policy.assignmentId, { principalId: policy.principalId, roleDefinitionName: "Key Vault Crypto Service Encryption User", scope: policy.vaultId });
          this.revoked.delete(policy);
        }
        for (const [k, { policy, version }] of [...this.disabled]) {
          await this.api.keyClient(policy.vaultName).updateKeyProperties(policy.keyName, version, { enabled: true });
          this.disabled.delete(k);
        }
        return;
      } catch (err) {
        if (attempt > 60) throw new Error(`chaos: could not clear the faults: ${err instanceof Error ? err.message : String(err)}`);
        await sleep(1000);
      }
    }
  }
}
