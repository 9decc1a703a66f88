// The workload's memory of each record (chaos/model.ts): which reads are right after acknowledged
// writes, refusals, unanswered attempts and keyward restarts. The campaign's verdict on every
// read rests on it, so each way a read can be wrong is shown to be caught.
import { describe, expect, it } from "vitest";
import { DELETED, EnvironmentModel, RecordModel } from "../../chaos/model";

describe("the chaos workload's record model", () => {
  it("accepts only the last acknowledged value once every earlier attempt has been answered", () => {
    const r = new RecordModel();
    expect(r.observe(undefined)).toBe(true); // never written reads as missing
    r.acknowledged("v1", 1);
    r.attempted("v2", 1, true); // a 500: finished on the server, may have landed
    expect(r.observe("v2")).toBe(true);
    expect(r.observe("v1")).toBe(true);
    r.acknowledged("v3", 1);
    expect(r.observe("v3")).toBe(true);
    expect(r.observe("v2")).toBe(false); // superseded by a later acknowledged write
    expect(r.observe("v1")).toBe(false); // a lost acknowledged write shows as the older value
    expect(r.observe(DELETED)).toBe(false); // nor may it vanish
    expect(r.observe("never-written")).toBe(false);
  });

  it("keeps an unanswered attempt possible while its process lives, and drops it after a restart", () => {
    const r = new RecordModel();
    r.acknowledged("v1", 1);
    r.attempted("v2", 1, false); // timed out: may still land on process 1
    r.acknowledged("v3", 1);
    expect(r.observe("v2")).toBe(true);
    r.acknowledged("v4", 2); // keyward was restarted: process 1 is gone
    expect(r.observe("v2")).toBe(false);
    expect(r.observe("v4")).toBe(true);
  });

  it("treats a delete as an outcome like any value: nothing deleted reads back", () => {
    const r = new RecordModel();
    r.acknowledged("v1", 1);
    r.acknowledged(DELETED, 1);
    expect(r.observe(DELETED)).toBe(true);
    expect(r.observe("v1")).toBe(false);
  });

  it("models a reset as every record gone and a restore as an independent copy of the backup's model", () => {
    const env = new EnvironmentModel();
    env.record("a").acknowledged("x", 1);
    const snapshot = env.clone();
    env.record("a").acknowledged("y", 1);
    expect(snapshot.record("a").observe("x")).toBe(true);
    expect(snapshot.record("a").observe("y")).toBe(false);
    const reset = EnvironmentModel.empty(env.records.keys());
    expect(reset.record("a").observe(DELETED)).toBe(true);
    expect(reset.record("a").observe("y")).toBe(false);
  });
});
