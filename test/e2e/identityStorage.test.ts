// keyward on storage reached by identity only, as the template deploys it (shared-key access
// disabled): an Azurite of its own over HTTPS in OAuth mode, two accounts (the host's and task
// hub's, AzureWebJobsStorage__*; the data's and state's, KEYWARD_DATA_STORAGE__*), bearer tokens
// from the local issuer, and no account key in any setting. An add to a policy runs to Encrypted
// and the data reads back; each account holds what it should.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyward } from "../support/keyward";
import { DATA_ACCOUNT } from "../../local/stack";
import { AZURITE_ACCOUNT } from "../../local/azurite";
import { tableServiceClient, type StorageRef } from "../../shared/storage/clients";
import { LocalTokenCredential, localVaultAgentFromSettings } from "../../shared/keyvault";
import { settings } from "../../shared/settings";

let kw: Keyward;

beforeAll(async () => {
  kw = await Keyward.start({ KEYWARD_ACTIVITY_FIRST_RETRY_MS: "50", KEYWARD_ACTIVITY_MAX_ATTEMPTS: "3" }, { storageByIdentity: true });
}, 120_000);
afterAll(async () => kw?.stop());

/** An account of the test's Azurite as keyward's identity reaches it. */
function account(setting: "AzureWebJobsStorage" | "KEYWARD_DATA_STORAGE"): StorageRef {
  const s = kw.stack.appSettings;
  return {
    blobServiceUri: s[`${setting}__blobServiceUri`], tableServiceUri: s[`${setting}__tableServiceUri`],
    credential: new LocalTokenCredential(s.KEYWARD_PLATFORM_PRINCIPAL_ID, s.KEYWARD_LOCAL_TOKEN_ENDPOINT),
    agent: localVaultAgentFromSettings(),
  };
}

async function tables(ref: StorageRef): Promise<string[]> {
  const names: string[] = [];
  for await (const t of tableServiceClient(ref).listTables()) names.push(t.name ?? "");
  return names;
}

describe("identity-based storage (Azurite in OAuth mode)", () => {
  it("runs with no connection string and no account key in its settings", () => {
    const s = kw.stack.appSettings;
    expect(s.AzureWebJobsStorage).toBeUndefined();
    expect(process.env.AzureWebJobsStorage).toBeUndefined();
    expect(Object.values(s).some((v) => /AccountKey|SharedAccessSignature/i.test(v))).toBe(false);
    expect(s.KEYWARD_DATA_STORAGE__tableServiceUri).toMatch(new RegExp(`^https://127\\.0\\.0\\.1:\\d+/${DATA_ACCOUNT}$`));
    expect(s.AzureWebJobsStorage__tableServiceUri).toMatch(new RegExp(`^https://127\\.0\\.0\\.1:\\d+/${AZURITE_ACCOUNT}$`));
    expect(settings().dataStorage).toMatchObject({ kind: "identity", setting: "KEYWARD_DATA_STORAGE" });
  });

  it("is refused by the emulator without a token, and with a token for another audience", async () => {
    const agent = localVaultAgentFromSettings()!;
    const url = `${kw.stack.appSettings.KEYWARD_DATA_STORAGE__tableServiceUri}/Tables`;
    const get = (headers: Record<string, string>) => new Promise<number>((resolve, reject) => {
      const req = (require("node:https") as typeof import("node:https")).get(url, { agent, headers: { accept: "application/json", "x-ms-version": "2019-02-02", ...headers } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
    });
    expect(await get({})).toBeGreaterThanOrEqual(400);
    const vaultToken = await kw.stack.token(kw.stack.appSettings.KEYWARD_PLATFORM_PRINCIPAL_ID, [], "https://vault.azure.net");
    expect(await get({ authorization: `Bearer ${vaultToken}` })).toBe(403);
    const storageToken = await kw.stack.token(kw.stack.appSettings.KEYWARD_PLATFORM_PRINCIPAL_ID, [], "https://storage.azure.com");
    expect(await get({ authorization: `Bearer ${storageToken}` })).toBe(200);
  });

  it("adds an environment to a policy: Encrypted, the data reads back, state and data in the data account, the task hub in the host's", async () => {
    const { policy } = await kw.customerPolicy();
    const env = await kw.environment();
    for (let i = 0; i < 30; i++) expect((await kw.user("PUT", `environments/${env}/records/accounts/a${i}`, { i })).status).toBeLessThan(300);

    const add = await kw.platformAdmin("POST", `enterprisePolicies/${policy}/environments`, { environmentIds: [env] });
    expect(add.status).toBe(202);
    const done = await kw.until("Encrypted", async () => (await kw.platformAdmin("GET", `environments/${env}`)).body,
      (e) => ["Encrypted", "Failed", "Warning"].includes(e.encryption.status), 120_000);
    expect(done.encryption.status).toBe("Encrypted");
    for (let i = 0; i < 30; i++) expect((await kw.user("GET", `environments/${env}/records/accounts/a${i}`)).body.value).toEqual({ i });

    const prefix = kw.stack.appSettings.KEYWARD_STATE_PREFIX;
    const dataTables = await tables(account("KEYWARD_DATA_STORAGE"));
    const hostTables = await tables(account("AzureWebJobsStorage"));
    expect(dataTables).toContain(`${prefix}Policies`);
    expect(dataTables.some((t) => t.startsWith(prefix.toLowerCase()) && t !== `${prefix}Policies`)).toBe(true);
    expect(hostTables.some((t) => t.endsWith("Instances"))).toBe(true);
    expect(hostTables).not.toContain(`${prefix}Policies`);
    expect(dataTables.some((t) => t.endsWith("Instances"))).toBe(false);
  }, 180_000);
});
