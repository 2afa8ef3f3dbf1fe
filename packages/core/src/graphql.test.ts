import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createVendorEmulator, TEST_CREDENTIALS } from './testing/index';
import { firstDollarApp } from './adapters/first-dollar';
import { createTokenClient, type TokenClient } from './token-client';
import {
  ConfigurationError,
  errorFromJSON,
  GraphQLDomainError,
  GraphQLRequestError,
  isGrantkitError,
  RateLimitError,
} from './errors';
import { createGraphQLClient, firstDollarGraphQLEndpoint, graphqlPages } from './graphql';

const BASE = 'https://emulator.test';
const T0 = Date.UTC(2030, 0, 1);
const ORG = `query Org($id: ID!) {
  organization(where: { id: $id }) {
    ... on Organization { id name }
    ... on Error { __typename code message retryable }
  }
}`;
const ORGS = `query Orgs($where: OrganizationsFilterInput, $after: String, $first: Int) {
  organizations(where: $where, after: $after, first: $first) {
    ... on OrganizationsResults { nodes { id } pageInfo { hasNextPage endCursor } }
    ... on Error { __typename code message retryable }
  }
}`;
type Org = { id: string };

/** Every form in which an error can be printed or logged. */
const printed = (error: unknown) => [
  (error as Error).message,
  String(error),
  JSON.stringify(error),
  inspect(error, { depth: 5 }),
];
const { firstDollarApp: app } = TEST_CREDENTIALS;

async function setup() {
  const emu = createVendorEmulator({ now: T0 });
  const tokenClient = createTokenClient({
    adapter: firstDollarApp({ ...app, apiBaseUrl: BASE }),
    fetch: emu.fetch,
    now: () => emu.clock.now(),
  });
  await tokenClient.exchangeCode(emu.issueCode('firstDollar', app.appId));
  const graphql = createGraphQLClient({
    tokenClient,
    endpoint: firstDollarGraphQLEndpoint({ apiBaseUrl: BASE, appId: app.appId }),
    retryDelay: 5,
  });
  return { emu, graphql, tokenClient };
}

/** A GraphQL client without retries whose token client holds `accessToken` for an hour. */
async function holding(tokenClient: TokenClient, accessToken: string) {
  await tokenClient.setTokenSet({ accessToken, tokenType: 'Bearer', expiresAt: T0 + 3_600_000 });
  return createGraphQLClient({
    tokenClient,
    endpoint: firstDollarGraphQLEndpoint({ apiBaseUrl: BASE, appId: app.appId }),
    retries: 0,
  });
}

describe('First Dollar GraphQL client', () => {
  it('answers data for query { ping } on the OAuth App endpoint', async () => {
    const { graphql } = await setup();
    await expect(graphql.request<{ ping: string }>('query { ping }')).resolves.toEqual({
      ping: 'pong',
    });
  });

  it('transport errors[] become GraphQLRequestError', async () => {
    const { graphql } = await setup();
    const error = await graphql.request('query { nope }').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphQLRequestError);
    expect(error).toMatchObject({ code: 'graphql_error' });
  });

  it('a server message echoing the bearer token is redacted everywhere the error can be printed', async () => {
    const { emu, graphql, tokenClient } = await setup();
    const token = await tokenClient.getAccessToken();
    emu.setGraphqlResolver(() => {
      throw new Error(`token ${token} is not allowed here`);
    });
    const error = (await graphql
      .request('query { secretThing }')
      .catch((e: unknown) => e)) as GraphQLRequestError;
    expect(error).toBeInstanceOf(GraphQLRequestError);
    expect(error.errors[0]?.message).toBe('token [redacted] is not allowed here');
    for (const printed of [
      error.message,
      String(error),
      JSON.stringify(error),
      inspect(error, { depth: 5 }),
      JSON.stringify(error.errors),
    ]) {
      expect(printed).not.toContain(token);
    }
  });

  it('typed union errors become GraphQLDomainError; retryable ones are retried with backoff', async () => {
    const { emu, graphql } = await setup();
    let calls = 0;
    emu.setGraphqlResolver((query) => {
      if (!query.includes('createThing')) return undefined;
      calls++;
      return calls < 3
        ? {
            createThing: {
              __typename: 'InternalServerError',
              code: 'INTERNAL',
              message: 'try later',
              retryable: true,
            },
          }
        : { createThing: { __typename: 'Thing', id: 't1' } };
    });
    await expect(graphql.request('mutation { createThing { __typename } }')).resolves.toEqual({
      createThing: { __typename: 'Thing', id: 't1' },
    });
    expect(calls).toBe(3);
    emu.setGraphqlResolver(() => ({
      createThing: {
        __typename: 'BadRequestError',
        code: 'INVALID_NAME',
        message: 'bad name',
        retryable: false,
      },
    }));
    const error = await graphql
      .request('mutation { createThing { __typename } }')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphQLDomainError);
    expect(error).toMatchObject({
      typename: 'BadRequestError',
      errorCode: 'INVALID_NAME',
      retryable: false,
      path: ['createThing'],
    });
  });

  it('revoked consent surfaces as consent_required', async () => {
    const { emu, graphql } = await setup();
    emu.revokeConsent(app.appId);
    await expect(graphql.request('query { ping }')).rejects.toMatchObject({
      code: 'consent_required',
    });
  });
});

