// Fault matrix, part 2: the authorization code exchange (First Dollar OAuth App) and the GraphQL
// call (First Dollar Partner and OAuth App) through createGraphQLClient on the token client.
import { describe, expect, it } from 'vitest';
import { createGraphQLClient, type GraphQLClient } from '@grantkit/core';
import type { Fault } from '@grantkit/core/testing';
import {
  BASE,
  CANARY,
  HTML_PAGE,
  RETRIES,
  app,
  appHarness,
  expectTypedError,
  failure,
  faults,
  partnerHarness,
  type CoreHarness,
  type ExpectedError,
} from './harness';

const TOKEN = '/v0/auth/token';
const ALWAYS = Infinity;
const ATTEMPTS = 1 + RETRIES;
const CONSENT_URL = `${BASE}/oauth/app/${app.appId}/`;

interface ExchangeRow {
  name: string;
  faults?: Fault | Fault[];
  arrange?: (h: CoreHarness, code: string) => void;
  heal?: (h: CoreHarness) => void;
  expect: ExpectedError | 'ok';
  requests: number;
  /** The vendor used the code up although the caller got an error: recovery needs a new code. */
  codeConsumed?: boolean;
}

const exchangeRows: ExchangeRow[] = [
  {
    name: '500 server_error, every attempt',
    faults: { path: TOKEN, status: 500, times: ALWAYS },
    expect: { code: 'oauth_error', name: 'OAuthError', status: 500, error: 'server_error' },
    requests: ATTEMPTS,
  },
  {
    name: '502 HTML error page, every attempt',
    faults: { path: TOKEN, status: 502, text: HTML_PAGE, times: ALWAYS },
    expect: { code: 'http_error', name: 'OAuthError', status: 502, error: 'http_502' },
    requests: ATTEMPTS,
  },
  {
    name: '503 once, then the retry succeeds',
    faults: { path: TOKEN, status: 503 },
    expect: 'ok',
    requests: 2,
  },
  {
    name: 'timeout, every attempt',
    faults: { path: TOKEN, latencyMs: 2000, times: ALWAYS },
    expect: { code: 'timeout', name: 'GrantkitError' },
    requests: ATTEMPTS,
  },
  {
    name: 'connection reset before the answer, every attempt',
    faults: { path: TOKEN, drop: true, times: ALWAYS },
    expect: { code: 'network_error', name: 'GrantkitError' },
    requests: ATTEMPTS,
  },
  {
    name: 'connection reset after the vendor used the code',
    faults: { path: TOKEN, reset: true },
    expect: { code: 'network_error', name: 'GrantkitError' },
    requests: 1,
    codeConsumed: true,
  },
  {
    name: 'latency spike below the timeout',
    faults: { path: TOKEN, latencyMs: 15 },
    expect: 'ok',
    requests: 1,
  },
  {
    name: '200 with truncated JSON',
    faults: { path: TOKEN, malformedJson: true },
    expect: { code: 'invalid_response', name: 'GrantkitError', status: 200 },
    requests: 1,
  },
  {
    name: '200 without access_token',
    faults: { path: TOKEN, body: { refresh_token: CANARY, expires_in: 3600 } },
    expect: { code: 'invalid_response', name: 'GrantkitError' },
    requests: 1,
  },
  {
    name: '400 invalid_grant (code expired or used)',
    faults: { path: TOKEN, status: 400, body: { error: 'invalid_grant' } },
    expect: { code: 'oauth_error', name: 'OAuthError', status: 400, error: 'invalid_grant' },
    requests: 1,
  },
  {
    name: '400 invalid_grant whose description echoes the code',
    arrange: (h, code) =>
      h.emu.fault({
        path: TOKEN,
        status: 400,
        body: { error: 'invalid_grant', error_description: `code ${code} has expired` },
      }),
    expect: { code: 'oauth_error', name: 'OAuthError', status: 400, error: 'invalid_grant' },
    requests: 1,
  },
  {
    name: '401 invalid_client (the docs: 401 = consent again)',
    faults: { path: TOKEN, status: 401, body: { error: 'invalid_client' } },
    expect: {
      code: 'consent_required',
      name: 'ConsentRequiredError',
      status: 401,
      error: 'invalid_client',
    },
    requests: 1,
  },
  {
    name: '401 consent revoked before the exchange',
    arrange: (h) => h.emu.revokeConsent(app.appId),
    heal: (h) => h.emu.grantConsent(app.appId),
    expect: {
      code: 'consent_required',
      name: 'ConsentRequiredError',
      status: 401,
      error: 'invalid_grant',
    },
    requests: 1,
    codeConsumed: true,
  },
  {
    name: '429 with Retry-After, every attempt',
    faults: { path: TOKEN, status: 429, retryAfter: 1, times: ALWAYS },
    expect: { code: 'oauth_error', name: 'OAuthError', status: 429 },
    requests: ATTEMPTS,
  },
];

