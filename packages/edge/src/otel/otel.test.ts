// @grantkit/edge/otel with the OpenTelemetry SDK's in-memory exporters: login, callback (code
// exchange), a proxied request whose 401 renews the session, and a renewal that fails, as a user
// sees them (span names, parent/child, attributes, status on failure, metrics).
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { firstDollarApp, firstDollarGraphQLEndpoint } from '@grantkit/core';
import { createVendorEmulator, TEST_CREDENTIALS } from '@grantkit/core/testing';
import { otelHarness } from '../../../../test/otel/harness';
import { CSRF_HEADER } from '../csrf';
import { createAuthHandler } from '../handler';
import { otelEdgeTelemetry } from './index';

const ORIGIN = 'https://app.example';
const VENDOR = 'https://api.dev.firstdollar.com';
const APP = TEST_CREDENTIALS.firstDollarApp;
const SAME = {
  origin: ORIGIN,
  [CSRF_HEADER]: '1',
  'sec-fetch-site': 'same-origin',
  'content-type': 'application/json',
};

async function setup() {
  const otel = otelHarness();
  const emu = createVendorEmulator();
  const upstream = { reject: 0 };
  const fetcher: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    if (new URL(request.url).pathname.endsWith('/graphql') && upstream.reject > 0) {
      upstream.reject--;
      return Response.json({ error: 'unauthorized' }, { status: 401 });
    }
    return emu.fetch(request);
  };
  const handler = createAuthHandler({
    adapter: firstDollarApp({ ...APP, apiBaseUrl: VENDOR }),
    secret: 'otel-test-session-secret-0123456789abcdef',
    fetch: fetcher,
    retry: { limit: 0 },
    proxy: {
      '/api/graphql': `${firstDollarGraphQLEndpoint({ apiBaseUrl: VENDOR, appId: APP.appId })}?tenant=acme`,
    },
    telemetry: otelEdgeTelemetry({ tracer: otel.tracer, meter: otel.meter }),
  });
  const call = async (path: string, init: RequestInit = {}) =>
    (await handler(new Request(`${ORIGIN}${path}`, { redirect: 'manual', ...init })))!;
  const login = await call('/auth/login?returnTo=/home');
  const intent = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const cb = await call(`/auth/callback?code=${emu.issueCode('firstDollar', APP.appId)}&state=x`, {
    headers: { cookie: intent },
  });
  const cookie = cb.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const graphql = () =>
    call('/api/graphql?op=ping', {
      method: 'POST',
      headers: { ...SAME, cookie },
      body: JSON.stringify({ query: 'query { ping }' }),
    });
  return { otel, emu, upstream, login, cb, graphql };
}

describe('otelEdgeTelemetry()', () => {
  it('login and callback: SERVER spans named by method and route, the code exchange a CLIENT span under the callback', async () => {
    const { otel, login, cb } = await setup();
    expect(login.status).toBe(302);
    expect(cb.status).toBe(302);
    const loginSpan = otel.span('GET /auth/login');
    expect(loginSpan.kind).toBe(SpanKind.SERVER);
    expect(loginSpan.attributes).toEqual({
      'http.request.method': 'GET',
      'http.route': '/auth/login',
      'url.path': '/auth/login',
      'http.response.status_code': 302,
    });
    const callback = otel.span('GET /auth/callback');
    const exchange = otel.span('grantkit.code_exchange');
    expect(exchange.kind).toBe(SpanKind.CLIENT);
    expect(exchange.parentSpanContext?.spanId).toBe(callback.spanContext().spanId);
    expect(exchange.spanContext().traceId).toBe(callback.spanContext().traceId);
    expect(exchange.attributes).toMatchObject({
      'grantkit.adapter': 'first-dollar-app',
      'grantkit.grant_type': 'authorization_code',
      'server.address': 'api.dev.firstdollar.com',
      'http.response.status_code': 200,
    });
    expect(callback.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('a proxied request whose 401 renews: route span > grantkit.proxy > grantkit.token (refresh_token); proxy metrics without the query', async () => {
    const { otel, upstream, graphql } = await setup();
    upstream.reject = 1;
    const response = await graphql();
    expect(response.status).toBe(200);
    const route = otel.span('POST /api/graphql');
    const proxy = otel.span('grantkit.proxy');
    const refresh = otel.span('grantkit.token');
    expect(proxy.kind).toBe(SpanKind.CLIENT);
    expect(proxy.parentSpanContext?.spanId).toBe(route.spanContext().spanId);
    expect(refresh.parentSpanContext?.spanId).toBe(proxy.spanContext().spanId);
    expect(proxy.attributes).toEqual({
      'http.request.method': 'POST',
      'server.address': 'api.dev.firstdollar.com',
      'url.path': new URL(firstDollarGraphQLEndpoint({ apiBaseUrl: VENDOR, appId: APP.appId }))
        .pathname,
      'http.response.status_code': 200,
    });
    expect(refresh.attributes).toMatchObject({
      'grantkit.grant_type': 'refresh_token',
      'http.response.status_code': 200,
    });
    expect(route.attributes).toMatchObject({
      'http.route': '/api/graphql',
      'http.response.status_code': 200,
    });
    expect(await otel.points('grantkit.renewals')).toMatchObject([
      {
        attributes: { 'grantkit.adapter': 'first-dollar-app', 'grantkit.outcome': 'success' },
        value: 1,
      },
    ]);
    expect(await otel.points('grantkit.proxy.duration')).toMatchObject([
      {
        attributes: {
          'http.request.method': 'POST',
          'server.address': 'api.dev.firstdollar.com',
          'http.response.status_code': 200,
        },
        value: { count: 1 },
      },
    ]);
    expect(JSON.stringify(otel.spans().map((s) => s.attributes))).not.toContain('tenant=acme');
  });

  it('a failing renewal: the token span and the proxy answer are errors; renewals counted as failure by error code', async () => {
    const { otel, emu, upstream, graphql } = await setup();
    upstream.reject = 1;
    emu.fault({ path: '/v0/auth/token', status: 400, body: { error: 'invalid_grant' } });
    const response = await graphql();
    expect(response.status).toBe(401);
    const refresh = otel.span('grantkit.token');
    expect(refresh.status.code).toBe(SpanStatusCode.ERROR);
    expect(refresh.attributes).toMatchObject({
      'error.type': 'reauthorization_required',
      'http.response.status_code': 400,
    });
    const proxy = otel.span('grantkit.proxy');
    expect(proxy.status.code).toBe(SpanStatusCode.ERROR);
    expect(proxy.attributes['error.type']).toBe('reauthorization_required');
    const route = otel.span('POST /api/graphql');
    expect(route.attributes).toMatchObject({ 'http.response.status_code': 401 });
    expect(route.status.code).toBe(SpanStatusCode.UNSET); // a 4xx is the client's, not the server's failure
    expect(await otel.points('grantkit.renewals')).toMatchObject([
      {
        attributes: { 'grantkit.outcome': 'failure', 'error.type': 'reauthorization_required' },
        value: 1,
      },
    ]);
  });
});
