// The admin console end to end, in headless Chromium against a whole embedded keyward, as the
// reference's two administrators use it:
// - the key vault administrator signs in, creates an enterprise policy for a key in their vault
//   (granting its identity on the key is the vault's side, done here through the local vault's
//   management API as in the Azure portal) and grants Reader to the platform administrator;
// - the platform administrator signs in, sees under Add environments only the environments that
//   may be added (the others greyed with the reason), adds one (Continue, Save, Confirm) and
//   watches Encrypting -> Encrypting - online -> Encrypted with the bar moving, then History;
// - access to the key is revoked in the vault: the page shows Locked within 2 s of the data API
//   answering 423; restored, it unlocks; Remove environment returns it to the platform key.
// The downtime and the online phase are held open by releasable faults (a 503 on wrapKey, a
// lease on one file blob), as test/e2e/encryptionWindows.test.ts does, so a loaded machine cannot
// close a window before the test has looked. Every page: axe, and screenshots at 1280 and 390 px.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { Keyward, DATA_USER } from "../support/keyward";
import { fileBlobs, fileContainer } from "../support/environments";
import { services } from "../../shared/services";
import { LOCAL_PRINCIPALS } from "../../local/localPrincipals";
import { capture, screenshotOnFailure, sharedBrowser, signIn, signOut } from "./browser";

const KEYS_ADMIN = /Sign in as Key vault administrator .* of Contoso/;
const PLATFORM_ADMIN = /Sign in as Platform administrator .* of Contoso/;
const POLICY = "contoso-cmk";
const ASSIGNMENT = "console-policy-on-key";
const RECORDS = 240;
const FILES = 12;

let kw: Keyward;
// Started by the first test (sharedBrowser): without a browser each test fails, none is skipped.
const browser = sharedBrowser();
let page: Page;
let base: string;
let vault: { id: string; name: string };
let principalId: string;
const env = { ok: "contoso-prod", trial: "contoso-trial", elsewhere: "contoso-us", unmanaged: "contoso-dev" };

/** What the page showed, sampled in the page itself every 50 ms (statuses, progress, when Locked first appeared). */
async function startRecorder(p: Page): Promise<void> {
  await p.evaluate(`(() => {
    const seen = { statuses: [], done: [], lockedAt: null, enabledAt: null };
    window.__seen = seen;
    clearInterval(window.__recorder);
    window.__recorder = setInterval(() => {
      const status = document.querySelector('[data-testid="encryption-status"]')?.textContent;
      if (status && seen.statuses[seen.statuses.length - 1] !== status) seen.statuses.push(status);
      const bar = document.querySelector('main [data-testid="progress"]');
      const done = bar ? Number(bar.getAttribute('data-done')) : undefined;
      if (done !== undefined && seen.done[seen.done.length - 1] !== done) seen.done.push(done);
      const locked = !!document.querySelector('[data-testid="locked-banner"]');
      if (locked && seen.lockedAt === null) seen.lockedAt = Date.now();
      if (!locked && seen.lockedAt !== null && seen.enabledAt === null) seen.enabledAt = Date.now();
    }, 50);
  })()`);
}

async function recorded(p: Page): Promise<{ statuses: string[]; done: number[]; lockedAt: number | null; enabledAt: number | null }> {
  return p.evaluate("window.__seen");
}

/** Waits until the page shows this encryption status (the environment page's badge). */
async function showsStatus(p: Page, label: string, timeout = 90_000): Promise<void> {
  await p.locator('[data-testid="encryption-status"]', { hasText: new RegExp(`^${label}$`) }).first().waitFor({ timeout });
}

