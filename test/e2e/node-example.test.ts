// examples/node in Chromium, run with its README's command: the page declares its charset (no
// "Â·"), a login through the emulator's consent page lands on a page showing the logged-in state,
// and Logout asks first. Needs `npm run build` first. 127.0.0.1 only.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium, STEP } from '../chromium';

const root = fileURLToPath(new URL('../../', import.meta.url));
const present = hasChromium('the Node example in Chromium');

/** A port free right now (the example needs a fixed one: its origin is its redirect URI). */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.once('error', reject);
  });

describe.skipIf(!present)('examples/node in Chromium', () => {
  let server: ChildProcess;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    const readme = await readFile(`${root}examples/node/README.md`, 'utf8');
    const command = /```sh\n([^\n]+)\n```/.exec(readme)?.[1];
    expect(command).toBe(
      'GRANTKIT_DEMO_SINGLE_USER=1 node_modules/.bin/node examples/node/server.mjs',
    );
    const header = (await readFile(`${root}examples/node/server.mjs`, 'utf8')).split('\n')[0];
    expect(header).toContain(`\`${command}\``); // the header comment gives the README's command
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    server = spawn('bash', ['-c', command!], {
      cwd: root,
      env: { ...process.env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true, // its own process group: afterAll ends the shell and the server it started
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('examples/node did not start')), 30_000);
      server.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes(`BFF on ${origin}`)) {
          clearTimeout(timer);
          resolve();
        }
      });
      server.once('exit', (code) => reject(new Error(`examples/node exited (${code})`)));
    });
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    if (server?.pid) process.kill(-server.pid, 'SIGTERM');
  });

  it('declares its charset, shows the logged-in state after Allow, and confirms Logout', async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(STEP);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(String(error)));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));

    const response = await page.goto(`${origin}/`);
    expect(response?.headers()['content-type']).toBe('text/html; charset=utf-8');
    expect(await page.evaluate(() => document.characterSet)).toBe('UTF-8');
    const text = await page.locator('body').textContent();
    expect(text).toContain(' · ');
    expect(text).not.toContain('Â');
    await page.locator('#status[data-status="unauthenticated"]').waitFor();

    await page.click('#login');
    await page.waitForURL((url) => url.pathname.startsWith('/oauth/app/'));
    await page.click('#allow');
    await page.waitForURL(`${origin}/`);
    await expect(page.locator('#status').textContent()).resolves.toMatch(
      /^Logged in with First Dollar\. The access token \(valid until \d{4}-/,
    );

    page.once('dialog', (dialog) => void dialog.accept());
    await page.click('#logout');
    await page.locator('#status[data-status="unauthenticated"]').waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });
});
