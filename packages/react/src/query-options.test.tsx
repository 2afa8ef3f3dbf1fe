import { QueryClient } from '@tanstack/react-query';
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { createEdge } from '../test/edge-fixture';
import { GrantkitProvider } from './provider';
import { grantkitKeys } from './query-keys';
import { grantkitQueries } from './query-options';
import { edgeRoutes } from './routes';
import { createSessionClient } from './session-client';
import type { GrantkitSession, SessionClient } from './types';
import { useFirstDollarAuth } from './use-first-dollar-auth';
import { useFirstDollarQuery } from './use-first-dollar-query';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

const newQueryClient = () => new QueryClient({ defaultOptions: { queries: { retry: false } } });
const wrap =
  (client: SessionClient, queryClient: QueryClient) =>
  ({ children }: { children: ReactNode }) => (
    <GrantkitProvider client={client} queryClient={queryClient}>
      {children}
    </GrantkitProvider>
  );

describe('grantkitKeys', () => {
  it('scopes every key by the base path, /auth by default, trailing slashes trimmed', () => {
    expect(grantkitKeys.all).toEqual(['grantkit']);
    expect(grantkitKeys.scope()).toEqual(['grantkit', '/auth']);
    expect(grantkitKeys.session()).toEqual(['grantkit', '/auth', 'session']);
    expect(grantkitKeys.session('/partner/auth//')).toEqual([
      'grantkit',
      '/partner/auth',
      'session',
    ]);
    expect(grantkitKeys.graphql()).toEqual(['grantkit', '/auth', 'graphql']);
    expect(grantkitKeys.graphql('query { ping }')).toEqual([
      'grantkit',
      '/auth',
      'graphql',
      'query { ping }',
      {},
    ]);
    expect(grantkitKeys.graphql('query ($id: ID!) { a(id: $id) }', { id: '1' }, '/p/')).toEqual([
      'grantkit',
      '/p',
      'graphql',
      'query ($id: ID!) { a(id: $id) }',
      { id: '1' },
    ]);
  });

  it('types what a key holds', () => {
    const queryClient = newQueryClient();
    expectTypeOf(queryClient.getQueryData(grantkitKeys.session())).toEqualTypeOf<
      GrantkitSession | undefined
    >();
    expectTypeOf(
      queryClient.getQueryData(grantkitKeys.graphql<{ ping: string }>('query { ping }')),
    ).toEqualTypeOf<{ ping: string } | undefined>();
  });
});

describe('edgeRoutes', () => {
  it('names the edge routes under a base path', () => {
    expect(edgeRoutes()).toEqual({
      login: '/auth/login',
      callback: '/auth/callback',
      exchange: '/auth/exchange',
      session: '/auth/session',
      refresh: '/auth/refresh',
      logout: '/auth/logout',
    });
    expect(edgeRoutes('/partner/').session).toBe('/partner/session');
  });
});