/** Polls the data API (as an environment user) until it answers `status`; returns when it first did. */
async function dataApiAnswers(status: number, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await kw.user("GET", `environments/${env.ok}/records/t0/r0`);
    if (res.status === status) return Date.now();
    if (Date.now() > deadline) throw new Error(`the data API still answers ${res.status}, not ${status}: ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  kw = await Keyward.start({
    KEYWARD_REENCRYPT_PAGE_SIZE: "20", KEYWARD_REENCRYPT_PARALLELISM: "2",
    // Held steps keep retrying (about 100 s in all) while the test looks, then go on within seconds of a release.
    KEYWARD_ACTIVITY_FIRST_RETRY_MS: "200", KEYWARD_ACTIVITY_MAX_ATTEMPTS: "10",
  });
  base = kw.stack.baseUrl;
  // The customer's vault and key (the Azure portal's part), the tenant's licence, the environments.
  const name = `cv${Date.now().toString(36)}`;
  vault = { id: (await kw.createCustomerVault(name)).id, name };
  await kw.keyClient(name).createRsaKey("cmk", { keySize: 2048 });
  const pa = { oid: LOCAL_PRINCIPALS["Platform.Admin"], roles: ["Platform.Admin"] };
  await kw.api.expect(200, "PUT", "tenant/licenses", pa, { subscriptions: ["Microsoft 365 E5"] });
  await kw.api.environment(pa, env.ok, { displayName: "Contoso production" });
  await kw.api.environment(pa, env.trial, { displayName: "Contoso trial", type: "Trial" });
  await kw.api.environment(pa, env.elsewhere, { displayName: "Contoso US", region: "unitedstates" });
  await kw.api.environment(pa, env.unmanaged, { displayName: "Contoso development", type: "Developer", managed: false });
  // Data, written in process (the same storage): enough partitions and pages for the bar to move.
  const { data } = services();
  const okData = await kw.dataIdOf(env.ok);
  for (let i = 0; i < RECORDS; i += 40) await Promise.all(Array.from({ length: 40 }, (_, j) => data.putRecord(okData, `t${(i + j) % 3}`, `r${i + j}`, { n: i + j })));
  for (let i = 0; i < FILES; i++) await data.putFile(okData, `docs/f${i}.txt`, Buffer.from(`file ${i}`));
  // The data user reads the environment's data only as a member of it.
  const member = await kw.platformAdmin("PUT", `environments/${env.ok}/members/${DATA_USER}`, { access: "Read" });
  if (![200, 201].includes(member.status)) throw new Error(`making the data user a member answered ${member.status}: ${JSON.stringify(member.body)}`);
}, 180_000);

beforeEach(async () => {
  page = await browser.page();
}, 60_000);

afterEach(async ({ task }) => screenshotOnFailure(page, task));

afterAll(async () => {
  await browser.close();
  await kw?.stop();
});

describe("the admin console", () => {
  it("the key vault administrator signs in, creates a policy and grants Reader; nothing a platform admin does is offered", async () => {
    await page.goto(`${base}/`);
    await page.getByRole("heading", { name: "Sign in to the keyward admin center" }).waitFor();
    await capture(page, "01-sign-in");
    await signIn(page, base, KEYS_ADMIN);
    await expect.poll(() => page.getByTestId("signed-in").textContent()).toContain("Keys.Admin");
    expect(await page.getByTestId("tenant").textContent()).toContain("Contoso");
    await page.getByText("No enterprise policies yet.").waitFor();

    await page.getByRole("button", { name: "Create policy" }).click();
    const dialog = page.getByTestId("create-policy");
    await dialog.getByLabel("Policy name").fill(POLICY);
    await dialog.getByLabel("Key vault resource id").fill(vault.id);
    await dialog.getByLabel("Key name").fill("cmk");
    await dialog.getByLabel("Region").fill("europe");
    await dialog.getByRole("button", { name: "Create" }).click();
    principalId = (await dialog.getByTestId("policy-principal").textContent())!.trim();
    expect(principalId).toMatch(/^[0-9a-f-]{36}$/);
    await capture(page, "02-create-policy");
    // In the vault (the portal's side): the policy's identity gets the key role.
    await kw.grantKeyToPolicy(ASSIGNMENT, principalId, vault.id);
    await dialog.getByRole("link", { name: `Open policy ${POLICY}` }).click();

    await page.getByRole("heading", { name: "Edit policy" }).waitFor();
    await page.getByTestId("policy-health").filter({ hasText: "Healthy" }).waitFor();
    expect(await page.getByRole("button", { name: "Add environments" }).count()).toBe(0);
    await page.getByLabel("Platform administrator's object id").fill(LOCAL_PRINCIPALS["Platform.Admin"]);
    await page.getByRole("button", { name: "Grant Reader" }).click();
    await page.getByTestId("readers").getByText(LOCAL_PRINCIPALS["Platform.Admin"]).waitFor();
    await capture(page, "03-edit-policy-key-vault-admin");
    const stored = await kw.keysAdmin("GET", `enterprisePolicies/${POLICY}`);
    expect(stored.body.properties.readers).toEqual([LOCAL_PRINCIPALS["Platform.Admin"]]);
    await signOut(page);
  }, 120_000);

  it("the platform administrator sees only the eligible environments under Add environments, each other one greyed with its reason", async () => {
    await signIn(page, base, PLATFORM_ADMIN);
    expect(await page.getByRole("button", { name: "Create policy" }).count()).toBe(0);
    const row = page.locator(`[data-policy="${POLICY}"]`);
    await row.getByTestId("policy-health").filter({ hasText: "Healthy" }).waitFor();
    await capture(page, "04-enterprise-policies");
    await row.getByRole("link", { name: POLICY }).click();
    await page.getByRole("heading", { name: "Edit policy" }).waitFor();
    expect(await page.getByRole("button", { name: "Grant Reader" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Delete policy" }).count()).toBe(0);

    await page.getByRole("button", { name: "Add environments" }).click();
    const panel = page.getByTestId("add-environments");
    const picks = panel.getByRole("checkbox");
    await picks.first().waitFor();
    expect(await picks.count()).toBe(1);
    expect(await panel.locator("fieldset").textContent()).toContain(env.ok);
    const greyed = panel.getByTestId("ineligible");
    for (const [id, code] of [[env.trial, "EnvironmentTypeNotSupported"], [env.elsewhere, "RegionMismatch"], [env.unmanaged, "ManagedEnvironmentRequired"]]) {
      expect(await greyed.locator(`[data-environment="${id}"]`).textContent(), id).toContain(code);
    }
    await capture(page, "05-add-environments");
  }, 120_000);

  it("adds it with Continue, Save and Confirm, and watches Encrypting -> Encrypting - online -> Encrypted with the bar moving", async () => {
    // Hold the downtime (wrapKey answers 503) and the online phase (a lease on one file blob).
    await kw.management.putFault("hold-wrap", { vault: vault.name, operation: "wrapKey", status: 503 });
    const [heldBlob] = [...(await fileBlobs(env.ok)).keys()];
    const lease = (await fileContainer(env.ok)).getBlobClient(heldBlob).getBlobLeaseClient();
    await lease.acquireLease(-1);

    const panel = page.getByTestId("add-environments");
    await panel.getByRole("checkbox").first().check();
    await panel.getByRole("button", { name: "Continue" }).click();
    await panel.getByTestId("staged").getByText(env.ok).waitFor();
    await panel.getByRole("button", { name: "Save" }).click();
    const confirm = page.getByRole("alertdialog");
    const said = await confirm.textContent();
    expect(said).toContain("disabled");
    expect(said).toContain("resumes where it stopped");
    await capture(page, "06-confirm-add");
    await confirm.getByRole("button", { name: "Confirm" }).click();
    await confirm.waitFor({ state: "detached" });
    expect(await panel.getByTestId("add-started").textContent()).toContain(env.ok);

    await page.getByTestId("policy-environments").getByRole("link", { name: "Contoso production" }).click();
    await page.getByRole("heading", { name: "Contoso production" }).waitFor();
    await startRecorder(page);
    await showsStatus(page, "Encrypting");
    expect(await page.getByTestId("status-explanation").textContent()).toContain("disabled for online use");
    await page.getByTestId("running-operation").waitFor();
    await capture(page, "07-environment-encrypting");

    await kw.management.deleteFault("hold-wrap");
    await showsStatus(page, "Encrypting - online");
    await lease.releaseLease();
    await showsStatus(page, "Encrypted");
    const seen = await recorded(page);
    expect(seen.statuses).toEqual(["Encrypting", "Encrypting - online", "Encrypted"]);
    // The bar moved: it showed more done items over time, and never went back.
    expect(seen.done.length, JSON.stringify(seen.done)).toBeGreaterThanOrEqual(2);
    expect([...seen.done].sort((a, b) => a - b)).toEqual(seen.done);
    expect(seen.done[seen.done.length - 1]).toBeGreaterThanOrEqual(RECORDS);
    expect(await page.getByTestId("key-type").textContent()).toBe("Customer-managed key");
  }, 240_000);

  it("shows History with the Update Customer Managed Key entry", async () => {
    const history = page.getByTestId("history");
    const entry = history.locator('[data-kind="AddToPolicy"]');
    await entry.getByTestId("history-status").filter({ hasText: "Succeeded" }).waitFor();
    expect(await entry.textContent()).toContain("Update Customer Managed Key");
    await capture(page, "08-environment-encrypted-history");
    await page.getByRole("link", { name: "Enterprise policies" }).first().click();
    await page.getByRole("tab", { name: "Environments with policies" }).click();
    await page.locator(`[data-environment="${env.ok}"]`).getByText("Encrypted").waitFor();
    await capture(page, "09-environments-with-policies");
  }, 120_000);

  it("shows Locked within 2 s of the data API answering 423 when access to the key is revoked, refuses actions with the API's code, and unlocks when access is restored", async () => {
    await page.goto(`${base}/console/environments/${env.ok}`);
    await showsStatus(page, "Encrypted");
    await startRecorder(page);
    await kw.revokeAssignment(ASSIGNMENT);
    const answered423 = await dataApiAnswers(423);
    await page.getByTestId("locked-banner").waitFor({ timeout: 10_000 });
    const seen = await recorded(page);
    const lag = seen.lockedAt! - answered423;
    console.info(`[measure] data API 423 -> console shows Locked: ${lag} ms`);
    expect(lag).toBeLessThan(2000);
    expect(await page.getByTestId("locked-reason").textContent()).toContain("revoked");
    expect(await page.getByTestId("environment-state").first().textContent()).toBe("Locked");
    await capture(page, "10-environment-locked");

    // An action the API refuses: its code and message appear beside what was tried, in the dialog.
    await page.getByRole("button", { name: "Create backup" }).click();
    const dialog = page.getByRole("alertdialog");
    await dialog.getByRole("button", { name: "Create backup" }).click();
    const error = dialog.getByTestId("api-error");
    await error.waitFor();
    const text = await error.textContent();
    expect(text).toContain(`POST /api/environments/${env.ok}/backups`);
    expect(text).toContain("409");
    expect(text).toContain("EnvironmentLocked");
    await dialog.getByRole("button", { name: "Cancel" }).click();

    await kw.grantKeyToPolicy(ASSIGNMENT, principalId, vault.id);
    await dataApiAnswers(200);
    await page.getByTestId("locked-banner").waitFor({ state: "detached", timeout: 30_000 });
    expect(await page.getByTestId("environment-state").first().textContent()).toBe("Enabled");
  }, 120_000);

  it("Remove environment warns to keep the key for 30 days and returns the environment to the platform key", async () => {
    await page.goto(`${base}/console/policies/${POLICY}`);
    await page.getByRole("button", { name: "Remove environment" }).click();
    const panel = page.getByTestId("remove-environment");
    await panel.getByRole("radio", { name: /contoso-prod/ }).check();
    await panel.getByRole("button", { name: "Continue" }).click();
    await panel.getByRole("button", { name: "Save" }).click();
    const confirm = page.getByRole("alertdialog");
    expect(await confirm.textContent()).toContain("30 days");
    await capture(page, "11-confirm-remove");
    await confirm.getByRole("button", { name: "Confirm" }).click();
    await confirm.waitFor({ state: "detached" });
    await panel.getByTestId("remove-started").waitFor();
    await page.goto(`${base}/console/environments/${env.ok}`);
    await showsStatus(page, "Platform managed key");
    expect(await page.getByTestId("key-type").textContent()).toBe("Platform-managed key");
    const stored = await kw.platformAdmin("GET", `environments/${env.ok}`);
    expect(stored.body.encryption).toMatchObject({ keyType: "PlatformManaged", status: "PlatformManaged", policy: null });
  }, 120_000);

  it("backups: create, restore and reset each confirm what they replace or erase; a copy the API refuses shows its code", async () => {
    // The environment is on the platform key again; its page, its backups section.
    const dialog = page.getByRole("alertdialog");
    await page.getByRole("button", { name: "Create backup" }).click();
    expect(await dialog.textContent()).toContain("Nothing is replaced");
    await dialog.getByRole("button", { name: "Create backup" }).click();
    await dialog.waitFor({ state: "detached" });
    const backups = page.getByTestId("backups");
    await backups.getByText("Completed").waitFor({ timeout: 60_000 });

    const restore = backups.getByTestId("restore-backup").first();
    expect(await restore.getAttribute("aria-label")).toMatch(/^Restore the backup of /);
    await restore.click();
    expect(await dialog.textContent()).toContain(`All records and files of ${env.ok} are replaced`);
    await dialog.getByRole("button", { name: "Restore" }).click();
    await dialog.waitFor({ state: "detached" });
    const history = page.getByTestId("history");
    await history.locator('[data-kind="Restore"]').getByTestId("history-status").filter({ hasText: "Succeeded" }).waitFor({ timeout: 60_000 });

    await page.getByLabel("Copy from environment").selectOption(env.trial);
    await page.getByRole("button", { name: "Copy", exact: true }).click();
    expect(await dialog.textContent()).toContain(`All records and files of ${env.ok} are replaced by a copy of ${env.trial}'s`);
    await dialog.getByRole("button", { name: "Copy", exact: true }).click();
    const refused = dialog.getByTestId("api-error");
    await refused.waitFor();
    expect(await refused.textContent()).toMatch(new RegExp(`POST /api/environments/${env.ok}/copy.*409.*KeyMismatch`));
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "detached" });

    await page.getByRole("button", { name: "Reset", exact: true }).click();
    expect(await dialog.textContent()).toContain(`All records, files and backups of ${env.ok} are erased`);
    await dialog.getByRole("button", { name: "Reset", exact: true }).click();
    await dialog.waitFor({ state: "detached" });
    await history.locator('[data-kind="Reset"]').getByTestId("history-status").filter({ hasText: "Succeeded" }).waitFor({ timeout: 60_000 });
    await page.getByText("No backups.").waitFor({ timeout: 30_000 });
  }, 240_000);

  it("the key page lists each version, what still needs it and when it may be disabled; the environments page lists every environment", async () => {
    await page.goto(`${base}/console/policies/${POLICY}/key`);
    const versions = page.getByTestId("key-versions");
    await versions.waitFor();
    expect(await versions.locator("tbody tr").count()).toBeGreaterThanOrEqual(1);
    // Just removed: the version is needed for 30 days (the removal's retention), so a date is given.
    expect(await versions.textContent()).toMatch(/environment\(s\) that left it recently|backup/);
    await capture(page, "12-key-versions");
    await page.getByRole("link", { name: "Environments" }).first().click();
    const table = page.getByTestId("environments-table");
    for (const id of Object.values(env)) await table.locator(`[data-environment="${id}"]`).waitFor();
    await capture(page, "13-environments");
  }, 120_000);
});