describe('First Dollar GraphQL client: the documented shapes, against the emulator', () => {
  it('a BadRequestError union member throws GraphQLDomainError with its code, not retried', async () => {
    const { emu, graphql } = await setup();
    emu.clearRequests();
    const error = await graphql.request(ORG, { id: 'org_9999' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphQLDomainError);
    expect(error).toMatchObject({
      code: 'graphql_domain_error',
      typename: 'BadRequestError',
      errorCode: 'NOT_FOUND',
      retryable: false,
      path: ['organization'],
    });
    expect(emu.count({ path: /graphql$/ })).toBe(1);
    await expect(graphql.request(ORG, { id: 'org_0001' })).resolves.toEqual({
      organization: { id: 'org_0001', name: 'Organization 1' },
    });
  });

  it('a retryable InternalServerError is retried `retries` times, then thrown', async () => {
    const { emu, graphql } = await setup();
    emu.clearRequests();
    const error = await graphql.request(ORG, { id: 'org_unavailable' }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'GraphQLDomainError',
      typename: 'InternalServerError',
      errorCode: 'INTERNAL_SERVER_ERROR',
      retryable: true,
    });
    expect(emu.count({ path: /graphql$/ })).toBe(3);
  });

  it('an Error member selected without retryable is recognised by __typename (retryable false)', async () => {
    const { graphql } = await setup();
    // The shape of First Dollar's own client: `... on BadRequestError { code message }`.
    const query = `query { organizations(first: 0) {
      __typename ... on OrganizationsResults { nodes { id } } ... on BadRequestError { code message } } }`;
    await expect(graphql.request(query)).rejects.toMatchObject({
      typename: 'BadRequestError',
      errorCode: 'INVALID_PAGE_SIZE',
      retryable: false,
    });
    // Without __typename nor retryable nothing says it is an error: the data is answered as is.
    await expect(
      graphql.request(
        'query { organizations(first: 0) { ... on BadRequestError { code message } } }',
      ),
    ).resolves.toEqual({
      organizations: { code: 'INVALID_PAGE_SIZE', message: expect.any(String) },
    });
  });

  it('the rate limit (60 calls per 60 s) throws RateLimitError with Retry-After, then works again', async () => {
    const { emu, graphql, tokenClient } = await setup();
    for (let i = 0; i < 60; i++) await graphql.request(ORG, { id: 'org_0001' });
    emu.clearRequests();
    const error = await graphql.request(ORG, { id: 'org_0001' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({
      name: 'RateLimitError',
      code: 'http_error',
      status: 429,
      retryAfter: 60,
    });
    expect(isGrantkitError(error, 'http_error')).toBe(true);
    expect(emu.count({ path: /graphql$/ })).toBe(1); // not retried: the wait is the caller's
    const token = await tokenClient.getAccessToken();
    for (const text of printed(error)) expect(text).not.toContain(token);
    // Through JSON (a worker reporting to its parent), it is still a RateLimitError.
    const again = errorFromJSON(JSON.parse(JSON.stringify(error)));
    expect(again).toBeInstanceOf(RateLimitError);
    expect(again).toMatchObject({ retryAfter: 60, status: 429, message: (error as Error).message });
    emu.clock.advance(60_000);
    await expect(graphql.request(ORG, { id: 'org_0001' })).resolves.toBeTruthy();
  });

  it('a 429 without Retry-After, or with an HTTP date, is a RateLimitError too', async () => {
    const { emu, graphql } = await setup();
    emu.fault({ path: /graphql$/, status: 429, body: { errors: [{ message: 'slow down' }] } });
    const bare = await graphql.request('query { ping }').catch((e: unknown) => e);
    expect(bare).toBeInstanceOf(RateLimitError);
    expect((bare as RateLimitError).retryAfter).toBeUndefined();
    const dated = createGraphQLClient({
      tokenClient: {
        fetch: async () =>
          new Response('{}', {
            status: 429,
            headers: { 'retry-after': new Date(Date.now() + 30_000).toUTCString() },
          }),
      },
      endpoint: 'https://api.example/graphql',
    });
    const error = (await dated
      .request('query { ping }')
      .catch((e: unknown) => e)) as RateLimitError;
    expect(error.retryAfter).toBeGreaterThanOrEqual(28);
    expect(error.retryAfter).toBeLessThanOrEqual(30);
  });

  it('errors[] with HTTP 200 quoting the token in its message, path or extensions leak nothing', async () => {
    const { emu, graphql, tokenClient } = await setup();
    const token = await tokenClient.getAccessToken();
    emu.fault({
      path: /graphql$/,
      status: 200,
      body: {
        errors: [
          {
            message: `Unauthorized bearer ${token} (${encodeURIComponent(token)})`,
            path: ['me', token],
            extensions: { token, code: 'UNAUTHENTICATED' },
          },
        ],
      },
    });
    const error = (await graphql
      .request('query { ping }')
      .catch((e: unknown) => e)) as GraphQLRequestError;
    expect(error).toBeInstanceOf(GraphQLRequestError);
    expect(error.status).toBe(200);
    for (const text of [...printed(error), JSON.stringify(error.errors)])
      expect(text).not.toContain(token);
    expect(error.errors[0]?.path).toEqual(['me', '[redacted]']);
  });
});

describe('First Dollar GraphQL client: review of #17', () => {
  it('keeps only strings (scrubbed) and integers of an errors[].path: an object or a list in it may hold the token', async () => {
    const { emu, graphql, tokenClient } = await setup();
    const token = await tokenClient.getAccessToken();
    emu.fault({
      path: /graphql$/,
      status: 200,
      body: {
        errors: [
          {
            message: 'no',
            path: ['me', { token }, [token], 3, 1.5, -1, 1e300, true, null, token, 'ok'],
          },
        ],
      },
    });
    const error = (await graphql
      .request('query { ping }')
      .catch((e: unknown) => e)) as GraphQLRequestError;
    expect(error).toBeInstanceOf(GraphQLRequestError);
    expect(error.errors[0]?.path).toEqual(['me', 3, -1, '[redacted]', 'ok']);
    for (const text of [...printed(error), JSON.stringify(error.errors)])
      expect(text).not.toContain(token);
    // The class itself, built by other code, keeps no more.
    const direct = new GraphQLRequestError(
      [{ message: 'm', path: ['a', { token } as never, 0], extensions: { token } }],
      200,
    );
    expect(direct.errors).toEqual([{ message: 'm', path: ['a', 0] }]);
    for (const text of printed(direct)) expect(text).not.toContain(token);
  });

  it('cuts the token it sent from server text however short it is, in its encodings', async () => {
    const { emu, tokenClient } = await setup();
    // A 25-character token: shorter than the 32 characters of a token-like run.
    const short = 'sh0rt/tok+en~abc.def_1234';
    const graphql = await holding(tokenClient, short);
    const quoted = `raw ${short} url ${encodeURIComponent(short)} json ${JSON.stringify(short).slice(1, -1).replace(/\//g, '\\/')}`;
    emu.fault({
      path: /graphql$/,
      status: 200,
      body: { errors: [{ message: quoted, path: ['me', short] }] },
    });
    const error = (await graphql.request('query { ping }').catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(GraphQLRequestError);
    expect((error as GraphQLRequestError).errors[0]?.path).toEqual(['me', '[redacted]']);
    emu.fault({
      path: /graphql$/,
      status: 200,
      body: {
        data: {
          me: { __typename: 'BadRequestError', code: short, message: quoted, retryable: false },
        },
      },
    });
    const domain = (await graphql.request('query { ping }').catch((e: unknown) => e)) as Error;
    expect(domain).toBeInstanceOf(GraphQLDomainError);
    for (const e of [error, domain]) {
      expect(e.message).toContain('raw [redacted] url [redacted] json [redacted]');
      for (const text of printed(e)) {
        expect(text).not.toContain(short);
        expect(text).not.toContain(encodeURIComponent(short));
      }
    }
  });

  it('cuts the token the request carried even when the client holds another by the time it answers', async () => {
    const { emu, tokenClient } = await setup();
    const sent = 'CANARY-short-T1xyz'; // 18 characters: no token-like run
    const graphql = await holding(tokenClient, sent);
    emu.fault({
      path: /graphql$/,
      status: 200,
      latencyMs: 50,
      body: { errors: [{ message: `token Bearer ${sent} is not allowed` }] },
    });
    const pending = graphql.request('query { ping }').catch((e: unknown) => e);
    // Renewed (here: replaced) while the request is in flight.
    await tokenClient.setTokenSet({
      accessToken: 'CANARY-short-T2xyz',
      tokenType: 'Bearer',
      expiresAt: T0 + 7_200_000,
    });
    const error = (await pending) as Error;
    expect(error).toBeInstanceOf(GraphQLRequestError);
    expect(error.message).toContain('token Bearer [redacted] is not allowed');
    for (const text of printed(error)) expect(text).not.toContain(sent);
  });

  it('a Retry-After longer than a day, in seconds or as an HTTP date, reads as a day', async () => {
    for (const value of ['999999999', new Date(Date.now() + 365 * 86_400_000).toUTCString()]) {
      const graphql = createGraphQLClient({
        tokenClient: {
          fetch: async () => new Response('{}', { status: 429, headers: { 'retry-after': value } }),
        },
        endpoint: 'https://api.example/graphql',
      });
      const error = (await graphql
        .request('query { ping }')
        .catch((e: unknown) => e)) as RateLimitError;
      expect(error).toBeInstanceOf(RateLimitError);
      expect(error.retryAfter).toBe(86_400);
    }
  });

  it('a final 401 cancels the answer body, as a 429 does', async () => {
    let cancelled = 0;
    const graphql = createGraphQLClient({
      tokenClient: {
        fetch: async () =>
          new Response(
            new ReadableStream<Uint8Array>({
              pull(controller) {
                controller.enqueue(new TextEncoder().encode('x'));
              },
              cancel() {
                cancelled++;
              },
            }),
            { status: 401 },
          ),
      },
      endpoint: 'https://api.example/graphql',
    });
    await expect(graphql.request('query { ping }')).rejects.toMatchObject({ code: 'unauthorized' });
    expect(cancelled).toBe(1);
  });
});

describe('First Dollar GraphQL client: bounded reads', () => {
  it('an answer longer than maxResponseBytes is cut off, by Content-Length or while it streams', async () => {
    const { emu, tokenClient } = await setup();
    const graphql = createGraphQLClient({
      tokenClient,
      endpoint: firstDollarGraphQLEndpoint({ apiBaseUrl: BASE, appId: app.appId }),
      maxResponseBytes: 1024,
    });
    await expect(graphql.request('query { ping }')).resolves.toEqual({ ping: 'pong' });
    emu.fault({
      path: /graphql$/,
      status: 200,
      text: JSON.stringify({ data: { big: 'x'.repeat(5000) } }),
      contentType: 'application/json',
    });
    await expect(graphql.request('query { ping }')).rejects.toMatchObject({
      code: 'invalid_response',
      message: expect.stringMatching(/more than 1024 bytes/),
    });
    // An endless answer without Content-Length: reading stops after the limit.
    let pulled = 0;
    const endless = createGraphQLClient({
      tokenClient: {
        fetch: async () =>
          new Response(
            new ReadableStream<Uint8Array>({
              pull(controller) {
                pulled++;
                controller.enqueue(new TextEncoder().encode('{"data":"'.padEnd(512, 'x')));
              },
            }),
            { status: 502 },
          ),
      },
      endpoint: 'https://api.example/graphql',
      maxResponseBytes: 4096,
    });
    await expect(endless.request('query { ping }')).rejects.toMatchObject({
      code: 'http_error',
      status: 502,
    });
    expect(pulled).toBeLessThanOrEqual(12);
    expect(() => createGraphQLClient({ tokenClient, endpoint: BASE, maxResponseBytes: 0 })).toThrow(
      /maxResponseBytes/,
    );
  });
});

describe('graphqlPages: nodes / pageInfo, page by page', () => {
  it('reads every page of the emulator list with first / after', async () => {
    const { emu, graphql } = await setup();
    emu.clearRequests();
    const ids: string[] = [];
    const sizes: number[] = [];
    for await (const page of graphqlPages<Org>(graphql, ORGS, {}, { pageSize: 100 })) {
      sizes.push(page.nodes.length);
      ids.push(...page.nodes.map((n) => n.id));
    }
    expect(sizes).toEqual([100, 100, 50]);
    expect(new Set(ids).size).toBe(250);
    expect(emu.count({ path: /graphql$/ })).toBe(3);
  });

  it("keeps the caller's variables and takes the page from `page`", async () => {
    const { graphql } = await setup();
    const pages = [];
    for await (const page of graphqlPages<Org, { organizations: never }>(
      graphql,
      ORGS,
      { where: { ids: ['org_0001', 'org_0002', 'org_0003'] } },
      { pageSize: 2, page: (data) => data.organizations },
    ))
      pages.push(page.nodes.map((n) => n.id));
    expect(pages).toEqual([['org_0001', 'org_0002'], ['org_0003']]);
  });

  it('is bounded: more than maxPages pages, a cursor that does not move, a page without pageInfo', async () => {
    const { emu, graphql } = await setup();
    const read = async (query: string, options = {}) => {
      let n = 0;
      try {
        for await (const _ of graphqlPages(graphql, query, {}, options)) n++;
      } catch (error) {
        return { n, error };
      }
      return { n };
    };
    const many = await read(ORGS, { pageSize: 10, maxPages: 3 });
    expect(many.n).toBe(3);
    expect(many.error).toMatchObject({ code: 'invalid_response', message: /maxPages \(3\)/ });
    const noInfo = await read('{ organizations { ... on OrganizationsResults { nodes { id } } } }');
    expect(noInfo).toMatchObject({ n: 0, error: { code: 'invalid_response' } });
    emu.setGraphqlResolver(() => ({
      things: { nodes: [1], pageInfo: { hasNextPage: true, endCursor: 'same' } },
    }));
    const stuck = await read('query ($after: String) { things(after: $after) { nodes } }');
    expect(stuck.n).toBe(2);
    expect(stuck.error).toMatchObject({ code: 'invalid_response', message: /does not move/ });
  });

  it("a bad page size is the vendor's BadRequestError; bad options are refused up front", async () => {
    const { graphql } = await setup();
    const pages = graphqlPages(graphql, ORGS, {}, { pageSize: 500 });
    await expect(pages.next()).rejects.toMatchObject({ errorCode: 'INVALID_PAGE_SIZE' });
    expect(() => graphqlPages(graphql, ORGS, {}, { pageSize: 0 })).toThrow(ConfigurationError);
    expect(() => graphqlPages(graphql, ORGS, {}, { maxPage: 2 } as never)).toThrow(
      /graphqlPages: .*"maxPage".*maxPages/,
    );
  });
});
