import { readFile } from 'node:fs/promises';
import { Miniflare, Response as MfResponse, type Request as MfRequest } from 'miniflare';
import { expect, it } from 'vitest';
import { createVendorEmulator } from '@grantkit/core/testing';
import { bundle, credentials, expected, fixture } from './harness';

it('workerd (no nodejs_compat): the built packages run the scenario inside a Worker', async () => {
  const emulator = createVendorEmulator();
  const script = await bundle(fixture('worker.mjs'), 'neutral', ['workerd', 'worker', 'browser']);
  const mf = new Miniflare({
    modules: true,
    script: await readFile(script, 'utf8'),
    compatibilityDate: '2026-07-01',
    bindings: { CREDENTIALS: JSON.stringify(credentials) },
    // Every fetch the Worker makes lands in the emulator, which runs here in Node.
    outboundService: async (request: MfRequest) => {
      const answer = await emulator.handle(new Request(request.url, { method: request.method, headers: [...request.headers] as [string, string][], body: request.method === 'GET' ? null : await request.arrayBuffer() }));
      return new MfResponse(await answer.arrayBuffer(), { status: answer.status, headers: [...answer.headers] });
    },
  });
  try {
    const response = await mf.dispatchFetch('http://localhost/');
    const result = (await response.json()) as unknown;
    console.log('workerd:', JSON.stringify(result));
    expect(result).toEqual(expected);
  } finally {
    await mf.dispose();
  }
});

it('workerd (no nodejs_compat): the edge handler suite passes inside a Worker', async () => {
  const script = await bundle(fixture('edge-worker.mjs'), 'neutral', ['workerd', 'worker', 'browser']);
  const mf = new Miniflare({ modules: true, script: await readFile(script, 'utf8'), compatibilityDate: '2026-07-01' });
  try {
    const results = (await (await mf.dispatchFetch('http://localhost/')).json()) as { name: string; ok: boolean; error?: string }[];
    console.log(`workerd edge suite: ${results.filter((r) => r.ok).length}/${results.length} passed`);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results.length).toBeGreaterThan(10);
  } finally {
    await mf.dispose();
  }
});
