import { describe, expect, it } from "vitest";
import { KeyedQueue } from "../../local/durable/keyedQueue";

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("KeyedQueue", () => {
  it("runs jobs of one key one after another, and other keys alongside", async () => {
    const queue = new KeyedQueue();
    const order: string[] = [];
    const gate = deferred();
    const a1 = queue.run("a", async () => {
      order.push("a1 start");
      await gate.promise;
      order.push("a1 end");
    });
    const a2 = queue.run("a", async () => {
      order.push("a2");
    });
    const b1 = queue.run("b", async () => {
      order.push("b1");
    });
    await b1; // b does not wait for a
    expect(order).toEqual(["a1 start", "b1"]);
    gate.resolve();
    await Promise.all([a1, a2]);
    expect(order).toEqual(["a1 start", "b1", "a1 end", "a2"]);
    await queue.idle();
    expect(queue.busyKeys).toBe(0);
  });

  it("keeps going after a job fails, and hands the failure to its caller", async () => {
    const queue = new KeyedQueue();
    const failed = queue.run("k", async () => {
      throw new Error("job failed");
    });
    const next = queue.run("k", async () => "next ran");
    await expect(failed).rejects.toThrow("job failed");
    await expect(next).resolves.toBe("next ran");
  });
});
