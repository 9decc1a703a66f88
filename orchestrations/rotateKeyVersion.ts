// A new version of a policy's key: re-wrap every DEK of every environment on the policy under it.
// No data is re-encrypted and nothing goes down; the old wrapped copies stay until nothing needs
// them (the reference keeps previous versions for 28 days). Started by the KeyNewVersionCreated
// event, the daily rotation sweep, or by hand.
//
// Vault load: a policy may hold thousands of environments on one customer vault, whose quota is
// a few hundred RSA operations a second. So at most `parallelism` environments are re-wrapped at
// once (as one ends the next starts), and an environment whose re-wrap the vault throttled (429)
// is neither an error nor a lock: the flow stops starting new ones, waits on a durable timer (the
// vault's Retry-After, else a doubling back-off), and tries that environment again. It also halves
// how many it runs at once (and widens again by one per round of successes, up to `parallelism`): at the
// quota, environments started together each get part-way and are throttled, and their retries
// would keep the vault's window full without any of them finishing.
import type { OrchestrationContext, Task } from "durable-functions";
import type { EnvironmentScope, RewrapEnvironmentOutput, RotateInput } from "../shared/operations/contracts";
import type { ActivityTable } from "../activities";
import { proxyActivities, type TypedTask } from "./activityProxy";
import { orchestrator, type Sent } from "./orchestrator";
import { errorMessage } from "./retry";

export interface RotationResult {
  status: "Succeeded" | "Failed";
  keyId?: string;
  environments?: number;
  rewrapped?: number;
  failed?: Exclude<RewrapEnvironmentOutput, { outcome: "ok" }>[];
  error?: { code: string; message: string };
}

/** Environments re-wrapped at once when the input does not say (instances started before the setting). */
export const DEFAULT_ROTATION_PARALLELISM = 16;
/** Throttled answers one environment may get before the rotation reports it (and goes on with the rest). */
export const MAX_THROTTLED_ATTEMPTS = 40;
/** Back-off when the vault gave no Retry-After (Azure Key Vault usually does not): 1 s doubling to 30 s. */
const FIRST_THROTTLE_WAIT_MS = 1000;
const MAX_THROTTLE_WAIT_MS = 30_000;

/** The wait after the n-th throttle in a row (1-based), unless the vault said how long. */
export function throttleWaitMs(consecutive: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined && retryAfterMs > 0) return Math.min(retryAfterMs, MAX_THROTTLE_WAIT_MS * 4);
  return Math.min(MAX_THROTTLE_WAIT_MS, FIRST_THROTTLE_WAIT_MS * 2 ** Math.max(0, consecutive - 1));
}

type Rewrapped = RewrapEnvironmentOutput;

function* rotateFlow(context: OrchestrationContext, input: RotateInput): Generator<Task, RotationResult, Sent> {
  const act = proxyActivities<ActivityTable>(context, input.retry);
  const version = yield* act.resolveKeyVersion({ tenantId: input.tenantId, policy: input.policy, keyId: input.keyId });
  if (version.outcome !== "ok") return { status: "Failed", error: { code: version.code, message: version.message } };
  const total = version.environments.length;
  const parallelism = Math.max(1, input.parallelism ?? DEFAULT_ROTATION_PARALLELISM);
  context.df.setCustomStatus({ keyId: version.keyId, progress: { done: 0, total, unit: "environments" } });

  // In order of the policy's list; a throttled environment goes back to the front of the queue.
  const queue: EnvironmentScope[] = [...version.environments];
  const running: { scope: EnvironmentScope; task: TypedTask<Rewrapped> }[] = [];
  const results = new Map<string, Rewrapped>();
  const throttles = new Map<string, number>();
  let consecutive = 0;
  let width = parallelism;
  let widthCredit = 0;
  let pausedUntil = 0;
  let crashed: string | undefined;
  let throttledTotal = 0;

  const start = (scope: EnvironmentScope) =>
    running.push({ scope, task: act.rewrapEnvironment.start({ operationId: input.operationId, ...scope, policy: input.policy, keyId: version.keyId }) });

  while (running.length > 0 || queue.length > 0) {
    const now = context.df.currentUtcDateTime.getTime();
    if (pausedUntil > now && running.length === 0) {
      yield context.df.createTimer(new Date(pausedUntil));
      continue;
    }
    while (pausedUntil <= now && running.length < width && queue.length > 0) start(queue.shift()!);
    const winner = (yield context.df.Task.any(running.map((r) => r.task))) as Task;
    const [{ scope }] = running.splice(running.findIndex((r) => r.task === winner), 1);
    if (winner.isFaulted) {
      // An activity that spent its retries (storage down, say): reported once every environment was tried.
      crashed ??= errorMessage(winner.result);
      continue;
    }
    const result = winner.result as Rewrapped;
    if (result.outcome === "Throttled") {
      throttledTotal++;
      const n = (throttles.get(scope.environmentId) ?? 0) + 1;
      throttles.set(scope.environmentId, n);
      if (n < MAX_THROTTLED_ATTEMPTS) {
        consecutive++;
        width = Math.max(1, Math.floor(width / 2));
        widthCredit = 0;
        queue.unshift(scope);
        const until = context.df.currentUtcDateTime.getTime() + throttleWaitMs(consecutive, result.retryAfterMs);
        if (until > pausedUntil) {
          pausedUntil = until;
          context.df.setCustomStatus({ keyId: version.keyId, progress: { done: results.size, total, unit: "environments" }, throttledUntil: new Date(until).toISOString() });
        }
        continue;
      }
      results.set(scope.environmentId, { ...result, message: `${result.message} (throttled ${n} times; rotate again to finish)` });
      continue;
    }
    consecutive = 0;
    // One wider per `width` successes in a row (a round at this width went through).
    if (++widthCredit >= width) {
      width = Math.min(parallelism, width + 1);
      widthCredit = 0;
    }
    results.set(scope.environmentId, result);
  }
  if (crashed !== undefined) throw new Error(crashed);

  const ordered = version.environments.map((e) => results.get(e.environmentId)!);
  const failed = ordered.filter((r): r is Exclude<Rewrapped, { outcome: "ok" }> => r.outcome !== "ok");
  const rewrapped = ordered.reduce((n, r) => n + (r.outcome === "ok" ? r.rewrapped : 0), 0);
  context.df.setCustomStatus({ keyId: version.keyId, progress: { done: ordered.length - failed.length, total, unit: "environments" }, rewrapped, ...(throttledTotal > 0 ? { throttled: throttledTotal } : {}) });
  return { status: failed.length ? "Failed" : "Succeeded", keyId: version.keyId, environments: total, rewrapped, failed };
}

export const rotateKeyVersion = orchestrator<RotateInput, RotationResult>("rotateKeyVersion", rotateFlow);
