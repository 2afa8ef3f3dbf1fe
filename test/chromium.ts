// Debian's Chromium for the browser tests (test/e2e, test/runtimes/chromium.test.ts), driven by
// playwright-core (`npx playwright install` cannot work offline). Missing locally → the tests skip
// with a line; with GRANTKIT_CI=1 → a failure (hasChromium).
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Headless, sandbox-free (root in CI), nothing that reaches the network on its own. */
export const chromiumArgs = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Longest wait of any step: every wait is bounded. */
export const STEP = 15_000;

/** Whether Chromium is installed; in CI its absence fails the suite instead of skipping. */
export function hasChromium(what: string): boolean {
  const present = existsSync(chromiumPath);
  if (!present && process.env.GRANTKIT_CI === '1')
    throw new Error(`${chromiumPath} is missing, and GRANTKIT_CI=1 makes that a failure`);
  if (!present) console.warn(`skipping ${what}: ${chromiumPath} is not installed`);
  return present;
}

/** A headless Chromium (close it in afterAll). */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
    timeout: 60_000,
  });
