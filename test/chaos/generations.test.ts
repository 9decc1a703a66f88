// The campaign's generation check (chaos/invariants.ts checkGenerations): a records table or data
// container named by a data id that is neither an environment's current generation nor one it
// lists as retired is a violation (data nobody would ever delete); a listed retired one is only
// counted. Planted in the run's Azurite under a namespace of this test's own.
import { describe, expect, it } from "vitest";
import { TableClient } from "@azure/data-tables";
import { BlobServiceClient } from "@azure/storage-blob";
import { checkGenerations } from "../../chaos/invariants";
import { Counters } from "../../chaos/counters";
import type { Environment as WorldEnvironment } from "../../chaos/world";
import { StateStore } from "../../shared/state/stateStore";
import { storageNaming } from "../../shared/data/naming";
import { newDataId, type Environment } from "../../shared/domain/environment";
import { testStorage, uniquePrefix } from "../support/storage";

const TENANT = "11111111-2222-4333-8444-555555555555";

describe("the chaos campaign's generation check", () => {
  it("passes current and listed retired generations, and names an orphaned one", async () => {
    const namespace = uniquePrefix("gen");
    const naming = storageNaming(namespace);
    const [current, retired, orphan] = [newDataId(), newDataId(), newDataId()];
    const env: Environment = {
      tenantId: TENANT, id: "env-1", dataId: current, retiredDataIds: [retired], displayName: "E", region: "europe", type: "Production",
      managed: true, state: "Enabled", encryption: { keyType: "PlatformManaged", status: "PlatformManaged" }, createdAt: new Date().toISOString(), createdBy: "test",
    };
    expect(await new StateStore(testStorage(), namespace).forTenant(TENANT).createEnvironment(env)).toBeTruthy();
    const blobs = BlobServiceClient.fromConnectionString(testStorage());
    for (const dataId of [current, retired]) {
      await TableClient.fromConnectionString(testStorage(), naming.recordTable(dataId), { allowInsecureConnection: true }).createTable();
      await blobs.getContainerClient(naming.container(dataId)).createIfNotExists();
    }
    const world = { environments: [{ tenant: { tid: TENANT }, name: "env-1" }] as unknown as WorldEnvironment[] };

    const clean = new Counters();
    await checkGenerations({ storage: testStorage(), namespace, counters: clean, world });
    expect(clean.violations).toEqual([]);
    expect(clean.get("final.generations.retiredLeft")).toBe(1);

    await TableClient.fromConnectionString(testStorage(), naming.recordTable(orphan), { allowInsecureConnection: true }).createTable();
    await blobs.getContainerClient(naming.container(orphan)).createIfNotExists();
    const found = new Counters();
    await checkGenerations({ storage: testStorage(), namespace, counters: found, world });
    expect(found.violations).toEqual([
      `records table ${naming.recordTable(orphan)} belongs to no environment's current or retired generation`,
      `data container ${naming.container(orphan)} belongs to no environment's current or retired generation`,
    ]);
  });
});