describe('fault matrix: authorization code exchange (First Dollar OAuth App)', () => {
  for (const row of exchangeRows) {
    it(row.name, async () => {
      const h = appHarness();
      const code = h.code();
      if (row.faults) faults(h.emu, row.faults);
      row.arrange?.(h, code);

      if (row.expect === 'ok') {
        const tokens = await h.client.exchangeCode(code);
        expect(h.storage.peek()).toEqual(tokens);
        expect(h.emu.count({ path: TOKEN })).toBe(row.requests);
        expect(h.emu.count({ path: TOKEN, status: 200 })).toBe(1);
        return;
      }
      const error = await failure(h.client.exchangeCode(code));
      expectTypedError(error, row.expect, h.secrets());
      if (row.expect.code === 'consent_required')
        expect(error).toMatchObject({ consentUrl: CONSENT_URL });
      expect(h.emu.count({ path: TOKEN })).toBe(row.requests);
      expect(h.storage.peek()).toBeUndefined();
      expect(h.storage.writes).toBe(0);

      h.emu.clearFaults();
      row.heal?.(h);
      h.emu.clearRequests();
      if (row.codeConsumed) {
        // The same code again is refused (single use), with no retry loop; a fresh login works.
        const again = await failure(h.client.exchangeCode(code));
        expectTypedError(
          again,
          { code: 'oauth_error', name: 'OAuthError', status: 400, error: 'invalid_grant' },
          h.secrets(),
        );
        expect(h.emu.count({ path: TOKEN })).toBe(1);
        expect(h.storage.peek()).toBeUndefined();
      }
      const tokens = await h.client.exchangeCode(row.codeConsumed ? h.code() : code);
      expect(h.storage.peek()).toEqual(tokens);
      expect(h.emu.count({ path: TOKEN, status: 200 })).toBe(1);
    });
  }
});

/* ------------------------------------------------------------------ GraphQL */

const GRAPHQL = '/graphql';

interface GraphQLRow {
  name: string;
  faults?: Fault | Fault[];
  arrange?: (h: CoreHarness & { resolverCalls: { n: number } }) => void;
  /** Abort the call after this many ms (the caller's own deadline). */
  deadlineMs?: number;
  expect: ExpectedError | 'ok';
  /** GraphQL requests, token requests during the faulted call. */
  requests: { graphql: number; token: number };
}

