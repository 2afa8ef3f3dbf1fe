// The React demo's server (`npm start`) without a browser: what any caller can send it (review of
// #17, L9/L10). Request bodies are streamed to the edge, which stops at its bound (413), so a huge or
// endless body is never buffered; the sequence panel, shown to every visitor, carries no text of a
// request: only known routes, grant types and error codes, each label cut. Needs `npm run build`.
// 127.0.0.1 only; every wait is bounded.
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from '../../examples/react-spa/server.mjs';

const INJECTED = 'Your-account-is-locked-call-555-0100';

describe('React demo server', () => {
  let demo: Demo;
  beforeAll(async () => {
    demo = await startDemo({ port: 0, env: { GRANTKIT_DEMO_QUIET: '1' } });
  }, 60_000);
  afterAll(() => demo?.close());

  it('answers 413 to an endless body once past the edge bound, without waiting for its end', async () => {
    const { port } = new URL(demo.url);
    const status = await new Promise<number | string>((resolve) => {
      const timer = setTimeout(() => {
        req.destroy();
        resolve('no answer in 10 s');
      }, 10_000);
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/auth/exchange',
          headers: {
            'content-type': 'application/json',
            'x-grantkit-csrf': '1',
            origin: demo.url,
            'sec-fetch-site': 'same-origin',
          },
        },
        (res) => {
          clearTimeout(timer);
          res.resume();
          resolve(res.statusCode ?? 0);
          req.destroy();
        },
      );
      req.on('error', () => {});
      // 3 MiB and never the end of the body (chunked): a buffering server never answers.
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      for (let i = 0; i < 48; i++) req.write(chunk);
    });
    expect(status).toBe(413);
    // The server still answers others.
    expect((await fetch(`${demo.url}/auth/session`)).status).toBe(200);
  });

  it('labels only known routes, known grant types and codes, each label at most 120 characters', async () => {
    const emulator = demo.emulator!;
    const vendorUrl = demo.vendor;
    await fetch(`${demo.url}/demo/flow`, { method: 'DELETE', headers: { 'x-grantkit-csrf': '1' } });
    // Any page can send these: a path of its own under the edge, a long one, an error code of its
    // own; and a no-cors POST to the emulator with a grant type and a consent path of its own.
    await fetch(`${demo.url}/auth/${INJECTED}`);
    await fetch(`${demo.url}/auth/${'x'.repeat(16_000)}`);
    await fetch(`${demo.url}/auth/callback?error=${INJECTED}`, { redirect: 'manual' });
    await fetch(`${vendorUrl}/v0/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=${INJECTED}`,
    });
    await fetch(`${vendorUrl}/oauth/app/${INJECTED}`);
    expect(emulator.requests.some((q) => q.grant === INJECTED)).toBe(true);
    const hops = demo.hops();
    const labels = hops.map((h) => h.label);
    expect(labels.length).toBeGreaterThanOrEqual(8);
    for (const label of labels) {
      expect(label).not.toContain(INJECTED);
      expect(label).not.toContain('xxxxxxxx');
      expect(label.length).toBeLessThanOrEqual(120);
    }
    expect(labels).toContain('GET other request');
    expect(labels.some((l) => l.includes('grant_type=other'))).toBe(true);
    expect(labels.some((l) => l.includes('?error=other'))).toBe(true);
    // Known routes are still named.
    expect(labels.some((l) => l.startsWith('GET /auth/callback'))).toBe(true);
    // The panel's JSON, as every visitor polls it, is bounded too.
    const panel = await (await fetch(`${demo.url}/demo/flow`)).text();
    expect(panel).not.toContain(INJECTED);
    expect(panel.length).toBeLessThan(20_000);
  });
});
