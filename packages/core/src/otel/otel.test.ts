// @grantkit/core/otel with the OpenTelemetry SDK's in-memory exporters: the spans and metrics a user
// sees for each token flow (names, parent/child, attributes, status on failure).
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { otelHarness } from '../../../../test/otel/harness';
import { createPkce } from '../adapters/pkce';
import { firstDollarPartner } from '../adapters/first-dollar';
import { oauth2, type OAuth2Options } from '../adapters/oauth2';
import { eventTelemetry, type TokenEvent } from '../telemetry';
import { createVendorEmulator, TEST_CREDENTIALS } from '../testing/index';
import { createTokenClient } from '../token-client';
import { otelEvents } from './index';

const BASE = 'https://emulator.test';
const T = TEST_CREDENTIALS.oauth2;
const endpoints = {
  authorizationEndpoint: `${BASE}/oauth2/authorize`,
  tokenEndpoint: `${BASE}/oauth2/token?tenant=x`,
  revocationEndpoint: `${BASE}/oauth2/revoke`,
  redirectUri: T.redirectUri,
};

function setup() {
  const otel = otelHarness();
  const events: TokenEvent[] = [];
  const sink = otelEvents({ tracer: otel.tracer, meter: otel.meter });
  const telemetry = eventTelemetry(
    Object.assign((e: TokenEvent) => (events.push(e), sink(e)), { within: sink.within }),
  );
  return { otel, events, telemetry };
}

async function loggedIn(extra: Partial<OAuth2Options> = {}) {
  const { otel, events, telemetry } = setup();
  const emu = createVendorEmulator();
  const adapter = oauth2({
    clientId: T.clientId,
    clientSecret: T.clientSecret,
    ...endpoints,
    ...extra,
  });
  const client = createTokenClient({
    adapter,
    fetch: emu.fetch,
    now: () => emu.clock.now(),
    retry: { limit: 1, backoffLimit: 1 },
    telemetry,
  });
  const { verifier, challenge } = await createPkce();
  const res = await emu.fetch(adapter.authorizationUrl({ state: 's', codeChallenge: challenge }), {
    redirect: 'manual',
  });
  const code = new URL(res.headers.get('location') ?? '').searchParams.get('code') ?? '';
  await client.exchangeCode(code, { codeVerifier: verifier });
  return { otel, events, emu, client };
}

const sum = (points: { value: unknown }[]) =>
  points.reduce(
    (n, p) => n + (typeof p.value === 'number' ? p.value : (p.value as { sum: number }).sum),
    0,
  );

