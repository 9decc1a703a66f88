// Two starts of the same rotation at once (an admin's POST /rotate racing the vault's
// KeyNewVersionCreated event, or a client's retry): both see no instance yet, both start it,
// and the engine refuses the second. That refusal is the rotation already running, not a
// failure: every caller gets the one instance. Against the embedded durable host, through the
// real durable client.
import "../../local/functionsCore";
import "./fixtures/durableSamples";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime, type RunningRuntime } from "../../local/runtime";
import { startRotation } from "../../shared/operations/rotation";
import { testStorage, uniquePrefix } from "../support/storage";
import { durableClientFor } from "./support";

let runtime: RunningRuntime;
beforeAll(async () => {
  runtime = await startRuntime({ storageConnectionString: testStorage(), taskHub: uniquePrefix("race"), port: 0, timers: false, log: () => undefined, routePrefix: "api" });
});
afterAll(async () => runtime?.stop(2000));

describe("starting one rotation twice at once", () => {
  it("gives every caller the same instance, started once, and no error", async () => {
    const client = durableClientFor(runtime.host.clientData());
    // "approval" waits for an event: the instance stays running while the racers start it.
    const orchestration = { name: "approval" };
    const policy = { tenantId: "tenant-race", name: "contoso" };
    const keyId = "https://race.vault.azure.net/keys/cmk/0123456789abcdef0123456789abcdef";
    // Issued together, every racer's status read goes out before any start.
    const starts = await Promise.all(Array.from({ length: 4 }, () => startRotation(client, orchestration, policy, keyId)));
    expect(new Set(starts.map((s) => s.instanceId)).size).toBe(1);
    expect(starts.filter((s) => s.started)).toHaveLength(1);
    expect((await client.getStatus(starts[0].instanceId)).runtimeStatus).toBe("Running");
  });
});
