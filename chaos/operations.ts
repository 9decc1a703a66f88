// The random operations: add, remove, change policy, rotate, backup, restore, copy, reset, each
// started through the API as an admin would and followed to its end. An operation that fails is
// rerun (as the reference tells the admin to) until it succeeds or the campaign gives up on it;
// one whose start got no answer may have started, so it is started again (409
// OperationInProgress then means it is running). Restore, copy and reset run with their
// environments' workers paused, so the model knows the data once they succeed; until then (after
// a failure) the target's data is unknown and its worker stays off (dirty).
import type { Api, Answer } from "./api";
import type { Counters } from "./counters";
import type { EnvironmentModel } from "./model";
import { EnvironmentModel as Model } from "./model";
import type { Rng } from "./rng";
import type { Environment, Policy, World } from "./world";
import type { Worker } from "./workload";

export type OperationKind = "add" | "remove" | "changePolicy" | "rotate" | "backup" | "restore" | "copy" | "reset";

interface Backup {
  backupId: string;
  snapshot: EnvironmentModel;
}

export interface EnvironmentView {
  state: string;
  encryption: { keyType: string; policy?: string; status: string };
}

/** Ended: the operation reached Succeeded or Failed. */
type Followed = "Succeeded" | "Failed" | "unknown";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Operations {
  private readonly busy = new Set<string>();
  private readonly backups = new Map<string, Backup[]>();
  private readonly tasks = new Set<Promise<void>>();
  /** After this, a failing operation is rerun with no faults left, until its deadline. */
  finalPhase = false;
  stopping = false;
  /** Operations whose rerun the campaign gave up on, with why: violations if they are still not ended at the end. */
  readonly abandoned: string[] = [];

  constructor(
    private readonly world: World,
    private readonly workers: Map<string, Worker>,
    private readonly api: Api,
    private readonly rng: Rng,
    private readonly counters: Counters,
    private readonly maxInFlight: number,
  ) {}

  get inFlight(): number {
    return this.tasks.size;
  }

  /** Starts one random operation on environments no other operation of the campaign holds. */
  async startOne(): Promise<void> {
    if (this.tasks.size >= this.maxInFlight) return;
    const kind = this.rng.weighted<OperationKind>({ add: 4, remove: 2, changePolicy: 2, rotate: 2, backup: 2, restore: 2, copy: 1, reset: 1 });
    const free = this.world.environments.filter((e) => !this.busy.has(e.name) && !this.workers.get(e.name)!.dirty);
    if (free.length === 0) return;
    const env = this.rng.pick(free);
    const view = await this.view(env);
    if (!view) return;
    const policies = this.world.policies.filter((p) => p.tenant === env.tenant);
    const task = this.plan(kind, env, view, policies);
    if (!task) return;
    this.run(task.envs, task.body);
  }

  private plan(kind: OperationKind, env: Environment, view: EnvironmentView, policies: Policy[]): { envs: Environment[]; body: () => Promise<void> } | undefined {
    const onPolicy = view.encryption.policy;
    const others = this.world.environments.filter((e) => e.tenant === env.tenant && e !== env && !this.busy.has(e.name) && !this.workers.get(e.name)!.dirty);
    switch (kind) {
      case "add": {
        // An environment on a policy is added again only to rerun a failed add.
        if (onPolicy && view.encryption.status !== "Failed" && view.encryption.status !== "Warning") return undefined;
        const policy = onPolicy ?? this.rng.pick(policies).name;
        return { envs: [env], body: () => this.rekey("add", env, () => this.api.call(env.tenant, "Platform.Admin", "POST", `enterprisePolicies/${policy}/environments`, { environmentIds: [env.name], ...this.downtime() })) };
      }
      case "remove":
        if (!onPolicy) return undefined;
        return { envs: [env], body: () => this.rekey("remove", env, () => this.api.call(env.tenant, "Platform.Admin", "DELETE", `enterprisePolicies/${onPolicy}/environments/${env.name}`)) };
      case "changePolicy": {
        if (!onPolicy) return undefined;
        const target = this.rng.pick(policies.filter((p) => p.name !== onPolicy)).name;
        return { envs: [env], body: () => this.rekey("changePolicy", env, () => this.api.call(env.tenant, "Platform.Admin", "POST", `environments/${env.name}/changePolicy`, { policy: target, ...this.downtime() })) };
      }
      case "rotate": {
        const policy = this.rng.pick(policies);
        return { envs: [], body: () => this.rotate(policy) };
      }
      case "backup":
        return { envs: [env], body: () => this.backup(env) };
      case "restore": {
        const backups = this.backups.get(env.name) ?? [];
        if (backups.length === 0) return undefined;
        const backup = this.rng.pick(backups);
        return {
          envs: [env],
          body: () => this.replaceData("restore", env, [], () => backup.snapshot.clone(),
            () => this.api.call(env.tenant, "Platform.Admin", "POST", `environments/${env.name}/restore`, { sourceEnvironmentId: env.name, backupId: backup.backupId })),
        };
      }
      case "copy": {
        if (others.length === 0) return undefined;
        const source = this.rng.pick(others);
        return {
          envs: [env, source],
          body: () => this.replaceData("copy", env, [source], () => this.workers.get(source.name)!.model.clone(),
            () => this.api.call(env.tenant, "Platform.Admin", "POST", `environments/${env.name}/copy`, { sourceEnvironmentId: source.name })),
        };
      }
      case "reset":
        return {
          envs: [env],
          body: () => this.replaceData("reset", env, [], () => Model.empty(this.workers.get(env.name)!.model.records.keys()),
            () => this.api.call(env.tenant, "Platform.Admin", "POST", `environments/${env.name}/reset`)),
        };
    }
  }

  /** The API's add and change policy take no `downtime` field yet (409 UnknownField): the reference's downtime it is. */
  private downtime(): Record<string, never> {
    return {};
  }

  private run(envs: Environment[], body: () => Promise<void>): void {
    for (const e of envs) this.busy.add(e.name);
    const task: Promise<void> = body()
      .catch((err: unknown) => {
        this.counters.bump("operations.harnessError");
        console.error(`chaos: operation task failed: ${err instanceof Error ? err.stack : String(err)}`);
      })
      .finally(() => {
        for (const e of envs) this.busy.delete(e.name);
        this.tasks.delete(task);
      });
    this.tasks.add(task);
  }

  /** Waits for every operation task (they rerun until their end once finalPhase is set). */
  async drain(): Promise<void> {
    while (this.tasks.size) await Promise.all([...this.tasks]);
  }

  async view(env: Environment): Promise<EnvironmentView | undefined> {
    const got = await this.api.call<EnvironmentView>(env.tenant, "Platform.Admin", "GET", `environments/${env.name}`);
    return got.status === 200 ? got.body : undefined;
  }

  /** Follows an operation until it ends, or `unknown` when the campaign stops first. */
  async follow(tenant: Environment["tenant"], operationId: string): Promise<Followed> {
    for (;;) {
      const got = await this.api.call<{ status: string }>(tenant, "Platform.Admin", "GET", `operations/${operationId}`);
      if (got.status === 200 && (got.body.status === "Succeeded" || got.body.status === "Failed")) return got.body.status;
      if (this.stopping) return "unknown";
      await sleep(1000);
    }
  }

  /**
   * Starts (and after a failure reruns) an operation until it succeeds. `start` answers 202 with
   * an operation id. Returns whether it succeeded; false when it was refused (nothing changed) or
   * the campaign gave up.
   */
  private async untilSucceeded(kind: string, tenant: Environment["tenant"], start: () => Promise<Answer>, operationIdOf: (body: any) => string, stillNeeded: () => Promise<boolean>, onStarted?: () => void): Promise<"Succeeded" | "refused" | "gaveUp"> {
    let attempt = 0;
    for (;;) {
      if (this.stopping) return "gaveUp";
      const answer = await start();
      const label = attempt === 0 ? "started" : "rerun";
      if (answer.status === 202) {
        this.counters.bump(`operations.${kind}.${label}`);
        onStarted?.();
        const end = await this.follow(tenant, operationIdOf(answer.body));
        this.counters.bump(`operations.${kind}.${end}`);
        if (end === "Succeeded") return "Succeeded";
        if (end === "unknown") return "gaveUp";
      } else if (answer.status === 409 && answer.body?.error?.code === "OperationInProgress") {
        this.counters.bump(`operations.${kind}.waitedForRunning`);
      } else if (answer.status >= 400 && answer.status < 500 && answer.status !== 429 && answer.status !== 423) {
        const code = answer.body?.error?.code ?? answer.status;
        // A refusal of the first start: nothing changed, nothing to finish.
        if (attempt === 0) {
          this.counters.bump(`operations.${kind}.refused.${code}`);
          return "refused";
        }
        // A rerun refused: the failure's cause may still be there (the key just revoked, the
        // environment locked); the admin tries again later, and so does the campaign, as long as
        // something is left to finish (an unanswered start may have run to its end after all).
        this.counters.bump(`operations.${kind}.rerunRefused.${code}`);
        if (!(await stillNeeded())) return "refused";
      } else {
        this.counters.bump(`operations.${kind}.startError.${answer.status || "noAnswer"}`);
        onStarted?.();
        // No answer or a 5xx: it may have started; starting again finds out (409 OperationInProgress while it runs).
      }
      attempt++;
      await sleep(this.finalPhase ? 2000 : this.rng.int(2000, 8000));
    }
  }

  private async rekey(kind: OperationKind, env: Environment, start: () => Promise<Answer>): Promise<void> {
    const unfinished = async () => ["Failed", "Warning"].includes((await this.view(env))?.encryption.status ?? "Failed");
    const end = await this.untilSucceeded(kind, env.tenant, start, (b) => b.operations[0].operationId, unfinished);
    if (end === "gaveUp") this.abandoned.push(`${kind} of ${env.name}`);
  }

  private async rotate(policy: Policy): Promise<void> {
    try {
      await this.api.keyClient(policy.vaultName).rotateKey(policy.keyName);
      this.counters.bump("operations.rotate.keyVersionCreated");
    } catch {
      this.counters.bump("operations.rotate.keyVersionRefusedByVault");
    }
    const end = await this.untilSucceeded("rotate", policy.tenant,
      () => this.api.call(policy.tenant, "Keys.Admin", "POST", `enterprisePolicies/${policy.name}/rotate`), (b) => b.operationId, async () => false);
    if (end === "gaveUp") this.abandoned.push(`rotate of ${policy.name}`);
  }

  private async backup(env: Environment): Promise<void> {
    const worker = this.workers.get(env.name)!;
    await worker.pause();
    try {
      const snapshot = worker.model.clone();
      const answer = await this.api.call(env.tenant, "Platform.Admin", "POST", `environments/${env.name}/backups`);
      if (answer.status !== 202) {
        this.counters.bump(`operations.backup.${answer.status >= 400 && answer.status < 500 ? `refused.${answer.body?.error?.code}` : `startError.${answer.status || "noAnswer"}`}`);
        return;
      }
      this.counters.bump("operations.backup.started");
      const end = await this.follow(env.tenant, answer.body.operationId);
      this.counters.bump(`operations.backup.${end}`);
      if (end === "Succeeded") {
        const list = this.backups.get(env.name) ?? [];
        list.push({ backupId: answer.body.backupId, snapshot });
        this.backups.set(env.name, list.slice(-3));
      }
    } finally {
      worker.resume();
    }
  }

  /** Restore, copy or reset: the target's data becomes `after()` once it succeeds. */
  private async replaceData(kind: OperationKind, target: Environment, sources: Environment[], after: () => EnvironmentModel, start: () => Promise<Answer>): Promise<void> {
    const workers = [target, ...sources].map((e) => this.workers.get(e.name)!);
    for (const w of workers) await w.pause();
    const targetWorker = workers[0];
    try {
      const next = after();
      const end = await this.untilSucceeded(kind, target.tenant, start, (b) => b.operationId, async () => targetWorker.dirty, () => { targetWorker.dirty = true; });
      if (end === "Succeeded") {
        targetWorker.model = next;
        targetWorker.dirty = false;
      } else if (targetWorker.dirty) {
        // Started at least once and never succeeded: its data is unknown; the final checks count it.
        this.abandoned.push(`${kind} into ${target.name} (${end})`);
      }
    } finally {
      for (const w of workers) w.resume();
    }
  }
}
