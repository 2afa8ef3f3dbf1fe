/**
 * The emulator's First Dollar GraphQL slice, over HTTP as a client sees it: the `Error` union
 * members, `nodes` / `pageInfo` lists, the `@rateLimit(duration: 60, limit: 60)` window as 429, and
 * the GraphQL errors a real server gives for a document it cannot run.
 */
import { describe, expect, it } from 'vitest';
import { createVendorEmulator, TEST_CREDENTIALS, type VendorEmulator } from './index';

const FD = 'https://api.dev.firstdollar.com';
const T0 = Date.UTC(2030, 0, 1);
const partner = TEST_CREDENTIALS.firstDollarPartner;
const fdApp = TEST_CREDENTIALS.firstDollarApp;

const ORGS = `query Orgs($where: OrganizationsFilterInput, $after: String, $first: Int) {
  organizations(where: $where, after: $after, first: $first) {
    __typename
    ... on OrganizationsResults { nodes { id name shortCode } pageInfo { hasNextPage endCursor } }
    ... on Error { code message retryable }
  }
}`;
const ORG = `query Org($id: ID!) {
  organization(where: { id: $id }) {
    __typename
    ... on Organization { id name }
    ... on BadRequestError { code message retryable }
    ... on InternalServerError { code message retryable }
  }
}`;

async function partnerToken(em: VendorEmulator, clientId: string = partner.clientId) {
  const res = await em.fetch(`${FD}/v0/auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: partner.clientSecret,
    }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

async function setup(now: number | undefined = T0) {
  const em = createVendorEmulator(now === undefined ? {} : { now });
  const token = await partnerToken(em);
  const post = async (body: Record<string, unknown>, path = '/graphql', bearer = token) => {
    const res = await em.fetch(`${FD}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${bearer}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as any };
  };
  const gql = (query: string, variables: Record<string, unknown> = {}) =>
    post({ query, variables });
  return { em, token, post, gql };
}

