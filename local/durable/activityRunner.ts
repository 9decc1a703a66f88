// Runs one activity function the way the worker would: its registered handler, an
// InvocationContext whose triggerMetadata carries the orchestration's instanceId, at most
// `concurrency` at a time. Always answers with the completion event, never throws.
import { requireFunction } from "../functionsCore";
import { createInvocationContext, type InvocationEnvironment } from "../invocation";
import { taskCompletedEvent, taskFailedEvent } from "./failures";
import { Semaphore } from "./semaphore";
import { jsonRoundTrip, type HistoryEvent } from "./wire";

export class ActivityRunner {
  private readonly slots: Semaphore;

  constructor(
    concurrency: number,
    private readonly env: InvocationEnvironment,
  ) {
    this.slots = new Semaphore(concurrency);
  }

  run(name: string, input: unknown, instanceId: string, taskId: number): Promise<HistoryEvent> {
    return this.slots.use(async () => {
      try {
        const f = requireFunction(name, "activityTrigger");
        const context = createInvocationContext(f, this.env, { instanceId });
        // The input and the result each cross a JSON boundary in the real host too.
        const result = await f.callback(jsonRoundTrip(input) ?? null, context);
        return taskCompletedEvent(taskId, jsonRoundTrip(result), new Date().toISOString());
      } catch (err) {
        this.env.log(`[${name}] activity failed for instance ${instanceId}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        return taskFailedEvent(taskId, err, new Date().toISOString());
      }
    });
  }

  get running(): number {
    return this.slots.running;
  }
}
