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
//
// History: an execution handles COMPLETIONS_PER_EXECUTION re-wraps, lets the running ones end,
// and continues as new with what is left (RotationCarry: the queue, the counters, the failures),
// so a 10,000-environment policy replays about a thousand events per episode, not 30,000.
import type { OrchestrationContext, Task } from "durable-functions";
import type { RewrapEnvironmentOutput, RotateInput, RotationCarry } from "../shared/operations/contracts";
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
type Failed = Exclude<Rewrapped, { outcome: "ok" }>;

/**
 * Completions one execution handles before it continues as new with what is left. Each is about
 * three history events (scheduled, completed, and now and then a timer), so no execution replays
 * more than about a thousand events, whatever the policy's size (10,000 environments in one
 * execution would be some 30,000, replayed on every episode by the real engine).
 */
export const COMPLETIONS_PER_EXECUTION = 256;

function* rotateFlow(context: OrchestrationContext, input: RotateInput): Generator<Task, RotationResult, Sent> {
  const act = proxyActivities<ActivityTable>(context, input.retry);
  const parallelism = Math.max(1, input.parallelism ?? DEFAULT_ROTATION_PARALLELISM);
  let carried = input.carry;
  if (!carried) {
    const version = yield* act.resolveKeyVersion({ tenantId: input.tenantId, policy: input.policy, keyId: input.keyId });
    if (version.outcome !== "ok") return { status: "Failed", error: { code: version.code, message: version.message } };
    carried = {
      keyId: version.keyId, total: version.environments.length, queue: version.environments.map((e, index) => ({ ...e, index })),
      throttles: {}, completed: 0, rewrapped: 0, throttledTotal: 0, failed: [], width: parallelism, widthCredit: 0, consecutive: 0, pausedUntil: 0,
    };
  }
  // The rotation's whole state, changed in place; continuing as new carries it as it is.
  const r: RotationCarry = carried;
  const { keyId, total, queue, throttles, failed } = r;
  context.df.setCustomStatus({ keyId, progress: { done: r.completed, total, unit: "environments" } });

  // In order of the policy's list; a throttled environment goes back to the front of the queue.
  const running: { scope: (typeof queue)[number]; task: TypedTask<Rewrapped> }[] = [];
  let handled = 0;

  const start = (scope: (typeof queue)[number]) => {
    const { index: _index, ...environment } = scope;
    running.push({ scope, task: act.rewrapEnvironment.start({ operationId: input.operationId, ...environment, policy: input.policy, keyId }) });
  };

  while (running.length > 0 || queue.length > 0) {
    // Past this execution's share, start nothing new; once the running ones end, continue as new.
    const draining = handled >= COMPLETIONS_PER_EXECUTION;
    if (draining && running.length === 0) {
      context.df.continueAsNew({ ...input, carry: r });
      // The engine discards the output of an execution that continued as new: the last one's counts.
      return undefined as never;
    }
    const now = context.df.currentUtcDateTime.getTime();
    if (r.pausedUntil > now && running.length === 0) {
      yield context.df.createTimer(new Date(r.pausedUntil));
      continue;
    }
    while (!draining && r.pausedUntil <= now && running.length < r.width && queue.length > 0) start(queue.shift()!);
    const winner = (yield context.df.Task.any(running.map((x) => x.task))) as Task;
    const [{ scope }] = running.splice(running.findIndex((x) => x.task === winner), 1);
    handled++;
    if (winner.isFaulted) {
      // An activity that spent its retries (storage down, say): reported once every environment was tried.
      r.crashed ??= errorMessage(winner.result);
      continue;
    }
    const result = winner.result as Rewrapped;
    if (result.outcome === "Throttled") {
      r.throttledTotal++;
      const n = (throttles[scope.environmentId] ?? 0) + 1;
      throttles[scope.environmentId] = n;
      if (n < MAX_THROTTLED_ATTEMPTS) {
        r.consecutive++;
        r.width = Math.max(1, Math.floor(r.width / 2));
        r.widthCredit = 0;
        queue.unshift(scope);
        const until = context.df.currentUtcDateTime.getTime() + throttleWaitMs(r.consecutive, result.retryAfterMs);
        if (until > r.pausedUntil) {
          r.pausedUntil = until;
          context.df.setCustomStatus({ keyId, progress: { done: r.completed, total, unit: "environments" }, throttledUntil: new Date(until).toISOString() });
        }
        continue;
      }
      delete throttles[scope.environmentId];
      r.completed++;
      failed.push({ ...result, message: `${result.message} (throttled ${n} times; rotate again to finish)`, index: scope.index });
      continue;
    }
    r.consecutive = 0;
    // One wider per `width` successes in a row (a round at this width went through).
    if (++r.widthCredit >= r.width) {
      r.width = Math.min(parallelism, r.width + 1);
      r.widthCredit = 0;
    }
    delete throttles[scope.environmentId];
    r.completed++;
    if (result.outcome === "ok") r.rewrapped += result.rewrapped;
    else failed.push({ ...result, index: scope.index });
  }
  if (r.crashed !== undefined) throw new Error(r.crashed);

  const reported: Failed[] = [...failed].sort((a, b) => a.index - b.index).map(({ index: _index, ...f }) => f as Failed);
  const { rewrapped, throttledTotal } = r;
  context.df.setCustomStatus({ keyId, progress: { done: r.completed - reported.length, total, unit: "environments" }, rewrapped, ...(throttledTotal > 0 ? { throttled: throttledTotal } : {}) });
  return { status: reported.length ? "Failed" : "Succeeded", keyId, environments: total, rewrapped, failed: reported };
}

export const rotateKeyVersion = orchestrator<RotateInput, RotationResult>("rotateKeyVersion", rotateFlow);
