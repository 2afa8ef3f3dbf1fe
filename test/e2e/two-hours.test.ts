// `npm start` runs for two hours without a failed login (#17): the demo's clock — this process's
// Date, which the edge and the emulator both read, as real time passing would move it — goes
// forward 2 h in 10-minute steps. One First Dollar session stays open and calls through the proxy at
// every step (its 1 h tokens are renewed on the way); a second browser logs in again every 30
// minutes; Orange Logic logs in at the end. No login, call or token answer may fail. Before the
// emulator's clock followed real time, every login after the first hour failed here
// ("invalid_response: expiry not in the future"). Needs `npm run build` first. 127.0.0.1 only.
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startDemo, type Demo } from '../../examples/react-spa/server.mjs';
import { hasChromium, launchChromium, STEP } from '../chromium';

const MINUTE = 60_000;
const present = hasChromium('the two-hour run');

describe.skipIf(!present)('npm start over two hours of moved clock', () => {
  let demo: Demo;
  let browser: Browser;
  const edgeErrors: unknown[] = [];

  beforeAll(async () => {
    // Only Date is faked (timers stay real, so Chromium, sockets and waits behave); it keeps ticking.
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    demo = await startDemo({
      port: 0,
      env: { GRANTKIT_DEMO_QUIET: '1' },
      onError: (error) => edgeErrors.push(error),
    });
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.close();
    vi.useRealTimers();
  });

  async function open(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext();
    context.setDefaultTimeout(STEP);
    context.setDefaultNavigationTimeout(STEP);
    return { context, page: await context.newPage() };
  }
  const status = (page: Page, value: string) =>
    page.locator(`#status[data-status="${value}"]`).waitFor();
  const result = (page: Page, expected: string) =>
    expect.poll(() => page.locator('#ping').textContent(), { timeout: STEP }).toBe(expected);

  async function login(page: Page, home: string, expected: string) {
    await page.goto(`${demo.url}${home}`);
    await status(page, 'unauthenticated');
    await page.click('#login');
    await page.waitForURL((url) => url.origin !== demo.url);
    await page.click('#allow');
    await page.waitForURL((url) => url.origin === demo.url && url.pathname === home);
    await status(page, 'authenticated');
    await result(page, expected);
  }

  it('logs in and calls through at every 10-minute step for 2 h, with no failure', async () => {
    const start = Date.now();
    const kept = await open(); // one session for the whole two hours
    await login(kept.page, '/', 'pong');

    let logins = 1;
    for (let minutes = 10; minutes <= 120; minutes += 10) {
      vi.setSystemTime(start + minutes * MINUTE);
      await kept.page.click('#run-ping');
      await result(kept.page, 'pong');
      if (minutes % 30 === 0) {
        const fresh = await open();
        await login(fresh.page, '/', 'pong');
        logins++;
        await fresh.context.close();
      }
    }
    const ol = await open();
    await login(ol.page, '/orange-logic', 'ok, user user_1');
    await ol.context.close();

    expect(Date.now() - start).toBeGreaterThanOrEqual(120 * MINUTE);
    expect(logins).toBe(5);
    expect(edgeErrors).toEqual([]);
    // Every token answer succeeded; the open session was renewed (1 h tokens, 2 h of calls).
    const tokens = demo.emulator!.requests.filter((q) => q.grant !== undefined);
    expect(tokens.filter((q) => q.status !== 200)).toEqual([]);
    expect(tokens.filter((q) => q.grant === 'refresh_token').length).toBeGreaterThanOrEqual(2);
    // No call through the proxy reached the browser as a failure.
    expect(demo.hops().filter((h) => h.to === 'browser' && (h.status ?? 0) >= 400)).toEqual([]);
    await kept.context.close();
  });
});