describe('grantkitQueries', () => {
  it('session: keyed under the client base path, typed, with the hook staleTime', () => {
    const client = createSessionClient({ basePath: '/partner/auth/' });
    expect(client.basePath).toBe('/partner/auth');
    const options = grantkitQueries.session(client);
    expect(options).toMatchObject({
      queryKey: ['grantkit', '/partner/auth', 'session'],
      queryFn: client.getSession,
      staleTime: 30_000,
    });
    expectTypeOf(newQueryClient().getQueryData(options.queryKey)).toEqualTypeOf<
      GrantkitSession | undefined
    >();
  });

  it('session: a prefetch before the first render is what useFirstDollarAuth reads (no second request)', async () => {
    const edge = createEdge();
    await edge.loggedIn();
    const client = createSessionClient({ fetch: edge.fetch });
    const queryClient = newQueryClient();
    await queryClient.prefetchQuery(grantkitQueries.session(client));
    const before = edge.requests.length;
    const { result } = renderHook(() => useFirstDollarAuth(), {
      wrapper: wrap(client, queryClient),
    });
    expect(result.current.status).toBe('authenticated'); // on the first render
    expect(edge.requests.slice(before)).toEqual([]);
  });

  it('graphql: a prefetch is what useFirstDollarQuery reads; typed data', async () => {
    const edge = createEdge();
    await edge.loggedIn();
    const client = createSessionClient({ fetch: edge.fetch });
    const queryClient = newQueryClient();
    const options = grantkitQueries.graphql<{ ping: string }>(client, 'query { ping }');
    expect(options.queryKey).toEqual(grantkitKeys.graphql('query { ping }'));
    const data = await queryClient.fetchQuery({ ...options, staleTime: Infinity });
    expectTypeOf(data).toEqualTypeOf<{ ping: string }>();
    expect(data).toEqual({ ping: 'pong' });
    const { result } = renderHook(
      () =>
        useFirstDollarQuery<{ ping: string }>('query { ping }', undefined, { staleTime: Infinity }),
      { wrapper: wrap(client, queryClient) },
    );
    expect(result.current.data).toEqual({ ping: 'pong' });
    expect(edge.requests.filter((r) => r === 'POST /api/graphql')).toHaveLength(1);
  });

  it('graphql: a 4xx is not retried, a 5xx twice more', async () => {
    const { retry } = grantkitQueries.graphql(createSessionClient(), 'query { ping }');
    expect(typeof retry).toBe('function');
    const decide = retry as (count: number, error: Error) => boolean;
    expect(decide(0, Object.assign(new Error('x'), { status: 401 }))).toBe(false);
    expect(decide(0, Object.assign(new Error('x'), { status: 502 }))).toBe(true);
    expect(decide(1, new TypeError('network'))).toBe(true);
    expect(decide(2, new TypeError('network'))).toBe(false);
  });
});

describe('two edges in one QueryClient', () => {
  /** A fake edge under `base`: a session until logout, a GraphQL answer naming the edge. */
  const fakeEdge = (base: string) => {
    let authenticated = true;
    const fetch = vi.fn(async (input: RequestInfo | URL) => {
      const path = String(input);
      if (path === `${base}/logout`) authenticated = false;
      if (path.startsWith(base)) return Response.json({ authenticated });
      return authenticated
        ? Response.json({ data: { edge: base } })
        : Response.json({ error: 'unauthenticated' }, { status: 401 });
    });
    return createSessionClient({
      basePath: base,
      graphqlPath: `/api${base}`,
      fetch: fetch as typeof globalThis.fetch,
    });
  };

  it('keep their cache entries apart: a logout under one leaves the other', async () => {
    // Without the cross-tab channel (scoped by base path too: session-client.test.ts), this checks
    // the query cache alone.
    vi.stubGlobal('BroadcastChannel', undefined);
    const queryClient = newQueryClient();
    const main = fakeEdge('/auth');
    const partner = fakeEdge('/partner/auth');
    const use = () => ({
      auth: useFirstDollarAuth(),
      data: useFirstDollarQuery<{ edge: string }>('query { edge }').data,
    });
    const a = renderHook(use, { wrapper: wrap(main, queryClient) });
    const b = renderHook(use, { wrapper: wrap(partner, queryClient) });
    await waitFor(() => expect(a.result.current.data).toEqual({ edge: '/auth' }));
    await waitFor(() => expect(b.result.current.data).toEqual({ edge: '/partner/auth' }));

    await act(() => partner.logout());
    await waitFor(() => expect(b.result.current.auth.status).toBe('unauthenticated'));
    expect(queryClient.getQueryData(grantkitKeys.session('/partner/auth'))).toEqual({
      authenticated: false,
    });
    expect(
      queryClient.getQueryData(grantkitKeys.graphql('query { edge }', undefined, '/partner/auth')),
    ).toBeUndefined();
    expect(a.result.current.auth.status).toBe('authenticated');
    expect(queryClient.getQueryData(grantkitKeys.graphql('query { edge }'))).toEqual({
      edge: '/auth',
    });
  });
});
