import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { expect, it } from 'vitest';
import { createVendorEmulator } from '@grantkit/core/testing';
import { listenEmulator } from '@grantkit/core/testing/node';
import {
  available,
  bundle,
  chromiumPath,
  credentials,
  expected,
  fixture,
  hasChromium,
} from './harness';
import { chromiumArgs } from '../chromium';

it('Chromium: the built packages run the scenario in a page served from 127.0.0.1', async () => {
  if (!available('chromium', hasChromium())) return;
  const emulator = createVendorEmulator();
  const js = await readFile(await bundle(fixture('browser.mjs'), 'browser'), 'utf8');
  const server = await listenEmulator(emulator, {
    fallback: (req) => {
      const path = new URL(req.url).pathname;
      if (path === '/')
        return new Response(
          `<!doctype html><title>grantkit runtime</title><script type="module" src="/bundle.js"></script>`,
          { headers: { 'content-type': 'text/html' } },
        );
      if (path === '/bundle.js')
        return new Response(js, { headers: { 'content-type': 'text/javascript' } });
      return null;
    },
  });
  const profile = await mkdtemp(join(tmpdir(), 'chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    args: chromiumArgs,
    headless: true,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${server.url}/#${encodeURIComponent(JSON.stringify(credentials))}`);
    const handle = await page.waitForFunction(
      () => (window as unknown as { __result?: unknown }).__result,
      undefined,
      { timeout: 30_000 },
    );
    const result = (await handle.jsonValue()) as Record<string, unknown>;
    console.log(`chromium ${context.browser()?.version() ?? ''}:`, JSON.stringify(result));
    expect(result).toEqual(expected);
  } finally {
    await context.close();
    await server.close();
    await rm(profile, { recursive: true, force: true });
  }
});
