// Starting an orchestration under an instance id that names what it does (one rotation per key
// version, one watch per policy a minute), where two callers may start it at once: both read no
// instance, both start, and the engine refuses the second (409 locally; Azure refuses a second
// running instance under one id too). The loser's start is not a failure: the instance it asked
// for is running. Any other error, or no instance found after it, is thrown.
import type { DurableClient } from "durable-functions";

/** Starts `name` as `instanceId`; false when a concurrent start got there first. */
export async function startOnce(client: DurableClient, name: string, instanceId: string, input: unknown): Promise<boolean> {
  try {
    await client.startNew(name, { instanceId, input });
    return true;
  } catch (err) {
    const now = await client.getStatus(instanceId).catch(() => undefined);
    if (now && now.runtimeStatus !== undefined && now.name) return false;
    throw err;
  }
}