describe('otelTelemetry()', () => {
  it('client_credentials: one CLIENT span grantkit.token, child of the active span, HTTP attributes without the query; renewal metrics', async () => {
    const { otel, events, telemetry } = setup();
    const emu = createVendorEmulator();
    const client = createTokenClient({
      adapter: firstDollarPartner({ ...TEST_CREDENTIALS.firstDollarPartner }),
      fetch: emu.fetch,
      telemetry,
    });
    const parent = otel.tracer.startSpan('request');
    await context.with(trace.setSpan(context.active(), parent), () => client.getAccessToken());
    parent.end();
    const span = otel.span('grantkit.token');
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(span.attributes).toMatchObject({
      'grantkit.adapter': 'first-dollar-partner',
      'grantkit.grant_type': 'client_credentials',
      'http.request.method': 'POST',
      'server.address': 'api.dev.firstdollar.com',
      'http.response.status_code': 200,
    });
    expect(String(span.attributes['url.path'])).toMatch(/^\/[^?]*$/);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(await otel.points('grantkit.renewals')).toMatchObject([
      {
        attributes: { 'grantkit.adapter': 'first-dollar-partner', 'grantkit.outcome': 'success' },
        value: 1,
      },
    ]);
    expect(sum(await otel.points('grantkit.renewal.callers'))).toBe(1);
    const [duration] = await otel.points('grantkit.token.duration');
    expect(duration).toMatchObject({
      attributes: { 'grantkit.operation': 'client_credentials', 'http.response.status_code': 200 },
      value: { count: 1 },
    });

    // The cached-token hot path emits nothing.
    const before = events.length;
    for (let i = 0; i < 100; i++) await client.getAccessToken();
    expect(events.length).toBe(before);
    expect(otel.spans()).toHaveLength(2);
  });

  it('code exchange then refresh: grantkit.code_exchange, one grantkit.token (refresh_token) shared by 5 callers, url.path without its query', async () => {
    const { otel, emu, client } = await loggedIn();
    const exchange = otel.span('grantkit.code_exchange');
    expect(exchange.attributes).toMatchObject({
      'grantkit.adapter': 'oauth2',
      'grantkit.grant_type': 'authorization_code',
      'server.address': 'emulator.test',
      'url.path': '/oauth2/token',
      'http.response.status_code': 200,
    });
    emu.clock.advance(3600_000);
    await Promise.all(Array.from({ length: 5 }, () => client.getAccessToken()));
    const refresh = otel.span('grantkit.token');
    expect(refresh.attributes).toMatchObject({
      'grantkit.grant_type': 'refresh_token',
      'http.response.status_code': 200,
    });
    const callers = await otel.points('grantkit.renewal.callers');
    expect(callers).toMatchObject([
      { attributes: { 'grantkit.adapter': 'oauth2' }, value: { count: 1, sum: 5 } },
    ]);
    expect(await otel.points('grantkit.renewals')).toMatchObject([
      { attributes: { 'grantkit.outcome': 'success' }, value: 1 },
    ]);
  });

  it('a failing renewal: the span has status ERROR and error.type; renewals counted as failure by error code', async () => {
    const { otel, emu, client } = await loggedIn();
    emu.fault({ path: '/oauth2/token', status: 400, body: { error: 'invalid_grant' } });
    emu.clock.advance(3600_000);
    await expect(client.getAccessToken()).rejects.toMatchObject({
      code: 'reauthorization_required',
    });
    const span = otel.span('grantkit.token');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes).toMatchObject({
      'error.type': 'reauthorization_required',
      'http.response.status_code': 400,
    });
    expect(await otel.points('grantkit.renewals')).toMatchObject([
      {
        attributes: {
          'grantkit.adapter': 'oauth2',
          'grantkit.outcome': 'failure',
          'error.type': 'reauthorization_required',
        },
        value: 1,
      },
    ]);
    expect(await otel.points('grantkit.token.duration')).toContainEqual(
      expect.objectContaining({
        attributes: expect.objectContaining({
          'error.type': 'reauthorization_required',
          'grantkit.operation': 'refresh_token',
        }),
      }),
    );
  });

  it('a retried call reports http.request.resend_count', async () => {
    const { otel, emu, client } = await loggedIn();
    emu.fault({ path: '/oauth2/token', status: 503, times: 1 });
    emu.clock.advance(3600_000);
    await client.getAccessToken();
    expect(otel.span('grantkit.token').attributes).toMatchObject({
      'http.request.resend_count': 1,
      'http.response.status_code': 200,
    });
  });

  it('a fallback grant: a span event and grantkit.fallbacks', async () => {
    const { otel, events, emu, client } = await loggedIn({ clientCredentials: true });
    emu.fault({ path: '/oauth2/token', status: 400, body: { error: 'invalid_grant' }, times: 1 });
    emu.clock.advance(3600_000);
    await client.getAccessToken();
    expect(events.find((e) => e.type === 'fallback')).toEqual({
      type: 'fallback',
      adapter: 'oauth2',
      grant: 'client_credentials',
      error: 'reauthorization_required',
    });
    expect(
      otel
        .spans()
        .filter((s) => s.name === 'grantkit.token')
        .map((s) => [s.attributes['grantkit.grant_type'], s.status.code]),
    ).toEqual([
      ['refresh_token', SpanStatusCode.ERROR],
      ['client_credentials', SpanStatusCode.UNSET],
    ]);
    expect(await otel.points('grantkit.fallbacks')).toMatchObject([
      {
        attributes: {
          'grantkit.grant_type': 'client_credentials',
          'error.type': 'reauthorization_required',
        },
        value: 1,
      },
    ]);
  });

  it('revocation: one grantkit.revocation span per token, and grantkit.revocations by status', async () => {
    const { otel, client } = await loggedIn();
    expect((await client.revoke()).status).toBe('revoked');
    const spans = otel.spans().filter((s) => s.name === 'grantkit.revocation');
    expect(spans.map((s) => s.attributes['grantkit.token_type_hint'])).toEqual([
      'refresh_token',
      'access_token',
    ]);
    expect(spans[0]!.attributes).toMatchObject({
      'url.path': '/oauth2/revoke',
      'http.response.status_code': 200,
    });
    expect(await otel.points('grantkit.revocations')).toMatchObject([
      { attributes: { 'grantkit.revocation.status': 'revoked' }, value: 1 },
    ]);
  });
});
