// Issue #16: @grantkit/edge/otel and @grantkit/core/otel, built, inside workerd without nodejs_compat,
// with the OpenTelemetry SDK's in-memory exporters. workerd has no context manager here (no
// nodejs_als), so each span is a root span; names, attributes, statuses and metrics are as in Node.
import { readFile } from 'node:fs/promises';
import { Miniflare } from 'miniflare';
import { expect, it } from 'vitest';
import { bundle, fixture } from './harness';

interface Result {
  statuses: number[];
  spans: { name: string; kind: number; attributes: Record<string, unknown>; status: number }[];
  metrics: Record<string, { attributes: Record<string, unknown>; value: unknown }[]>;
}

it('workerd (no nodejs_compat): route, proxy and token spans and the metrics, from the built packages', async () => {
  // 'browser': the SDK packages swap their Node platform files for the browser ones through the `browser` field.
  const script = await bundle(fixture('otel-worker.mjs'), 'browser', [
    'workerd',
    'worker',
    'browser',
  ]);
  const mf = new Miniflare({
    modules: true,
    script: await readFile(script, 'utf8'),
    compatibilityDate: '2026-07-01',
  });
  try {
    const result = (await (await mf.dispatchFetch('http://localhost/')).json()) as Result;
    expect(result.statuses).toEqual([302, 302, 200, 401]);
    const names = result.spans.map((s) => s.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'GET /auth/login',
        'GET /auth/callback',
        'grantkit.code_exchange',
        'POST /api/graphql',
        'grantkit.proxy',
        'grantkit.token',
      ]),
    );
    const exchange = result.spans.find((s) => s.name === 'grantkit.code_exchange')!;
    expect(exchange.attributes).toMatchObject({
      'grantkit.adapter': 'first-dollar-app',
      'grantkit.grant_type': 'authorization_code',
      'server.address': 'api.dev.firstdollar.com',
      'http.response.status_code': 200,
    });
    const [ok, refused] = result.spans.filter((s) => s.name === 'grantkit.token');
    expect(ok).toMatchObject({
      status: 0,
      attributes: { 'grantkit.grant_type': 'refresh_token', 'http.response.status_code': 200 },
    });
    expect(refused).toMatchObject({
      status: 2,
      attributes: { 'error.type': 'reauthorization_required', 'http.response.status_code': 400 },
    });
    const proxies = result.spans.filter((s) => s.name === 'grantkit.proxy');
    expect(proxies.map((s) => s.status)).toEqual([0, 2]);
    expect(proxies[0]!.attributes).toMatchObject({
      'http.request.method': 'POST',
      'server.address': 'api.dev.firstdollar.com',
      'http.response.status_code': 200,
    });
    expect(JSON.stringify(result)).not.toContain('tenant=acme');
    expect(result.metrics['grantkit.renewals']).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          attributes: { 'grantkit.adapter': 'first-dollar-app', 'grantkit.outcome': 'success' },
          value: 1,
        }),
        expect.objectContaining({
          attributes: {
            'grantkit.adapter': 'first-dollar-app',
            'grantkit.outcome': 'failure',
            'error.type': 'reauthorization_required',
          },
          value: 1,
        }),
      ]),
    );
    expect(Object.keys(result.metrics)).toEqual(
      expect.arrayContaining([
        'grantkit.token.duration',
        'grantkit.renewal.callers',
        'grantkit.proxy.duration',
      ]),
    );
  } finally {
    await mf.dispose();
  }
});
