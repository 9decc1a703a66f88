import { describe, expect, it } from "vitest";
import { movedTo, withFreshListed } from "../../shared/domain/dataGeneration";
import type { Environment } from "../../shared/domain/environment";

const env = (over: Partial<Environment> = {}): Environment =>
  ({ tenantId: "t", id: "e", dataId: "d1", displayName: "e", region: "westeurope", type: "Production", managed: true, state: "Enabled", encryption: { keyType: "PlatformManaged", status: "PlatformManaged" }, ...over }) as Environment;

describe("switching an environment's data generation", () => {
  it("lists the fresh generation as retired before it is built, once, and only while the environment is on the data it replaces", () => {
    expect(withFreshListed(env(), "d1", "d2")?.retiredDataIds).toEqual(["d2"]);
    expect(withFreshListed(env({ retiredDataIds: ["d2"] }), "d1", "d2")).toBeUndefined();
    expect(withFreshListed(env({ dataId: "d9" }), "d1", "d2")).toBeUndefined();
  });

  it("moves to the fresh generation: the one left (and any also retired) listed once, the fresh one no longer, the old one remembered", () => {
    const moved = movedTo(env({ retiredDataIds: ["d0", "d2", "d1"], formerDataIds: ["d0"] }), "d2", ["b0", "d1"]);
    expect(moved).toMatchObject({ dataId: "d2", retiredDataIds: ["d0", "d1", "b0"], formerDataIds: ["d0", "d1"] });
    expect(movedTo(env(), "d2")).toMatchObject({ dataId: "d2", retiredDataIds: ["d1"], formerDataIds: ["d1"] });
  });
});
