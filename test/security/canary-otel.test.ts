// Issue #16: nothing secret in telemetry. Every flow runs with canary secrets, canary-marked tokens and
// codes, and both telemetry sinks on: the typed event stream (logged as JSON) and OpenTelemetry through
// the SDK's in-memory exporters. Every exported span (name, attributes, events, status, resource),
// every metric (names, attributes, values) and every event is scanned for every canary in every encoding.
import {
  createTokenClient,
  eventTelemetry,
  firstDollarApp,
  firstDollarGraphQLEndpoint,
  firstDollarPartner,
  isGrantkitError,
  oauth2,
  type TokenClientOptions,
  type TokenEvent,
} from '@grantkit/core';
import { otelEvents } from '@grantkit/core/otel';
import { createAuthHandler, type EdgeEvent, type EdgeScope } from '@grantkit/edge';
import { otelEdgeEvents } from '@grantkit/edge/otel';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { otelHarness } from '../otel/harness';
import {
  AS,
  CANARY,
  FD,
  IDS,
  REDIRECT,
  browser,
  canaryEmulator,
  captureConsole,
  Collector,
} from './harness';

let seen: Collector;
let restoreConsole: () => void;
beforeEach(() => {
  seen = new Collector();
  restoreConsole = captureConsole(seen);
});
afterEach(() => restoreConsole());

type Canary = ReturnType<typeof canaryEmulator>;

async function attempt<T>(where: string, step: () => Promise<T>): Promise<T | undefined> {
  try {
    return await step();
  } catch (error) {
    expect(isGrantkitError(error), `${where}: ${String(error)}`).toBe(true);
    return undefined;
  }
}

/** Both sinks on one Telemetry: every event logged as JSON (what a plain logger writes) and OpenTelemetry. */
function sinks() {
  const otel = otelHarness();
  const spans = otelEvents({ tracer: otel.tracer, meter: otel.meter });
  const telemetry = eventTelemetry(
    Object.assign(
      (e: TokenEvent) => {
        console.log(JSON.stringify(e));
        seen.object(`event ${e.type}`, e, false);
        spans(e);
      },
      { within: spans.within },
    ),
  );
  return { otel, telemetry };
}

async function scanTelemetry(otel: ReturnType<typeof otelHarness>, c: Canary): Promise<void> {
  expect(otel.spans().length).toBeGreaterThan(3);
  seen.add('OpenTelemetry export', await otel.dump());
  for (const span of otel.spans())
    seen.object(
      `span ${span.name}`,
      { name: span.name, attributes: span.attributes, events: span.events, status: span.status },
      false,
    );
  seen.expectClean(c.issued);
}

