// Which policies an environment uses: the one it is on, and the target of a running change of
// policy (recorded at the change's claim as `joining`), but only while that change still holds
// the environment's slot. Every way the slot is freed drops it: the operation's own release
// (setEncryption), releaseEnvironment, and an ended orchestration's settlement. No storage here:
// the in-use rule itself; hijacks.test.ts proves it through the routes.
import { describe, expect, it } from "vitest";
import { policiesInUse, withSlotFreed, type Environment } from "../../shared/domain/environment";
import { applyEncryption } from "../../shared/operations/encryptionState";

const env = (encryption: Partial<Environment["encryption"]>): Environment => ({
  tenantId: "t", id: "e", dataId: "d0", displayName: "E", region: "europe", type: "Production", managed: true, state: "Enabled",
  createdAt: "2026-01-01T00:00:00Z", createdBy: "x", encryption: { keyType: "PlatformManaged", status: "PlatformManaged", ...encryption },
});

describe("policiesInUse", () => {
  it("counts the policy the environment is on, and a running change's target", () => {
    expect(policiesInUse(env({}))).toEqual([]);
    expect(policiesInUse(env({ keyType: "CustomerManaged", policy: "p1", status: "Encrypted" }))).toEqual(["p1"]);
    const changing = env({ keyType: "CustomerManaged", policy: "p1", status: "Reverting", activeOperationId: "op", joining: { policy: "p2", operationId: "op" } });
    expect(policiesInUse(changing)).toEqual(["p1", "p2"]);
    // Between the halves: on no policy, still using the target.
    expect(policiesInUse(env({ activeOperationId: "op", joining: { policy: "p2", operationId: "op" } }))).toEqual(["p2"]);
  });

  it("does not count a target whose change no longer holds the slot", () => {
    expect(policiesInUse(env({ joining: { policy: "p2", operationId: "op" } }))).toEqual([]);
    expect(policiesInUse(env({ activeOperationId: "later", joining: { policy: "p2", operationId: "op" } }))).toEqual([]);
  });

  it("freeing the slot drops the target: the change's own release, and withSlotFreed", () => {
    const held = env({ activeOperationId: "op", status: "Reverting", joining: { policy: "p2", operationId: "op" } });
    const released = applyEncryption(held, { operationId: "op", tenantId: "t", environmentId: "e", status: "Failed", release: true });
    expect(released.encryption.activeOperationId).toBeUndefined();
    expect(released.encryption.joining).toBeUndefined();
    expect(policiesInUse(released)).toEqual([]);
    // A release by another operation frees nothing.
    const other = applyEncryption(held, { operationId: "other", tenantId: "t", environmentId: "e", status: "Reverting", release: true });
    expect(other.encryption).toMatchObject({ activeOperationId: "op", joining: { policy: "p2", operationId: "op" } });
    expect(withSlotFreed(held.encryption)).toEqual({ keyType: "PlatformManaged", status: "Reverting", activeOperationId: undefined });
  });
});
