// The console's paths beside the main flow (adminFlow.test.ts), in headless Chromium against a
// whole embedded keyward whose policies and environments are set up through the API:
// - the alerts banner on every page (a key that expires within 30 days);
// - the keyboard alone: Add environments -> pick -> Continue -> Save -> Confirm with Tab, Space and
//   Enter, and Escape closing a dialog with the focus back on what opened it;
// - members added and removed, Change policy, Unlock (refused with the API's code while the key is
//   still disabled, then unlocking once it is enabled again);
// - the key vault administrator's Revoke Reader and Delete policy (refused while an environment
//   uses the policy, then done on an empty one).
// Each dialog is scanned by axe; each page is captured at 1280 and 390 px.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Locator, Page } from "playwright-core";
import { Keyward } from "../support/keyward";
import { addToPolicyAndWait, getEnvironment } from "../support/environments";
import { LOCAL_PRINCIPALS } from "../../local/localPrincipals";
import { capture, expectAccessible, screenshotOnFailure, sharedBrowser, signIn, signOut } from "./browser";

const KEYS_ADMIN = /Sign in as Key vault administrator .* of Contoso/;
const PLATFORM_ADMIN = /Sign in as Platform administrator .* of Contoso/;
const CONSOLE_PLATFORM_ADMIN = LOCAL_PRINCIPALS["Platform.Admin"];
const DAY = 86_400_000;

let kw: Keyward;
// Started by the first test (sharedBrowser): without a browser each test fails, none is skipped.
const browser = sharedBrowser();
let page: Page;
let base: string;
let first: Awaited<ReturnType<Keyward["customerPolicy"]>>;
let second: Awaited<ReturnType<Keyward["customerPolicy"]>>;
let spare: Awaited<ReturnType<Keyward["customerPolicy"]>>;
let onFirst: string;
let byKeyboard: string;

/** Whether the focus is on this element (or inside it). */
function hasFocus(target: Locator): Promise<boolean> {
  return target.evaluate((el) => {
    // The page's document (the tests compile without the DOM's types).
    const active = (globalThis as unknown as { document: { activeElement: typeof el | null } }).document.activeElement;
    return active !== null && (el === active || el.contains(active));
  });
}

/** Presses Tab until the focus is on `target`; fails naming where the focus was. */
async function tabTo(target: Locator, what: string, max = 120): Promise<void> {
  await target.waitFor();
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    if (await hasFocus(target)) return;
  }
  throw new Error(`Tab did not reach ${what} in ${max} presses; the focus is on ${await page.evaluate("document.activeElement?.outerHTML.slice(0, 200)")}`);
}

async function grantConsoleReader(policy: string): Promise<void> {
  const res = await kw.keysAdmin("PUT", `enterprisePolicies/${policy}/readers/${CONSOLE_PLATFORM_ADMIN}`);
  if (![200, 201].includes(res.status)) throw new Error(`granting Reader answered ${res.status}: ${JSON.stringify(res.body)}`);
}

beforeAll(async () => {
  kw = await Keyward.start({ KEYWARD_ACTIVITY_FIRST_RETRY_MS: "100", KEYWARD_ACTIVITY_MAX_ATTEMPTS: "3" });
  base = kw.stack.baseUrl;
  first = await kw.customerPolicy({ policy: "kb-first" });
  second = await kw.customerPolicy({ policy: "kb-second" });
  spare = await kw.customerPolicy({ policy: "kb-spare" });
  // The console's platform administrator is another local identity than the API helpers' one.
  for (const p of [first, second, spare]) await grantConsoleReader(p.policy);
  onFirst = await kw.environment({ id: "kb-prod" });
  byKeyboard = await kw.environment({ id: "kb-keyboard" });
  await addToPolicyAndWait(kw, first.policy, [onFirst]);
  // The first policy's key expires in 20 days: the daily check raises the 30-day alert.
  await kw.keyClient(first.vaultName).updateKeyProperties(first.keyName, { expiresOn: new Date(Date.now() + 20 * DAY) });
  await kw.stack.runtime.triggerTimer("keyExpiryCheck");
}, 180_000);

beforeEach(async () => {
  page = await browser.page();
}, 60_000);

afterEach(async ({ task }) => screenshotOnFailure(page, task));

afterAll(async () => {
  await browser.close();
  await kw?.stop();
});

