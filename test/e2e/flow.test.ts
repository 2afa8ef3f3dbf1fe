// The browser flow of the React demo in Chromium, against the built packages: login → the
// emulator's consent page → Allow → callback → authenticated → pong → consent revoked → consent
// again → logout; and a logout in one tab reaching the other (BroadcastChannel).
// Needs `npm run build` first. Only 127.0.0.1 is used.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from '../../examples/react-spa/server.mjs';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const args = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const artifacts = fileURLToPath(new URL('../artifacts/', import.meta.url));
const STEP = 15_000; // every wait is bounded

const present = existsSync(chromiumPath);
if (!present && process.env.GRANTKIT_CI === '1')
  throw new Error(`${chromiumPath} is missing, and GRANTKIT_CI=1 makes that a failure`);
if (!present) console.warn(`skipping the e2e flow: ${chromiumPath} is not installed`);

describe.skipIf(!present)('React demo in Chromium', () => {
  let demo: Demo;
  let context: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    demo = await startDemo({ port: 0, env: { GRANTKIT_DEMO_QUIET: '1' } });
    profile = await mkdtemp(join(tmpdir(), 'grantkit-e2e-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      args,
      timeout: 60_000,
    });
    context.setDefaultTimeout(STEP);
    context.setDefaultNavigationTimeout(STEP);
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    await demo?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  const status = (page: Page, value: string) =>
    page.locator(`#status[data-status="${value}"]`).waitFor();

  /** From the login button to the app, through the emulator's consent page. */
  async function consent(page: Page, button: '#login' | '#consent', url = demo.url) {
    await page.click(button);
    await page.waitForURL((url) => url.pathname.startsWith('/oauth/app/')); // the emulator's consent page
    await page.click('#allow');
    await page.waitForURL(`${url}/`);
  }

  it('login → consent → pong → consent revoked → consent again → logout', async () => {
    const page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(demo.url);
    await status(page, 'unauthenticated');

    await consent(page, '#login');
    await status(page, 'authenticated');
    await expect.poll(() => page.locator('#ping').textContent(), { timeout: STEP }).toBe('pong');
    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'authenticated.png'), fullPage: true });
    // The session cookie is HttpOnly: no script on the page can read it.
    expect(await page.evaluate(() => document.cookie)).toBe('');

    await page.click('#revoke');
    await status(page, 'consent_required');
    await expect(page.locator('#consent-required h2').textContent()).resolves.toBe(
      'Consent required',
    );

    await consent(page, '#consent');
    await status(page, 'authenticated');
    await expect.poll(() => page.locator('#ping').textContent(), { timeout: STEP }).toBe('pong');

    await page.click('#logout');
    await status(page, 'unauthenticated');
    await page.reload();
    await status(page, 'unauthenticated');
    expect(errors).toEqual([]);
  });

  it('a logout in one tab shows logged out in the other (BroadcastChannel)', async () => {
    const first = context.pages()[0] ?? (await context.newPage());
    await first.goto(demo.url);
    await status(first, 'unauthenticated');
    await consent(first, '#login');
    await status(first, 'authenticated');

    const second = await context.newPage();
    await second.goto(demo.url);
    await status(second, 'authenticated');

    await first.click('#logout');
    await status(first, 'unauthenticated');
    await status(second, 'unauthenticated'); // no reload, no focus: told by the other tab
    await second.close();
  });

  it('with the SPA as redirect URI, useFirstDollarCallback posts the code once (StrictMode) and lands on returnTo', async () => {
    const spa = await startDemo({ port: 0, callback: 'spa', env: { GRANTKIT_DEMO_QUIET: '1' } });
    const page = await context.newPage();
    try {
      const exchanges: string[] = [];
      page.on(
        'request',
        (request) =>
          new URL(request.url()).pathname === '/auth/exchange' && exchanges.push(request.method()),
      );
      await page.goto(spa.url);
      await status(page, 'unauthenticated');
      await page.click('#login');
      await page.waitForURL((url) => url.pathname.startsWith('/oauth/app/'));
      await page.click('#allow');
      await status(page, 'authenticated');
      expect(new URL(page.url()).search).toBe(''); // the code left the address bar
      expect(new URL(page.url()).pathname).toBe('/');
      await expect.poll(() => page.locator('#ping').textContent(), { timeout: STEP }).toBe('pong');
      expect(exchanges).toEqual(['POST']);
    } finally {
      await page.close();
      await spa.close();
    }
  });
});
