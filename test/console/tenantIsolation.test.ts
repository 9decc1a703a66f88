// A second tenant's administrators see nothing of the first tenant in the console: no policy, no
// environment, no alert, and a first-tenant page opened by its address answers as a missing one
// (404), exactly as the API does for another tenant's resource (the tenancy issue). Headless
// Chromium against a whole embedded keyward; the first tenant's setup goes through the API.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { Keyward } from "../support/keyward";
import { addToPolicyAndWait } from "../support/environments";
import { capture, screenshotOnFailure, sharedBrowser, signIn, signOut } from "./browser";

const FABRIKAM_PLATFORM_ADMIN = /Sign in as Platform administrator .* of Fabrikam/;
const FABRIKAM_KEYS_ADMIN = /Sign in as Key vault administrator .* of Fabrikam/;

let kw: Keyward;
// Started by the first test (sharedBrowser): without a browser each test fails, none is skipped.
const browser = sharedBrowser();
let page: Page;
let policy: string;
let environment: string;

beforeAll(async () => {
  kw = await Keyward.start();
  policy = (await kw.customerPolicy({ policy: "contoso-only" })).policy;
  environment = await kw.environment({ id: "contoso-secret" });
  await addToPolicyAndWait(kw, policy, [environment]);
}, 180_000);

beforeEach(async () => {
  page = await browser.page();
}, 60_000);

afterEach(async ({ task }) => screenshotOnFailure(page, task));

afterAll(async () => {
  await browser.close();
  await kw?.stop();
});

describe("a second tenant in the console", () => {
  it("its platform administrator sees no policy, no environment and no alert of the first tenant", async () => {
    await signIn(page, kw.stack.baseUrl, FABRIKAM_PLATFORM_ADMIN);
    expect(await page.getByTestId("tenant").textContent()).toContain("Fabrikam");
    await page.getByTestId("no-policies").waitFor();
    expect(await page.getByText(policy).count()).toBe(0);
    await capture(page, "14-second-tenant-policies");
    await page.getByRole("tab", { name: "Environments with policies" }).click();
    await page.getByText("No environment is on an enterprise policy.").waitFor();
    await page.getByRole("link", { name: "Environments" }).first().click();
    await page.getByTestId("no-environments").waitFor();
    expect(await page.getByText(environment).count()).toBe(0);
    expect(await page.getByTestId("alerts").count()).toBe(0);
  }, 120_000);

  it("a first-tenant page opened by its address answers 404, as a missing one", async () => {
    await page.goto(`${kw.stack.baseUrl}/console/policies/${policy}`);
    const policyError = page.getByTestId("api-error");
    await policyError.waitFor();
    expect(await policyError.textContent()).toContain("404");
    await page.goto(`${kw.stack.baseUrl}/console/environments/${environment}`);
    const envError = page.getByTestId("api-error").first();
    await envError.waitFor();
    expect(await envError.textContent()).toContain("404");
    await signOut(page);
  }, 120_000);

  it("its key vault administrator sees no policy of the first tenant either", async () => {
    await signIn(page, kw.stack.baseUrl, FABRIKAM_KEYS_ADMIN);
    await page.getByTestId("no-policies").waitFor();
    expect(await page.getByText(policy).count()).toBe(0);
  }, 120_000);
});