describe("the console beyond the main flow", () => {
  it("shows the alerts banner on every page: the key that expires within 30 days", async () => {
    await signIn(page, base, PLATFORM_ADMIN);
    const pages: [string, Locator][] = [
      ["/console/policies", page.getByRole("heading", { name: "Enterprise policies" })],
      [`/console/policies/${first.policy}`, page.getByRole("heading", { name: "Edit policy" })],
      [`/console/policies/${first.policy}/key`, page.getByTestId("key-versions")],
      ["/console/environments", page.getByTestId("environments-table")],
      [`/console/environments/${onFirst}`, page.getByRole("heading", { name: `Test ${onFirst}` })],
    ];
    for (const [url, landmark] of pages) {
      await page.goto(`${base}${url}`);
      await landmark.first().waitFor();
      const banner = page.getByTestId("alerts");
      await banner.getByText("Key Near Expiry").first().waitFor({ timeout: 15_000 });
      const text = await banner.textContent();
      expect(text, url).toContain(first.policy);
      expect(text, url).toContain("within 30 day(s)");
    }
    await capture(page, "15-alerts-banner");
  }, 120_000);

  it("adds an environment with the keyboard alone: Tab to Add environments, Space to pick, Enter on Continue, Save and Confirm", async () => {
    await page.goto(`${base}/console/policies/${first.policy}`);
    await page.getByRole("heading", { name: "Edit policy" }).waitFor();
    await tabTo(page.getByRole("button", { name: "Add environments" }), "Add environments");
    await page.keyboard.press("Enter");
    const panel = page.getByTestId("add-environments");
    const pick = panel.getByRole("checkbox", { name: new RegExp(byKeyboard) });
    await tabTo(pick, `the checkbox of ${byKeyboard}`);
    await page.keyboard.press("Space");
    expect(await pick.isChecked()).toBe(true);
    await tabTo(panel.getByRole("button", { name: "Continue" }), "Continue");
    await page.keyboard.press("Enter");
    await panel.getByTestId("staged").getByText(byKeyboard).waitFor();
    await tabTo(panel.getByRole("button", { name: "Save" }), "Save");
    await page.keyboard.press("Enter");
    const confirm = page.getByRole("alertdialog");
    await confirm.waitFor();
    // The dialog holds the focus: Tab moves inside it until Confirm.
    await expect.poll(() => hasFocus(confirm), { timeout: 5_000 }).toBe(true);
    await tabTo(confirm.getByRole("button", { name: "Confirm" }), "Confirm");
    await page.keyboard.press("Enter");
    await confirm.waitFor({ state: "detached" });
    expect(await panel.getByTestId("add-started").textContent()).toContain(byKeyboard);
    const env = await kw.until("the keyboard's environment encrypted", () => getEnvironment(kw, byKeyboard),
      (e) => e.encryption.status === "Encrypted", 90_000);
    expect(env.encryption.policy).toBe(first.policy);
  }, 150_000);

  it("Escape closes a dialog and gives the focus back to the button that opened it", async () => {
    await page.goto(`${base}/console/environments/${byKeyboard}`);
    const opener = page.getByRole("button", { name: "Create backup" });
    await tabTo(opener, "Create backup");
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("alertdialog");
    await dialog.waitFor();
    await expect.poll(() => hasFocus(dialog), { timeout: 5_000 }).toBe(true);
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    await expect.poll(() => hasFocus(opener), { timeout: 5_000 }).toBe(true);
    // Nothing was created.
    expect((await kw.platformAdmin("GET", `environments/${byKeyboard}/backups`)).body.value).toEqual([]);
  }, 120_000);

  it("members: Add member grants the access chosen, Remove (its dialog scanned by axe) takes it away", async () => {
    const member = "44444444-4444-4444-8444-444444444444";
    await page.goto(`${base}/console/environments/${onFirst}`);
    await page.getByLabel("Member's object id").fill(member);
    await page.getByLabel("Access").selectOption("ReadWrite");
    await page.getByRole("button", { name: "Add member" }).click();
    const table = page.getByRole("table", { name: "Members" });
    await table.getByText(member).waitFor();
    const members = async () => (await kw.platformAdmin("GET", `environments/${onFirst}/members`)).body.value as { objectId: string; access: string }[];
    expect((await members()).find((m) => m.objectId === member)).toMatchObject({ access: "ReadWrite" });
    await capture(page, "16-environment-members");

    await page.getByRole("button", { name: `Remove member ${member}` }).click();
    const dialog = page.getByRole("alertdialog");
    expect(await dialog.textContent()).toContain(`${member} can no longer read or write ${onFirst}'s data`);
    await expectAccessible(page, "the Remove member dialog");
    await dialog.getByRole("button", { name: "Remove" }).click();
    await dialog.waitFor({ state: "detached" });
    await table.getByText(member).waitFor({ state: "detached" });
    expect((await members()).some((m) => m.objectId === member)).toBe(false);
  }, 120_000);

  it("Change policy moves the environment to another policy's key after a confirmation of its two downtimes", async () => {
    await page.goto(`${base}/console/environments/${onFirst}`);
    await page.getByLabel("New enterprise policy").selectOption(second.policy);
    await page.getByRole("button", { name: "Change policy" }).click();
    const dialog = page.getByRole("alertdialog");
    const said = await dialog.textContent();
    expect(said).toContain("The environment is down twice");
    expect(said).toContain(`Keep ${first.policy}'s key and its access for 30 days`);
    await expectAccessible(page, "the Change policy dialog");
    await capture(page, "17-confirm-change-policy");
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await dialog.waitFor({ state: "detached" });
    const env = await kw.until("the environment on the second policy", () => getEnvironment(kw, onFirst),
      (e) => e.encryption.policy === second.policy && e.encryption.status === "Encrypted", 120_000);
    expect(env.encryption.keyId).toContain(`/keys/${second.keyName}/`);
    await page.getByRole("link", { name: second.policy }).first().waitFor({ timeout: 10_000 });
  }, 180_000);

  it("Unlock: refused with the API's code while the key is still disabled, then unlocks once it is enabled again", async () => {
    const keys = kw.keyClient(second.vaultName);
    await keys.updateKeyProperties(second.keyName, { enabled: false });
    await kw.stack.runtime.triggerTimer("keyHealthProbe");
    await page.goto(`${base}/console/environments/${onFirst}`);
    await page.getByTestId("locked-banner").waitFor({ timeout: 15_000 });
    const unlock = page.getByRole("button", { name: "Unlock" });
    await unlock.click();
    const refused = page.getByTestId("api-error").filter({ hasText: "Unlock failed" });
    await refused.waitFor();
    expect(await refused.textContent()).toMatch(new RegExp(`POST /api/environments/${onFirst}/unlock.*409.*KeyStillInaccessible`));
    expect((await getEnvironment(kw, onFirst)).state).toBe("Locked");

    await keys.updateKeyProperties(second.keyName, { enabled: true });
    await unlock.click();
    await page.getByTestId("locked-banner").waitFor({ state: "detached", timeout: 15_000 });
    expect(await page.getByTestId("environment-state").first().textContent()).toBe("Enabled");
    expect((await getEnvironment(kw, onFirst)).state).toBe("Enabled");
    await signOut(page);
  }, 120_000);

  it("the key vault administrator revokes Reader and deletes a policy; Delete policy is refused with its code while an environment uses it", async () => {
    await signIn(page, base, KEYS_ADMIN);
    await page.goto(`${base}/console/policies/${spare.policy}`);
    await page.getByRole("heading", { name: "Edit policy" }).waitFor();
    await page.getByRole("button", { name: `Revoke Reader from ${CONSOLE_PLATFORM_ADMIN}` }).click();
    const dialog = page.getByRole("alertdialog");
    expect(await dialog.textContent()).toContain(`${CONSOLE_PLATFORM_ADMIN} can no longer add environments to ${spare.policy}`);
    await expectAccessible(page, "the Revoke Reader dialog");
    await dialog.getByRole("button", { name: "Revoke" }).click();
    await dialog.waitFor({ state: "detached" });
    await page.getByTestId("readers").getByText(CONSOLE_PLATFORM_ADMIN).waitFor({ state: "detached" });
    const readers = (await kw.keysAdmin("GET", `enterprisePolicies/${spare.policy}`)).body.properties.readers as string[];
    expect(readers).not.toContain(CONSOLE_PLATFORM_ADMIN);

    // The second policy has an environment (moved there by Change policy): the API refuses, and the dialog says so.
    await page.goto(`${base}/console/policies/${second.policy}`);
    await page.getByRole("button", { name: "Delete policy" }).click();
    expect(await dialog.textContent()).toContain("keyward refuses while any environment uses it");
    await expectAccessible(page, "the Delete policy dialog");
    await capture(page, "18-confirm-delete-policy");
    await dialog.getByRole("button", { name: "Delete" }).click();
    const refused = dialog.getByTestId("api-error");
    await refused.waitFor();
    expect(await refused.textContent()).toMatch(new RegExp(`DELETE /api/enterprisePolicies/${second.policy}.*409`));
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "detached" });
    expect((await kw.keysAdmin("GET", `enterprisePolicies/${second.policy}`)).status).toBe(200);

    await page.goto(`${base}/console/policies/${spare.policy}`);
    await page.getByRole("button", { name: "Delete policy" }).click();
    await dialog.getByRole("button", { name: "Delete" }).click();
    await dialog.waitFor({ state: "detached" });
    await page.getByText(`Enterprise policy ${spare.policy} deleted`).waitFor();
    expect((await kw.keysAdmin("GET", `enterprisePolicies/${spare.policy}`)).status).toBe(404);
  }, 120_000);
});
