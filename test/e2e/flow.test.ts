// The whole React demo (`npm start`) in Chromium, against the built packages: First Dollar login →
// the emulator's consent page → Allow → pong → the access token expired → refresh on the next call →
// consent revoked → consent again → Logout (confirmed) → Deny; Orange Logic the same way (its state
// echo); a logout in one tab reaching the other; the SPA-callback variant. Every step's screenshot
// goes to test/artifacts/; no console error is allowed. Needs `npm run build` first. 127.0.0.1 only.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from '../../examples/react-spa/server.mjs';
import { chromiumArgs as args, chromiumPath, hasChromium, STEP } from '../chromium';

const artifacts = fileURLToPath(new URL('../artifacts/', import.meta.url));
/** Marks every credential the emulator issues: none may reach the page or the sequence panel. */
const CANARY = 'CANARY-demo-e2e-';

const present = hasChromium('the e2e flow');

/** Console errors and page errors of a page, with where they came from. */
function problemsOf(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${String(error)}`));
  page.on('console', (message) => {
    if (message.type() === 'error')
      problems.push(`console: ${message.text()} (${message.location().url})`);
  });
  return problems;
}

describe.skipIf(!present)('React demo in Chromium', () => {
  let demo: Demo;
  let context: BrowserContext;
  let profile: string;
  const edgeErrors: unknown[] = [];

  beforeAll(async () => {
    demo = await startDemo({
      port: 0,
      env: { GRANTKIT_DEMO_QUIET: '1', GRANTKIT_DEMO_TOKEN_PREFIX: CANARY },
      onError: (error) => edgeErrors.push(error),
    });
    profile = await mkdtemp(join(tmpdir(), 'grantkit-e2e-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      args,
      timeout: 60_000,
      viewport: { width: 1280, height: 900 },
    });
    context.setDefaultTimeout(STEP);
    context.setDefaultNavigationTimeout(STEP);
    await mkdir(artifacts, { recursive: true });
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    await demo?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  const status = (page: Page, value: string) =>
    page.locator(`#status[data-status="${value}"]`).waitFor();
  const result = (page: Page) =>
    expect.poll(() => page.locator('#ping').textContent(), { timeout: STEP });
  /** Waits until the sequence panel shows a hop matching `selector`. */
  const hop = (page: Page, selector: string) =>
    page.locator(`#flow .hop${selector}`).first().waitFor();
  const shot = async (page: Page, name: string) => {
    await page.waitForTimeout(800); // one poll of the sequence panel
    await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
  };

  /** No token, code or secret in the page or in the sequence panel's data. */
  async function noLeak(page: Page) {
    const panel = await page.evaluate(async () => (await fetch('/demo/flow')).text());
    expect(JSON.parse(panel).hops.length).toBeGreaterThan(10);
    for (const secret of [CANARY, 'fd-app-test-secret', 'ol-test-secret'])
      expect(panel).not.toContain(secret);
    expect(await page.content()).not.toContain(CANARY);
  }

  /** From the login button to the vendor's consent page, and the user's answer there. */
  async function consent(page: Page, button: string, answer: '#allow' | '#deny', home: string) {
    await page.click(button);
    await page.waitForURL((url) => url.origin !== demo.url); // the vendor's consent page
    await expect(page.locator('#emulated').textContent()).resolves.toMatch(/emulated/i);
    await page.click(answer);
    await page.waitForURL((url) => url.origin === demo.url && url.pathname === home);
  }

  /** Log out, through the confirmation. */
  async function logout(page: Page) {
    await page.click('#logout');
    await page.click('#logout-confirm');
    await status(page, 'unauthenticated');
  }

  it('First Dollar: login → Allow → pong → expire → refresh → revoke → consent again → logout (confirmed) → Deny', async () => {
    const page = context.pages()[0] ?? (await context.newPage());
    const problems = problemsOf(page);
    await page.goto(demo.url);
    await status(page, 'unauthenticated');
    await expect(page.locator('#flow').textContent()).resolves.toContain('What just happened');

    await consent(page, '#login', '#allow', '/');
    await status(page, 'authenticated');
    await result(page).toBe('pong');
    // The panel drew the code exchange: the code through the browser, the token call by the edge.
    await hop(page, '[data-from="browser"][data-to="edge"]:has-text("/auth/callback?code=•••")');
    await hop(page, '[data-kind="token"][data-from="edge"][data-to="vendor"]');
    await hop(page, '[data-kind="api"]:has-text("Bearer •••")');
    await expect(page.locator('#flow').textContent()).resolves.toContain(
      'refresh token •••: kept on the edge',
    );
    await shot(page, 'first-dollar-1-logged-in');
    // The session cookie is HttpOnly: no script on the page can read it.
    expect(await page.evaluate(() => document.cookie)).toBe('');

    // The token expires at the vendor; the next call gets a 401 there, the edge refreshes, retries.
    const refreshes = demo.emulator!.count({ grant: 'refresh_token', status: 200 });
    await page.click('#expire');
    await page.locator('#expired').waitFor();
    await page.click('#run-ping');
    await result(page).toBe('pong');
    expect(demo.emulator!.count({ grant: 'refresh_token', status: 200 })).toBe(refreshes + 1);
    await hop(page, '.failed[data-kind="api"]:has-text("401")');
    await hop(page, '[data-kind="refresh"][data-from="vendor"]:has-text("rotated")');
    await shot(page, 'first-dollar-2-refreshed');

    // Consent revoked at the vendor: the edge's refresh is refused, the app asks for consent again.
    const before = problems.length;
    await page.click('#revoke');
    await status(page, 'consent_required');
    await expect(page.locator('#consent-required h2').textContent()).resolves.toBe(
      'Consent required',
    );
    // The one console line this step may cause: Chromium reports the proxied call's 401.
    const revoked = problems.splice(before);
    expect(revoked.every((p) => /status of 401/.test(p) && p.includes('/api/graphql'))).toBe(true);
    await consent(page, '#consent', '#allow', '/');
    await status(page, 'authenticated');
    await result(page).toBe('pong');

    // Logout asks first; Cancel keeps the session.
    await page.click('#logout');
    await page.click('#logout-cancel');
    await status(page, 'authenticated');
    await logout(page);
    await page.reload();
    await status(page, 'unauthenticated');
    await shot(page, 'first-dollar-3-logged-out');

    // Deny on the consent page: a sentence, not a code; still logged out.
    await consent(page, '#login', '#deny', '/');
    await status(page, 'unauthenticated');
    await expect(page.locator('#error').textContent()).resolves.toMatch(/^You declined access/);
    await expect(page.locator('#error').getAttribute('data-code')).resolves.toBe('access_denied');
    expect(new URL(page.url()).search).toBe(''); // the error left the address bar
    await hop(page, '[data-from="browser"][data-to="edge"]:has-text("?error=access_denied")');
    await shot(page, 'first-dollar-4-denied');

    await noLeak(page);
    expect(problems).toEqual([]);
    // The revoked consent (its refresh refused) is the only failure the edge reported.
    expect(edgeErrors.splice(0).map((e) => (e as { code?: string }).code)).toEqual([
      'consent_required',
    ]);
  });

  it('Orange Logic: login (state echoed) → Allow → echo → expire (24 h) → refresh → logout → Deny', async () => {
    edgeErrors.length = 0;
    const page = context.pages()[0] ?? (await context.newPage());
    const problems = problemsOf(page);
    await page.goto(demo.url);
    await page.click('#vendor-orangeLogic');
    await page.waitForURL(`${demo.url}/orange-logic`);
    await status(page, 'unauthenticated');

    await consent(page, '#login', '#allow', '/orange-logic');
    await status(page, 'authenticated');
    await result(page).toBe('ok, user user_1');
    await hop(page, ':has-text("/ol/auth/callback?code=•••&state=•••")');
    await hop(page, '[data-kind="token"]:has-text("token_48I_v1")');
    await shot(page, 'orange-logic-1-logged-in');

    const refreshes = demo.emulator!.count({
      vendor: 'orangeLogic',
      grant: 'refresh_token',
      status: 200,
    });
    await page.click('#expire');
    await page.locator('#expired').waitFor();
    await page.click('#run-ping');
    await result(page).toBe('ok, user user_1');
    expect(
      demo.emulator!.count({ vendor: 'orangeLogic', grant: 'refresh_token', status: 200 }),
    ).toBe(refreshes + 1);
    await hop(page, '[data-kind="refresh"][data-from="vendor"]');
    await expect(page.locator('#flow').textContent()).resolves.toContain('clock moved 24 h ahead');
    await shot(page, 'orange-logic-2-refreshed');

    await logout(page);
    await consent(page, '#login', '#deny', '/orange-logic');
    await status(page, 'unauthenticated');
    await expect(page.locator('#error').textContent()).resolves.toMatch(
      /^You declined access on Orange Logic's consent page/,
    );
    await shot(page, 'orange-logic-3-denied');
    await noLeak(page);
    expect(problems).toEqual([]);
    expect(edgeErrors.splice(0)).toEqual([]);
  });

  it('RequireAuth: a guarded page sends an unauthenticated visitor to consent and back, for each vendor', async () => {
    const page = context.pages()[0] ?? (await context.newPage());
    const problems = problemsOf(page);
    for (const [home, account, expected] of [
      ['/', '/account', 'pong'],
      ['/orange-logic', '/orange-logic/account', 'ok, user user_1'],
    ] as const) {
      await page.goto(`${demo.url}${home}`);
      await status(page, 'unauthenticated');
      await page.goto(`${demo.url}${account}`); // no session: the guard leaves for the consent page
      await page.waitForURL((url) => url.origin !== demo.url);
      await page.click('#allow');
      await page.waitForURL(`${demo.url}${account}`); // back where the visitor wanted to go
      await page.locator('#account').waitFor();
      await result(page).toBe(expected);
      if (home === '/') await shot(page, 'first-dollar-5-guarded-page');
      await page.goto(`${demo.url}${home}`);
      await logout(page);
    }
    expect(problems).toEqual([]);
  });

  it('a logout in one tab shows logged out in the other (BroadcastChannel)', async () => {
    const first = context.pages()[0] ?? (await context.newPage());
    await first.goto(demo.url);
    await status(first, 'unauthenticated');
    await consent(first, '#login', '#allow', '/');
    await status(first, 'authenticated');

    const second = await context.newPage();
    await second.goto(demo.url);
    await status(second, 'authenticated');

    await logout(first);
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
      await result(page).toBe('pong');
      expect(exchanges).toEqual(['POST']);
    } finally {
      await page.close();
      await spa.close();
    }
  });
});