const graphqlRows: GraphQLRow[] = [
  {
    name: '500 with an OAuth-style body',
    faults: { path: GRAPHQL, status: 500 },
    expect: { code: 'http_error', name: 'GrantkitError', status: 500 },
    requests: { graphql: 1, token: 0 },
  },
  {
    name: '502 HTML error page',
    faults: { path: GRAPHQL, status: 502, text: HTML_PAGE },
    expect: { code: 'http_error', name: 'GrantkitError', status: 502 },
    requests: { graphql: 1, token: 0 },
  },
  {
    name: '503 with GraphQL errors[]',
    faults: { path: GRAPHQL, status: 503, body: { errors: [{ message: 'Service Unavailable' }] } },
    expect: { code: 'graphql_error', name: 'GraphQLRequestError', status: 503 },
    requests: { graphql: 1, token: 0 },
  },
  {
    name: 'timeout: the caller deadline aborts a slow answer',
    faults: { path: GRAPHQL, latencyMs: 1000 },
    deadlineMs: 30,
    expect: { code: 'aborted', name: 'GrantkitError' },
    requests: { graphql: 1, token: 0 },
  },
  {
    name: 'connection reset before the answer',
    faults: { path: GRAPHQL, drop: true },
    expect: { code: 'network_error', name: 'GrantkitError' },
    requests: { graphql: 1, token: 0 },
  },
  {
    name: 'connection reset while reading the answer',
    faults: { path: GRAPHQL, reset: true },
    expect: { code: 'network_error', name: 'GrantkitError' },
    requests: { graphql: 1, token: 0 },
  },
  {
    name: 'latency spike (answered within the deadline)',
    faults: { path: GRAPHQL, latencyMs: 20 },
    deadlineMs: 1000,
    expect: 'ok',
    requests: { graphql: 1, token: 0 },
  },
  {
    name: '200 with truncated JSON',
    faults: { path: GRAPHQL, malformedJson: true },
    expect: { code: 'invalid_response', name: 'GrantkitError', status: 200 },
    requests: { graphql: 1, token: 0 },
  },
  {
    name: '200 HTML page',
    faults: { path: GRAPHQL, status: 200, text: HTML_PAGE },
    expect: { code: 'invalid_response', name: 'GrantkitError', status: 200 },
    requests: { graphql: 1, token: 0 },
  },
  {
    name: '200 without data or errors',
    faults: { path: GRAPHQL, body: { extensions: {} } },
    expect: { code: 'invalid_response', name: 'GrantkitError', status: 200 },
    requests: { graphql: 1, token: 0 },
  },
  {
    name: '401 once (token revoked at the vendor): one refresh, one retry',
    arrange: (h) => h.emu.revokeAccessTokens(),
    expect: 'ok',
    requests: { graphql: 2, token: 1 },
  },
  {
    name: '401 every time: one refresh, one retry, then unauthorized',
    faults: {
      path: GRAPHQL,
      status: 401,
      body: { errors: [{ message: 'Unauthorized' }] },
      times: ALWAYS,
    },
    expect: { code: 'unauthorized', name: 'GrantkitError', status: 401 },
    requests: { graphql: 2, token: 1 },
  },
  {
    name: '429 with Retry-After (not retried by the GraphQL client)',
    faults: { path: GRAPHQL, status: 429, retryAfter: 1 },
    expect: { code: 'http_error', name: 'RateLimitError', status: 429 },
    requests: { graphql: 1, token: 0 },
  },
  {
    name: 'retryable InternalServerError twice, then data',
    arrange: (h) =>
      h.emu.setGraphqlResolver(() =>
        ++h.resolverCalls.n <= 2
          ? {
              me: {
                __typename: 'InternalServerError',
                code: 'INTERNAL',
                message: 'try again',
                retryable: true,
              },
            }
          : { me: { id: 'user_1' } },
      ),
    expect: 'ok',
    requests: { graphql: 3, token: 0 },
  },
  {
    name: 'retryable InternalServerError every time: bounded by retries',
    arrange: (h) =>
      h.emu.setGraphqlResolver(() => ({
        me: {
          __typename: 'InternalServerError',
          code: 'INTERNAL',
          message: 'try again',
          retryable: true,
        },
      })),
    expect: { code: 'graphql_domain_error', name: 'GraphQLDomainError' },
    requests: { graphql: 3, token: 0 },
  },
  {
    name: 'an errors[] message echoing the access token',
    arrange: (h) =>
      h.emu.setGraphqlResolver(() => {
        throw new Error(`token ${h.storage.peek()!.accessToken} lacks scope me:read`);
      }),
    expect: { code: 'graphql_error', name: 'GraphQLRequestError', status: 200 },
    requests: { graphql: 1, token: 0 },
  },
  {
    name: 'a BadRequestError whose message echoes the access token',
    arrange: (h) =>
      h.emu.setGraphqlResolver(() => ({
        me: {
          __typename: 'BadRequestError',
          code: 'BAD_TOKEN',
          message: `bad token ${h.storage.peek()!.accessToken}`,
          retryable: false,
        },
      })),
    expect: { code: 'graphql_domain_error', name: 'GraphQLDomainError' },
    requests: { graphql: 1, token: 0 },
  },
];