describe('emulator: First Dollar GraphQL schema slice', () => {
  it('lists organizations as nodes / pageInfo, page by page with first / after', async () => {
    const { gql } = await setup();
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (; pages < 10; pages++) {
      const { status, body } = await gql(ORGS, { first: 100, after });
      expect(status).toBe(200);
      const page = body.data.organizations;
      expect(page.__typename).toBe('OrganizationsResults');
      expect(Object.keys(page.pageInfo)).toEqual(['hasNextPage', 'endCursor']);
      seen.push(...page.nodes.map((n: { id: string }) => n.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(pages).toBe(2); // 250 organizations: 100 + 100 + 50
    expect(seen).toHaveLength(250);
    expect(new Set(seen).size).toBe(250);
    expect(seen[0]).toBe('org_0001');
  });

  it('defaults first to 100 and answers only the fields selected, under their aliases', async () => {
    const { gql } = await setup();
    const { body } = await gql(
      '{ orgs: organizations { ... on OrganizationsResults { nodes { shortCode } info: pageInfo { hasNextPage } } } }',
    );
    expect(body.data.orgs.nodes).toHaveLength(100);
    expect(body.data.orgs.nodes[0]).toEqual({ shortCode: 'ORG0001' });
    expect(body.data.orgs.info).toEqual({ hasNextPage: true });
  });

  it('filters by where.ids; an empty page has no endCursor', async () => {
    const { gql } = await setup();
    const { body } = await gql(ORGS, { where: { ids: ['org_0003', 'org_0001', 'nope'] } });
    expect(body.data.organizations.nodes.map((n: { id: string }) => n.id)).toEqual([
      'org_0001',
      'org_0003',
    ]);
    const none = await gql(ORGS, { where: { ids: [] } });
    expect(none.body.data.organizations.pageInfo).toEqual({ hasNextPage: false, endCursor: null });
  });

  it('bad input is a BadRequestError union member (the Error interface), not errors[]', async () => {
    const { gql } = await setup();
    for (const variables of [{ first: 0 }, { first: 101 }, { after: 'not-a-cursor' }]) {
      const { status, body } = await gql(ORGS, variables);
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      expect(body.data.organizations).toMatchObject({
        __typename: 'BadRequestError',
        code: expect.stringMatching(/^INVALID_/),
        message: expect.any(String),
        retryable: false,
      });
    }
    const missing = await gql(ORG, { id: 'org_9999' });
    expect(missing.body.data.organization).toMatchObject({
      __typename: 'BadRequestError',
      code: 'NOT_FOUND',
      retryable: false,
    });
  });

  it('org_unavailable answers a retryable InternalServerError; a found one is an Organization', async () => {
    const { gql } = await setup();
    const down = await gql(ORG, { id: 'org_unavailable' });
    expect(down.body.data.organization).toEqual({
      __typename: 'InternalServerError',
      code: 'INTERNAL_SERVER_ERROR',
      message: expect.any(String),
      retryable: true,
    });
    const found = await gql(ORG, { id: 'org_0042' });
    expect(found.body.data.organization).toEqual({
      __typename: 'Organization',
      id: 'org_0042',
      name: 'Organization 42',
    });
  });

  it('a fragment that does not match adds nothing; named fragments and @include / @skip work', async () => {
    const { gql } = await setup();
    const { body } = await gql(
      `query Q($withName: Boolean!) {
        organization(where: { id: "org_0007" }) {
          ... on BadRequestError { code }
          ...Org
          ... on Organization { name @include(if: $withName) }
          __typename @skip(if: true)
        }
      }
      fragment Org on Organization { id }`,
      { withName: false },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data.organization).toEqual({ id: 'org_0007' });
  });

  it('a document it cannot run gets the GraphQL error a server gives, and nothing runs', async () => {
    const { gql, post } = await setup();
    const cases: [string, Record<string, unknown>, number, RegExp][] = [
      [
        '{ organizations { code } }',
        {},
        200,
        /Cannot query field "code" on type "OrganizationsResponse"\. Did you mean to use an inline fragment/,
      ],
      [
        '{ organizations { ... on Organization { id } } }',
        {},
        200,
        /can never be of type "Organization"/,
      ],
      ['{ organization { __typename } }', {}, 200, /argument "where" of non-null type/],
      ['{ organizations(page: 2) { __typename } }', {}, 200, /Unknown argument "page"/],
      ['{ organizations(first: "ten") { __typename } }', {}, 200, /expected type "Int"/],
      [
        '{ organizations(where: { name: "x" }) { __typename } }',
        {},
        200,
        /Field "name" is not defined by type "OrganizationsFilterInput"/,
      ],
      ['{ organizations }', {}, 200, /must have a selection of subfields/],
      ['{ ping { x } }', {}, 200, /must not have a selection/],
      [
        'query { organizations(first: $n) { __typename } }',
        {},
        200,
        /Variable "\$n" is not defined/,
      ],
      [
        'query ($id: ID!) { organization(where: { id: $id }) { __typename } }',
        {},
        200,
        /"\$id" of required type "ID!" was not provided/,
      ],
      ['{ ...F } fragment F on Query { ...F }', {}, 200, /within itself/],
      ['{ organizations { ... on Nope { x } } }', {}, 200, /Unknown type "Nope"/],
      ['{ organizations(', {}, 400, /^Syntax Error/],
      ['{ "}" }', {}, 400, /^Syntax Error/],
      [
        'mutation { createOrganization { __typename } }',
        {},
        200,
        /Cannot query field "createOrganization" on type "Mutation"/,
      ],
      ['subscription { ping }', {}, 400, /no subscription type/],
      ['query A { ping } query B { ping }', {}, 400, /Must provide operation name/],
    ];
    for (const [query, variables, status, message] of cases) {
      const res = await gql(query, variables);
      expect({ query, status: res.status }).toEqual({ query, status });
      expect(res.body.data).toBeUndefined();
      expect(res.body.errors[0].message).toMatch(message);
    }
    const named = await post({
      query: 'query A { ping } query B { __typename }',
      operationName: 'B',
    });
    expect(named.body).toEqual({ data: { __typename: 'Query' } });
    const deep = await gql(
      `{ ${'organizations { ... on OrganizationsResults { nodes { '.repeat(20)}`,
    );
    expect(deep.status).toBe(400);
    const wide = await gql(
      `{ ...F0 } ${Array.from({ length: 30 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join(' ')} fragment F30 on Query { ping }`,
    );
    expect(wide.body.errors[0].message).toMatch(/too complex/);
    expect((await gql('{ __typename }'.padEnd(40_000))).status).toBe(413);
  });

  it('keeps query { ping } and the graphqlResolver hook, which answers first', async () => {
    const { em, gql } = await setup();
    expect((await gql('query { ping }')).body).toEqual({ data: { ping: 'pong' } });
    expect((await gql('query P($x: Int) { p: ping }')).body).toEqual({ data: { p: 'pong' } });
    em.setGraphqlResolver((query) => (/\bme\b/.test(query) ? { me: { id: 'u' } } : undefined));
    expect((await gql('{ me { id } }')).body).toEqual({ data: { me: { id: 'u' } } });
    expect((await gql(ORG, { id: 'org_0001' })).body.data.organization.id).toBe('org_0001');
  });
});

describe('emulator: First Dollar @rateLimit(duration: 60, limit: 60)', () => {
  it('answers 429 with Retry-After after 60 calls of a field in 60 s, and again when the window ends', async () => {
    const { em, gql } = await setup();
    for (let i = 0; i < 60; i++) {
      em.clock.advance(500); // 60 calls over 30 s
      expect((await gql(ORG, { id: 'org_0001' })).status).toBe(200);
    }
    const limited = await gql(ORG, { id: 'org_0001' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('31'); // the window opened at the first call
    expect(limited.body.errors[0].message).toMatch(/Too many requests/);
    // Another rate-limited field has its own window; ping carries no limit.
    expect((await gql(ORGS, { first: 1 })).status).toBe(200);
    expect((await gql('query { ping }')).status).toBe(200);
    expect((await gql('{ a: ping b: ping }')).status).toBe(200);
    em.clock.advance(30_000);
    const later = await gql(ORG, { id: 'org_0001' });
    expect(later.headers.get('retry-after')).toBe('1');
    em.clock.advance(500);
    expect((await gql(ORG, { id: 'org_0001' })).status).toBe(200);
  });

  it('counts per caller: another Partner client and a new token of the same one', async () => {
    const em = createVendorEmulator({
      now: T0,
      firstDollar: {
        partners: [partner, { ...partner, clientId: 'partner_OTHER_api@partner.firstdollar.com' }],
      },
    });
    const call = (token: string) =>
      em.fetch(`${FD}/graphql`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: ORG, variables: { id: 'org_0001' } }),
      });
    const first = await partnerToken(em);
    for (let i = 0; i < 60; i++) expect((await call(first)).status).toBe(200);
    expect((await call(first)).status).toBe(429);
    // A new token of the same client is the same caller: no way around the limit by refreshing.
    expect((await call(await partnerToken(em))).status).toBe(429);
    const other = await partnerToken(em, 'partner_OTHER_api@partner.firstdollar.com');
    expect((await call(other)).status).toBe(200);
    expect(em.count({ path: '/graphql', status: 429 })).toBe(2);
  });

  it('reads the clock on every call (a clock that follows real time)', async () => {
    const { em, gql } = await setup(undefined);
    for (let i = 0; i < 60; i++) expect((await gql(ORGS, { first: 1 })).status).toBe(200);
    expect((await gql(ORGS, { first: 1 })).status).toBe(429);
    em.clock.advance(60_000);
    expect((await gql(ORGS, { first: 1 })).status).toBe(200);
  });

  it('an OAuth App caller is its user of that app', async () => {
    const em = createVendorEmulator({ now: T0 });
    const tokenOf = async (userId: string) => {
      const code = em.issueCode('firstDollar', fdApp.appId, { userId });
      const res = await em.fetch(`${FD}/v0/auth/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          grant_type: 'authorization_code',
          code,
          client_id: fdApp.clientId,
          client_secret: fdApp.clientSecret,
        }),
      });
      return ((await res.json()) as { access_token: string }).access_token;
    };
    const call = (token: string) =>
      em.fetch(`${FD}/app/${fdApp.appId}/graphql`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: ORGS, variables: { first: 1 } }),
      });
    const alice = await tokenOf('alice');
    for (let i = 0; i < 60; i++) expect((await call(alice)).status).toBe(200);
    expect((await call(alice)).status).toBe(429);
    expect((await call(await tokenOf('bob'))).status).toBe(200);
  });
});

describe('emulator: First Dollar GraphQL under hostile documents (review of #17)', () => {
  it('refuses a query over 32 KB with 413 before reading it, and reads a long one in linear time', async () => {
    const { em, gql } = await setup();
    // query + 30,000 spaces: the former ping pattern (adjacent \s*) took cubic time on it (3,000
    // spaces: 7.7 s), so this test timed out; now a syntax error.
    const spaces = await gql(`query${' '.repeat(30_000)}x`);
    expect(spaces.status).toBe(400);
    expect(spaces.body.errors[0].message).toMatch(/Syntax Error/);
    expect((await gql(`query${' '.repeat(40_000)}x`)).status).toBe(413);
    // The limit comes first even for the graphqlResolver hook and ping.
    em.setGraphqlResolver(() => ({ me: { id: 'u' } }));
    expect((await gql(`{ ping ${' '.repeat(40_000)}}`)).status).toBe(413);
    expect((await gql(`{ me ${' '.repeat(40_000)}}`)).status).toBe(413);
    // ping answers as before, whatever its whitespace.
    for (const q of ['query{ping}', ' query  Ping ( ) {\n\tping\n} ', '{ping}', 'query P(){ping}'])
      expect((await gql(q)).body).toEqual({ data: { ping: 'pong' } });
  });

  it('bounds the nesting of a variable type: 400, not a stack overflow', async () => {
    const { gql } = await setup();
    for (const n of [30, 12_000]) {
      const res = await gql(`query Q($a: ${'['.repeat(n)}ID${']'.repeat(n)}) { ping }`);
      expect(res.status).toBe(400);
      expect(res.body.errors[0].message).toMatch(/nests too deeply/);
    }
    expect((await gql('query Q($a: [[ID!]]) { p: ping }')).body).toEqual({ data: { p: 'pong' } });
  });

  it('finds no type, field, argument, input field or variable among Object.prototype names', async () => {
    const { gql } = await setup();
    const message = async (query: string, variables: Record<string, unknown> = {}) => {
      const res = await gql(query, variables);
      expect(res.status).toBe(200);
      return res.body.errors?.[0]?.message as string | undefined;
    };
    expect(await message('query { constructor }')).toBe(
      'Cannot query field "constructor" on type "Query".',
    );
    expect(await message('query { hasOwnProperty }')).toMatch(/Cannot query field/);
    expect(await message('query { organizations(constructor: 1) { __typename } }')).toBe(
      'Unknown argument "constructor" on field "Query.organizations".',
    );
    expect(await message('query { organizations(where: { constructor: 1 }) { __typename } }')).toBe(
      'Field "constructor" is not defined by type "OrganizationsFilterInput".',
    );
    expect(await message('query { ...F } fragment F on constructor { ping }')).toBe(
      'Unknown type "constructor".',
    );
    expect(await message('query { ...F } fragment F on toString { ping }')).toBe(
      'Unknown type "toString".',
    );
    // A variable named like a prototype property, not sent: its default (none), not Object.
    const res = await gql(
      'query Q($constructor: Int) { organizations(first: $constructor) { __typename } }',
    );
    expect(res.body).toEqual({ data: { organizations: { __typename: 'OrganizationsResults' } } });
    // An alias __proto__ is an ordinary key of the answer.
    expect((await gql('{ __proto__: ping }')).body).toEqual(
      JSON.parse('{"data":{"__proto__":"pong"}}'),
    );
  });

  it('opens a new rate-limit window when the clock is set back before the current one', async () => {
    const { em, gql } = await setup();
    const q = 'query { organizations(first: 1) { __typename } }';
    for (let i = 0; i < 60; i++) expect((await gql(q)).status).toBe(200);
    expect((await gql(q)).status).toBe(429);
    em.clock.advance(-3_600_000);
    expect((await gql(q)).status).toBe(200);
    // That new window counts from the new time.
    for (let i = 0; i < 59; i++) expect((await gql(q)).status).toBe(200);
    expect((await gql(q)).status).toBe(429);
  });

  it('keeps the last 10,000 requests in its log; count() reads them', async () => {
    const em = createVendorEmulator({ now: T0 });
    for (let i = 0; i < 10_005; i++) await em.fetch('https://nowhere.example/x');
    await em.fetch('https://nowhere.example/last');
    expect(em.requests.length).toBe(10_000);
    expect(em.requests.at(-1)!.path).toBe('/last');
    expect(em.count({ path: '/x' })).toBe(9_999);
    em.clearRequests();
    expect(em.count()).toBe(0);
  });
});

describe('emulator: First Dollar rate-limit windows are bounded', () => {
  it('keeps at most 10,000 caller × field windows: past them, the oldest is forgotten', async () => {
    const em = createVendorEmulator({ now: T0 });
    const call = async (userId: string) => {
      const code = em.issueCode('firstDollar', fdApp.appId, { userId });
      const token = await em.fetch(`${FD}/v0/auth/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          grant_type: 'authorization_code',
          code,
          client_id: fdApp.clientId,
          client_secret: fdApp.clientSecret,
        }),
      });
      const { access_token } = (await token.json()) as { access_token: string };
      const res = await em.fetch(`${FD}/app/${fdApp.appId}/graphql`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${access_token}` },
        body: JSON.stringify({ query: 'query { organizations(first: 1) { __typename } }' }),
      });
      return res.status;
    };
    for (let i = 0; i < 60; i++) expect(await call('first')).toBe(200);
    expect(await call('first')).toBe(429);
    // 10,000 other callers (users of the app) within the same window: the first one's is the oldest.
    for (let i = 0; i < 10_000; i++) expect(await call(`user-${i}`)).toBe(200);
    expect(await call('first')).toBe(200);
  }, 60_000);
});