describe('telemetry: no canary in any span, attribute, event or metric', () => {
  it('core: client_credentials, failures and retries; code exchange, refresh, fallback, revocation', async () => {
    const c = canaryEmulator();
    const { otel, telemetry } = sinks();
    const base: Partial<TokenClientOptions> = {
      fetch: c.fetch,
      now: () => c.emu.clock.now(),
      retry: { limit: 1, backoffLimit: 1 },
      timeout: 2000,
      telemetry,
    };

    const partner = createTokenClient({
      adapter: firstDollarPartner({
        clientId: IDS.fdPartner,
        clientSecret: CANARY.fdPartnerSecret,
        apiBaseUrl: FD,
      }),
      ...base,
    });
    await partner.getAccessToken();
    c.emu.fault({ path: '/v0/auth/token', status: 503, times: 1 });
    await partner.refresh();
    c.emu.fault({ path: '/v0/auth/token', status: 500, times: Infinity });
    await attempt('partner refresh on 500', () => partner.refresh());
    c.emu.clearFaults();
    const wrong = createTokenClient({
      adapter: firstDollarPartner({
        clientId: IDS.fdPartner,
        clientSecret: `${CANARY.fdPartnerSecret}-wrong`,
        apiBaseUrl: FD,
      }),
      ...base,
    });
    await attempt('wrong secret', () => wrong.getAccessToken());

    const app = firstDollarApp({
      ...IDS.fdApp,
      clientSecret: CANARY.fdAppSecret,
      apiBaseUrl: FD,
      consentBaseUrl: FD,
    });
    const user = createTokenClient({ adapter: app, ...base });
    await user.exchangeCode(c.issueCode('firstDollar', IDS.fdApp.appId));
    await user.refresh();
    await attempt('code reused', () =>
      createTokenClient({ adapter: app, ...base }).exchangeCode(`${CANARY.tokenPrefix}not-a-code`),
    );

    const generic = oauth2({
      clientId: IDS.oauth2,
      clientSecret: CANARY.oauth2Secret,
      authorizationEndpoint: `${AS}/oauth2/authorize`,
      tokenEndpoint: `${AS}/oauth2/token`,
      revocationEndpoint: `${AS}/oauth2/revoke`,
      redirectUri: REDIRECT,
      clientCredentials: true,
    });
    const g = createTokenClient({ adapter: generic, ...base });
    const consent = await c.fetch(generic.authorizationUrl({ state: 's' }), { redirect: 'manual' });
    await g.exchangeCode(new URL(consent.headers.get('location')!).searchParams.get('code')!);
    c.emu.fault({
      path: '/oauth2/token',
      status: 400,
      body: {
        error: 'invalid_grant',
        error_description: `refresh token ${CANARY.tokenPrefix}x refused`,
      },
      times: 1,
    });
    c.emu.clock.advance(3600_000);
    await g.getAccessToken(); // refresh refused, client_credentials fallback
    expect((await g.revoke()).status).toBe('revoked');

    await scanTelemetry(otel, c);
  });

  it('edge: login, callback, session, proxy with a renewal, a failing renewal, logout', async () => {
    const c = canaryEmulator();
    const otel = otelHarness();
    const spans = otelEdgeEvents({ tracer: otel.tracer, meter: otel.meter });
    const telemetry = eventTelemetry<EdgeScope>(
      Object.assign(
        (e: EdgeEvent) => {
          console.log(JSON.stringify(e));
          seen.object(`event ${e.type}`, e, false);
          spans(e);
        },
        { within: spans.within },
      ),
    );
    const handler = createAuthHandler({
      adapter: firstDollarApp({
        ...IDS.fdApp,
        clientSecret: CANARY.fdAppSecret,
        apiBaseUrl: FD,
        consentBaseUrl: FD,
      }),
      secret: [CANARY.cookieKey, CANARY.cookieKeyOld],
      fetch: c.fetch,
      retry: { limit: 0 },
      proxy: {
        '/api/graphql': `${firstDollarGraphQLEndpoint({ apiBaseUrl: FD, appId: IDS.fdApp.appId })}?key=${CANARY.fdAppSecret}`,
      },
      telemetry,
    });
    const b = browser(handler, seen);
    const login = await b.call('/auth/login?returnTo=/home');
    const url = new URL(login.location!);
    url.searchParams.set('auto', '1');
    const back = new URL((await c.fetch(url, { redirect: 'manual' })).headers.get('location')!);
    expect((await b.call(`${back.pathname}${back.search}`)).location).toBe('/home');
    expect((await b.call('/auth/session')).json()).toMatchObject({ authenticated: true });
    const ping = { query: 'query { ping }' };
    expect((await b.post('/api/graphql?token=' + CANARY.tokenPrefix, ping)).status).toBe(200);
    c.emu.revokeAccessTokens();
    expect((await b.post('/api/graphql', ping)).status).toBe(200); // 401, renewal, retry
    expect((await b.post('/auth/refresh')).status).toBe(200);
    c.emu.revokeAccessTokens();
    c.emu.revokeRefreshTokens();
    await b.post('/api/graphql', ping); // 401, the renewal fails
    await b.post('/auth/logout');
    expect(otel.spans().some((s) => s.name === 'grantkit.proxy')).toBe(true);
    expect(otel.spans().some((s) => s.name === 'grantkit.code_exchange')).toBe(true);
    await scanTelemetry(otel, c);
  });
});