const query = (row: GraphQLRow) =>
  row.arrange && !row.name.startsWith('401') ? 'query { me { id } }' : 'query { ping }';

describe('fault matrix: GraphQL call (First Dollar Partner)', () => {
  for (const row of graphqlRows) {
    it(row.name, async () => {
      const h = Object.assign(partnerHarness(), { resolverCalls: { n: 0 } });
      const graphql: GraphQLClient = createGraphQLClient({
        tokenClient: h.client,
        endpoint: `${BASE}${GRAPHQL}`,
        retries: 2,
        retryDelay: 1,
      });
      await h.client.getAccessToken();
      const before = h.storage.peek()!;
      h.emu.clearRequests();
      if (row.faults) faults(h.emu, row.faults);
      row.arrange?.(h);
      const call = () =>
        graphql.request(
          query(row),
          {},
          row.deadlineMs === undefined ? {} : { signal: AbortSignal.timeout(row.deadlineMs) },
        );

      if (row.expect === 'ok') {
        expect(await call()).toEqual(
          query(row).includes('ping') ? { ping: 'pong' } : { me: { id: 'user_1' } },
        );
      } else {
        expectTypedError(await failure(call()), row.expect, h.secrets());
      }
      expect(h.emu.count({ path: GRAPHQL })).toBe(row.requests.graphql);
      expect(h.emu.count({ path: TOKEN })).toBe(row.requests.token);
      // Without a renewal the stored set is untouched; with one, it holds the vendor's new valid token.
      if (row.requests.token === 0) expect(h.storage.peek()).toEqual(before);
      else expect(h.storage.peek()!.accessToken).not.toBe(before.accessToken);

      h.emu.clearFaults();
      h.emu.setGraphqlResolver(undefined);
      h.emu.clearRequests();
      expect(await graphql.request('query { ping }')).toEqual({ ping: 'pong' });
      expect(h.emu.count({ path: GRAPHQL })).toBe(1);
      expect(h.emu.count({ path: TOKEN })).toBe(0);
    });
  }

  it('consent revoked (OAuth App endpoint): consent_required, the stored set kept, recovery after consent', async () => {
    const h = appHarness();
    const graphql = createGraphQLClient({
      tokenClient: h.client,
      endpoint: `${BASE}/app/${app.appId}/graphql`,
    });
    await h.client.exchangeCode(h.code());
    const before = h.storage.peek()!;
    h.emu.revokeConsent(app.appId);
    h.emu.clearRequests();
    const error = await failure(graphql.request('query { ping }'));
    expectTypedError(
      error,
      {
        code: 'consent_required',
        name: 'ConsentRequiredError',
        status: 401,
        error: 'invalid_grant',
      },
      h.secrets(),
    );
    expect(error).toMatchObject({ consentUrl: CONSENT_URL });
    expect(h.emu.count({ path: `/app/${app.appId}/graphql` })).toBe(1);
    expect(h.emu.count({ path: TOKEN })).toBe(1);
    expect(h.storage.peek()).toEqual(before);
    h.emu.grantConsent(app.appId);
    h.emu.clearRequests();
    // Consent is back: the stored access token is valid again, no token request needed.
    expect(await graphql.request('query { ping }')).toEqual({ ping: 'pong' });
    expect(h.emu.count({ path: TOKEN })).toBe(0);
  });
});
