// @vitest-environment happy-dom
// Issue #7, canary secrets, browser side: the React session client and hooks against a real edge whose
// every secret, cookie key, token and code is a canary. Everything the browser could hold or show is
// scanned: each response it receives (headers included), each error, each session summary and
// cross-tab message, the query cache, the rendered DOM, the persisted state, and the console.
import '../../packages/react/test/server-fetch-classes';
import { firstDollarApp, firstDollarGraphQLEndpoint } from '@grantkit/core';
import { createAuthHandler } from '@grantkit/edge';
import {
  createSessionClient,
  GrantkitProvider,
  useFirstDollarAuth,
  useFirstDollarQuery,
} from '@grantkit/react';
import { QueryClient } from '@tanstack/react-query';
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { get } from 'idb-keyval';
import { afterEach, expect, it, vi } from 'vitest';
import { CANARY, FD, IDS, canaryEmulator, captureConsole, Collector } from './harness';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

it('the React session client and hooks never see a canary: responses, errors, sessions, cache, DOM, storage, console', async () => {
  const seen = new Collector();
  const restore = captureConsole(seen);
  try {
    const c = canaryEmulator();
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
      cookie: { secure: false }, // plain-http test origin, as in packages/react/test/edge-fixture.ts
      proxy: {
        '/api/graphql': firstDollarGraphQLEndpoint({ apiBaseUrl: FD, appId: IDS.fdApp.appId }),
      },
      onError: (error) => console.error('edge', error),
    });
    const jar = new Map<string, string>();
    const browserFetch = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
      const url = new URL(String(input), 'http://127.0.0.1:3000');
      const headers = new Headers(init.headers);
      if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
      const response =
        (await handler(
          new Request(url, { method: init.method ?? 'GET', headers, body: init.body ?? null }),
        )) ?? new Response('nf', { status: 404 });
      await seen.response(`${init.method ?? 'GET'} ${url.pathname}`, response);
      for (const line of response.headers.getSetCookie()) {
        const [pair = '', ...attrs] = line.split(';');
        const [name = '', value = ''] = [
          pair.slice(0, pair.indexOf('=')),
          pair.slice(pair.indexOf('=') + 1),
        ];
        if (value === '' || /max-age=0/i.test(attrs.join(';'))) jar.delete(name);
        else jar.set(name, value);
      }
      return response;
    }) as typeof fetch;
    const loginAndConsent = async () => {
      await browserFetch('/auth/login?returnTo=/');
      return c.issueCode('firstDollar', IDS.fdApp.appId);
    };

    const client = createSessionClient({ fetch: browserFetch });
    const events: unknown[] = [];
    const stop = client.subscribe((s) => events.push(s));
    const attempt = async (where: string, step: () => Promise<unknown>) => {
      try {
        seen.object(where, await step());
      } catch (error) {
        seen.error(where, error);
      }
    };

    await attempt('getSession anonymous', () => client.getSession());
    await attempt('graphql anonymous', () => client.graphql('query { ping }'));
    await attempt('exchange without intent', () =>
      client.exchange(c.issueCode('firstDollar', IDS.fdApp.appId)),
    );
    const code = await loginAndConsent();
    await attempt('exchange', () => client.exchange(code));
    await attempt('exchange replay', () => client.exchange(`${code}`));
    await attempt('getSession', () => client.getSession());
    await attempt('graphql', () => client.graphql('query { ping }'));
    await attempt('refresh', () => client.refresh());
    c.emu.setGraphqlResolver(() => {
      throw new Error('resolver exploded');
    });
    await attempt('graphql error', () => client.graphql('query { me { id } }'));
    c.emu.revokeAccessTokens();
    c.emu.fault({ path: '/v0/auth/token', status: 500 });
    await attempt('graphql while the token endpoint answers 500', () =>
      client.graphql('query { ping }'),
    );
    await loginAndConsent();
    await attempt('exchange of a bogus code', () => client.exchange(`${CANARY.tokenPrefix}bogus`));
    c.emu.revokeConsent(IDS.fdApp.appId);
    c.emu.revokeAccessTokens();
    await attempt('graphql after consent revoked', () => client.graphql('query { ping }'));
    await attempt('getSession after consent revoked', () => client.getSession());
    c.emu.grantConsent(IDS.fdApp.appId);
    await attempt('exchange again', async () => client.exchange(await loginAndConsent()));
    jar.set('grantkit', `${jar.get('grantkit')!.slice(0, -8)}AAAAAAAA`);
    await attempt('graphql with a tampered cookie', () => client.graphql('query { ping }'));
    await attempt('exchange once more', async () => client.exchange(await loginAndConsent()));

    // The hooks render the session and a query; the DOM and the query cache hold no canary.
    c.emu.setGraphqlResolver(undefined);
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    function App() {
      const auth = useFirstDollarAuth();
      const ping = useFirstDollarQuery<{ ping: string }>('query { ping }');
      return (
        <pre data-testid="out">{JSON.stringify({ auth, ping: ping.data, error: ping.error })}</pre>
      );
    }
    render(
      <GrantkitProvider client={client} queryClient={queryClient}>
        <App />
      </GrantkitProvider>,
    );
    await waitFor(() => expect(screen.getByTestId('out').textContent).toContain('pong'));
    seen.add('DOM', document.documentElement.outerHTML);
    seen.object(
      'query cache',
      queryClient
        .getQueryCache()
        .getAll()
        .map((q) => ({ key: q.queryKey, state: q.state })),
    );
    await attempt('logout', () => client.logout());
    stop();
    seen.object('session events (also what other tabs receive)', events);
    seen.object('lastSession', await client.lastSession());
    if (typeof indexedDB !== 'undefined')
      seen.object('IndexedDB', [await get('grantkit:session'), await get('grantkit:returnTo')]);
    seen.add('document.cookie', document.cookie);

    expect(events.length).toBeGreaterThan(5);
    expect(seen.items.filter((i) => i.where.endsWith('message')).length).toBeGreaterThan(5); // errors were collected
    seen.expectClean(c.issued);
  } finally {
    restore();
  }
});
