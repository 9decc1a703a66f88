// What the console's browser tests share: one headless Chromium per test file (Debian's
// chromium, driven by playwright-core; no browser is downloaded), axe on each page, and
// screenshots of each page at the two widths the console is built for.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";
import { expect } from "vitest";

/** Debian's package (.ci/run installs it where missing); KEYWARD_CHROMIUM points elsewhere. */
export const CHROMIUM = process.env.KEYWARD_CHROMIUM ?? "/usr/bin/chromium";
export const WIDE = { width: 1280, height: 900 };
export const NARROW = { width: 390, height: 844 };
const ROOT = path.resolve(__dirname, "../..");
/**
 * Where the screenshots go: .keyward/screenshots (git-ignored) on every run. The committed copies
 * the READMEs show are in docs/screenshots; `npm run screenshots` refreshes them
 * (KEYWARD_SCREENSHOTS=docs/screenshots, a folder relative to the project root).
 */
export const SCREENSHOTS = path.resolve(ROOT, process.env.KEYWARD_SCREENSHOTS || ".keyward/screenshots");

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/**
 * Starts Chromium (`executablePath`, CHROMIUM by default) with a fresh profile. A machine without it
 * fails here with the reason and the fix.
 */
export async function startBrowser(options: { executablePath?: string } = {}): Promise<Browser> {
  const executablePath = options.executablePath ?? CHROMIUM;
  if (!fs.existsSync(executablePath)) {
    throw new Error(`Chromium is not installed at ${executablePath}: install Debian's package ('apt-get install -y chromium', as .ci/run does) or set KEYWARD_CHROMIUM.`);
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "keyward-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath, headless: true, viewport: WIDE, locale: "en-GB", timezoneId: "UTC",
    // --headless comes from headless: true. Without the background-networking flags Chromium
    // keeps dialling Google's hosts, which this machine's closed network refuses.
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
  context.setDefaultTimeout(30_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on("pageerror", (err) => problems.push(err.message));
  return {
    context, page,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
      expect(problems, "uncaught errors in the page").toEqual([]);
    },
  };
}

/**
 * One browser for a test file, started when the first test asks for its page; every test awaits
 * the same start. A browser that cannot start so fails each test with the reason: thrown from
 * beforeAll it would have vitest report every test of the file as skipped.
 */
export function sharedBrowser(start: () => Promise<Browser> = () => startBrowser()): { page(): Promise<Page>; close(): Promise<void> } {
  let started: Promise<Browser> | undefined;
  return {
    page: async () => (await (started ??= start())).page,
    close: async () => {
      const browser = await started?.catch(() => undefined);
      await browser?.close();
    },
  };
}

/**
 * axe-core on the page as it is now: no serious or critical violation. Fluent UI's focus
 * manager (tabster) inserts `<i data-tabster-dummy tabindex="0" aria-hidden="true">` sentinels
 * around tab lists, toolbars and dialogs that pass the focus on the moment they get it; axe
 * reports them as aria-hidden-focus, so those elements alone are left out of the scan.
 */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  // A dialog or panel still fading in reads as too little contrast: scan the page at rest.
  await animationsDone(page);
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).exclude("[data-tabster-dummy]").analyze();
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${v.id} (${v.impact}): ${v.help}; ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`), `accessibility of ${what}`).toEqual([]);
}

/**
 * Waits (bounded) until no animation runs: a dialog fading in has text of too little contrast for
 * axe until it ends. Polled with evaluate: the console's CSP forbids the eval waitForFunction uses.
 */
async function animationsDone(page: Page): Promise<void> {
  const deadline = Date.now() + 10_000;
  // Endless ones (an indeterminate progress bar) never end and are not what axe trips on.
  while (await page.evaluate<boolean>("document.getAnimations().some((a) => a.playState === 'running' && a.effect?.getTiming().iterations !== Infinity)")) {
    if (Date.now() > deadline) throw new Error("animations still running after 10 s");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The page at 1280 and at 390 px: axe at both, a full-page screenshot of each into
 * SCREENSHOTS/{name}-{width}.png; then back to 1280.
 */
export async function capture(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  for (const size of [WIDE, NARROW]) {
    await page.setViewportSize(size);
    await animationsDone(page);
    // Nothing on the page may be wider than the viewport: tables scroll inside their own region.
    const overflow = await page.evaluate<number>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
    expect(overflow, `${name} at ${size.width} px scrolls sideways`).toBeLessThanOrEqual(1);
    await expectAccessible(page, `${name} at ${size.width} px`);
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${size.width}.png`), fullPage: true, animations: "disabled" });
  }
  await page.setViewportSize(WIDE);
}

/** On a failed test: a screenshot of the page as it was, in the temp folder (its path is printed). */
export async function screenshotOnFailure(page: Page | undefined, test: { name: string; result?: { state?: string } }): Promise<void> {
  if (!page || test.result?.state !== "fail") return;
  const file = path.join(os.tmpdir(), `keyward-console-failure-${test.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60)}.png`);
  await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
  console.error(`[console test] the page when "${test.name}" failed: ${file} (${page.url()})`);
}

/** Signs in from the sign-in page as the local identity with this accessible name. */
export async function signIn(page: Page, baseUrl: string, who: RegExp): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByRole("button", { name: who }).click();
  await page.getByTestId("signed-in").waitFor();
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: /Sign in to the keyward admin center/ }).waitFor();
}
