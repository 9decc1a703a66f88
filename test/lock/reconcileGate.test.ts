// The reconcile gate on its own, with a fake clock: single flight per policy, one start per
// interval, and no caller answered by a run that began before it asked.
import { describe, expect, it } from "vitest";
import { ReconcileGate } from "../../shared/locking/reconcileGate";

function fakeTime() {
  let t = 0;
  const sleepers: { until: number; wake: () => void }[] = [];
  return {
    now: () => t,
    sleep: (ms: number) => new Promise<void>((wake) => sleepers.push({ until: t + ms, wake })),
    async advance(ms: number) {
      t += ms;
      for (const s of sleepers.splice(0).filter((x) => { if (x.until <= t) return true; sleepers.push(x); return false; })) s.wake();
      for (let i = 0; i < 20; i++) await Promise.resolve();
    },
  };
}

/** A probe that stays in flight until released, counting its runs. */
function controlledWork() {
  const releases: (() => void)[] = [];
  let runs = 0;
  return {
    runs: () => runs,
    release: () => releases.shift()?.(),
    work: () => { runs++; const n = runs; return new Promise<number>((r) => releases.push(() => r(n))); },
  };
}

describe("reconcile gate", () => {
  it("turns 50 concurrent requests for one policy into one run now and one after it", async () => {
    const time = fakeTime();
    const gate = new ReconcileGate({ minIntervalMs: () => 1000, now: time.now, sleep: time.sleep });
    const w = controlledWork();
    const first = gate.run("t|p", w.work);
    await time.advance(0);
    expect(w.runs()).toBe(1);
    // While the first runs, 49 more ask: they share ONE next run (the first may have probed too early for them).
    const later = Array.from({ length: 49 }, () => gate.run("t|p", w.work));
    w.release();
    expect(await first).toBe(1);
    await time.advance(0);
    expect(w.runs()).toBe(1); // the next one waits out the interval since the first start
    await time.advance(999);
    expect(w.runs()).toBe(1);
    await time.advance(1);
    expect(w.runs()).toBe(2);
    w.release();
    expect(new Set(await Promise.all(later))).toEqual(new Set([2]));
    expect(gate.started).toBe(2);
  });

  it("keeps policies apart, and runs at once when the interval has passed", async () => {
    const time = fakeTime();
    const gate = new ReconcileGate({ minIntervalMs: () => 1000, now: time.now, sleep: time.sleep });
    const w = controlledWork();
    const a = gate.run("t|a", w.work);
    const b = gate.run("t|b", w.work);
    await time.advance(0);
    expect(w.runs()).toBe(2);
    w.release();
    w.release();
    await Promise.all([a, b]);
    await time.advance(5000);
    const again = gate.run("t|a", w.work);
    await time.advance(0);
    expect(w.runs()).toBe(3);
    w.release();
    expect(await again).toBe(3);
  });

  it("a failed run fails its callers only; the next caller gets a new run", async () => {
    const gate = new ReconcileGate({ minIntervalMs: () => 0 });
    let n = 0;
    await expect(gate.run("k", async () => { n++; throw new Error("vault down"); })).rejects.toThrow("vault down");
    expect(await gate.run("k", async () => ++n)).toBe(2);
  });
});
