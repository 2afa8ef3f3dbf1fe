/**
 * Random token endpoint answers → normalizeTokenResponse and every adapter through a TokenClient.
 * Invariants: a TokenSet or a typed GrantkitError (never anything else), a TokenSet that survives
 * JSON storage and can be sent in a header, and a stored token never replaced by a worse one.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createTokenClient,
  firstDollarApp,
  firstDollarPartner,
  firstOrionOAuth,
  firstOrionV1,
  isGrantkitError,
  memoryStorage,
  normalizeTokenResponse,
  oauth2,
  orangeLogic,
  type Adapter,
  type TokenSet,
} from '@grantkit/core';
import {
  assertTypedAndClean,
  counted,
  deepJson,
  jsonish,
  nastyString,
  params,
  timeout,
} from './support';

const NOW = Date.UTC(2030, 0, 1);
const SECRET = 'fz-client-secret-7f3a91';
const STORED_ACCESS = 'fz-stored-access-1c2d3e';
const STORED_REFRESH = 'fz-stored-refresh-9b8a7c';
const CODE = 'fz-auth-code-5e6f7a';

/** A JWT-shaped token (unsigned: grantkit only reads `exp` as a cross-check). */
const jwt = (payload: unknown) => {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v) ?? 'null').toString('base64url');
  return `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc(payload)}.c2ln`;
};

const number = fc.oneof(
  fc.integer({ min: -10_000, max: 10_000_000 }),
  fc.double(),
  fc.constantFrom(0, -1, 3600, 1e306, -1e306, 1e300, Number.MAX_SAFE_INTEGER, 1.7e12, 1.7e9),
  fc.constantFrom('3600', ' 60 ', '1e309', '-5', '0x10', 'abc', '', '1e306'),
  fc.constant(null),
  fc.boolean(),
);

const tokenValue = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z0-9._~+/-]{1,60}=*$/) },
  { weight: 2, arbitrary: nastyString },
  { weight: 1, arbitrary: fc.record({ exp: number, iat: number }, { requiredKeys: [] }).map(jwt) },
  { weight: 1, arbitrary: jsonish },
);

const fieldsOf = (accessField: string) =>
  fc.record(
    {
      [accessField]: tokenValue,
      token_type: fc.oneof(fc.constantFrom('Bearer', 'bearer', ''), nastyString, jsonish),
      expires_in: number,
      expires_at: number,
      refresh_token: fc.oneof(tokenValue, fc.constant(''), fc.constant(null)),
      refresh_token_expires_in: number,
      scope: fc.oneof(fc.string(), jsonish),
    },
    { requiredKeys: [] },
  ) as fc.Arbitrary<Record<string, unknown>>;

/** A token answer body: mostly token-shaped, sometimes anything at all. */
const body = (accessField: string) =>
  fc.oneof({ weight: 5, arbitrary: fieldsOf(accessField) }, { weight: 1, arbitrary: jsonish });

const previousSet: fc.Arbitrary<TokenSet | undefined> = fc.option(
  fc.record(
    {
      accessToken: fc.constant(STORED_ACCESS),
      tokenType: fc.constant('Bearer'),
      expiresAt: fc.integer({ min: NOW - 7_200_000, max: NOW - 1 }),
      refreshToken: fc.constant(STORED_REFRESH),
      refreshExpiresAt: fc.integer({ min: NOW + 1, max: NOW + 30 * 86_400_000 }),
      scope: fc.constant('fz:scope'),
    },
    { requiredKeys: ['accessToken', 'tokenType', 'expiresAt'] },
  ),
  { nil: undefined },
);

const validString = (v: unknown): v is string => typeof v === 'string' && v !== '';

/** Checks a TokenSet the client would store, against the answer it came from and what was stored before. */
function checkSet(
  set: TokenSet,
  answers: readonly Record<string, unknown>[],
  previous: TokenSet | undefined,
  accessField: string,
) {
  expect(typeof set.accessToken).toBe('string');
  expect(answers.some((a) => a[accessField] === set.accessToken)).toBe(true);
  // It must be sendable: an Authorization header that cannot be built would throw a TypeError at use.
  expect(() => new Headers({ authorization: `Bearer ${set.accessToken}` })).not.toThrow();
  expect(Number.isFinite(set.expiresAt)).toBe(true);
  expect(validString(set.tokenType)).toBe(true);
  // Storage (KV, a cookie) is JSON: the set must survive it unchanged (Infinity would become null).
  const plain = JSON.parse(JSON.stringify(set)) as Record<string, unknown>;
  for (const [k, v] of Object.entries(set))
    if (v !== undefined) expect(plain[k] === v, `${k} survives JSON`).toBe(true);
  const freshRefresh = answers.map((a) => a.refresh_token).filter(validString);
  if (set.refreshToken !== undefined) {
    expect(() => new Headers({ 'x-refresh-token': set.refreshToken! })).not.toThrow();
    expect(
      set.refreshToken === previous?.refreshToken || freshRefresh.includes(set.refreshToken),
    ).toBe(true);
  }
  // Never worse: a stored refresh token is kept unless a new one came.
  if (previous?.refreshToken !== undefined) expect(set.refreshToken).toBeDefined();
  if (previous?.scope !== undefined) expect(set.scope).toBeDefined();
}

afterAll(() => console.info('fuzz cases:', Object.fromEntries(counted)));

describe('normalizeTokenResponse on random answers', () => {
  it('returns a sound TokenSet or throws invalid_response, and keeps what the answer lacks', () => {
    const accessField = fc.constantFrom('access_token', 'token');
    fc.assert(
      fc.property(
        accessField.chain((f) =>
          fc.tuple(fc.constant(f), body(f), previousSet, fc.constantFrom(undefined, 2_592_000)),
        ),
        ([field, answer, previous, refreshTtl]) => {
          let set: TokenSet;
          try {
            set = normalizeTokenResponse(
              answer,
              { accessToken: field, defaultTtl: 3600, refreshTtl },
              NOW,
              previous,
            );
          } catch (error) {
            assertTypedAndClean(error, [STORED_ACCESS, STORED_REFRESH]);
            expect(error.code).toBe('invalid_response');
            return;
          }
          checkSet(set, [answer as Record<string, unknown>], previous, field);
          if (
            previous?.refreshToken !== undefined &&
            !validString((answer as Record<string, unknown>).refresh_token)
          ) {
            expect(set.refreshToken).toBe(previous.refreshToken);
            expect(set.refreshExpiresAt).toBe(previous.refreshExpiresAt);
          }
        },
      ),
      params('normalizeTokenResponse', 3500),
    );
  });
});

/* ---------------------------------------------------------------- through a TokenClient */

type Reply =
  | {
      kind: 'answer';
      status: number;
      text: string;
      contentType: string | undefined;
      retryAfter: string | undefined;
    }
  | { kind: 'network' }
  | { kind: 'broken-stream'; status: number };

const NULL_BODY = new Set([204, 205, 304]);
/** Replaced by every credential the request carried: a vendor that quotes what it was sent. */
const ECHO = '{{SENT}}';

const reply = (accessField: string): fc.Arbitrary<Reply> =>
  fc.oneof(
    {
      weight: 12,
      arbitrary: fc.record({
        kind: fc.constant('answer' as const),
        status: fc.oneof(
          { weight: 4, arbitrary: fc.constant(200) },
          {
            weight: 3,
            arbitrary: fc.constantFrom(201, 204, 400, 401, 403, 404, 408, 429, 500, 502, 503),
          },
          { weight: 1, arbitrary: fc.integer({ min: 200, max: 599 }) },
        ),
        text: fc.oneof(
          { weight: 6, arbitrary: body(accessField).map((b) => JSON.stringify(b) ?? '') },
          {
            weight: 2,
            arbitrary: fc
              .record(
                {
                  error: fc.oneof(
                    fc.constantFrom('invalid_grant', 'invalid_client', 'server_error', ECHO),
                    fc.string(),
                  ),
                  error_description: fc.oneof(fc.string(), fc.constant(`bad value: ${ECHO}`)),
                },
                { requiredKeys: [] },
              )
              .map((b) => JSON.stringify(b)),
          },
          { weight: 1, arbitrary: nastyString },
          {
            weight: 1,
            arbitrary: fc
              .constantFrom(
                '"error":"invalid_grant","detail":',
                `"${accessField}":"fz-deep-token","x":`,
              )
              .chain((f) => deepJson(f)),
          },
          {
            weight: 1,
            arbitrary: fc.constantFrom(
              '',
              '{"access_token": "trunc',
              '<html><body>502 Bad Gateway</body></html>',
              'null',
              '[]',
              '"str"',
              '42',
            ),
          },
        ),
        contentType: fc.constantFrom(
          'application/json',
          'application/json; charset=utf-8',
          'text/html',
          'text/plain',
          undefined,
        ),
        retryAfter: fc.constantFrom(
          undefined,
          '0',
          '1',
          'soon',
          '-3',
          'Wed, 21 Oct 2015 07:28:00 GMT',
        ),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'network' as const }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('broken-stream' as const),
        status: fc.constantFrom(200, 400, 500),
      }),
    },
  );

function respond(r: Reply): Response {
  if (r.kind === 'network') throw new TypeError('fetch failed');
  if (r.kind === 'broken-stream') {
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('{"access_token":"'));
        c.error(new TypeError('terminated'));
      },
    });
    return new Response(stream, {
      status: r.status,
      headers: { 'content-type': 'application/json' },
    });
  }
  const headers = new Headers();
  if (r.contentType) headers.set('content-type', r.contentType);
  if (r.retryAfter) headers.set('retry-after', r.retryAfter);
  return new Response(NULL_BODY.has(r.status) ? null : r.text, { status: r.status, headers });
}

interface Flow {
  name: string;
  adapter: Adapter;
  accessField: string;
  /** Whether the flow starts from a code exchange (no stored token). */
  code: boolean;
}

const FLOWS: Flow[] = [
  {
    name: 'first-dollar-partner',
    adapter: firstDollarPartner({ clientId: 'fz-partner', clientSecret: SECRET }),
    accessField: 'access_token',
    code: false,
  },
  {
    name: 'first-dollar-app',
    adapter: firstDollarApp({ appId: 'app_FZ', clientId: 'fz-app', clientSecret: SECRET }),
    accessField: 'access_token',
    code: true,
  },
  {
    name: 'first-orion-oauth',
    adapter: firstOrionOAuth({ apiKey: 'fz-key', secretKey: SECRET }),
    accessField: 'access_token',
    code: false,
  },
  {
    name: 'first-orion-v1',
    adapter: firstOrionV1({ apiKey: 'fz-key', secretKey: SECRET }),
    accessField: 'token',
    code: false,
  },
  {
    name: 'orange-logic',
    adapter: orangeLogic({
      siteUrl: 'https://tenant.example',
      clientId: 'fz-ol',
      clientSecret: SECRET,
      redirectUri: 'https://app.example/cb',
    }),
    accessField: 'access_token',
    code: true,
  },
  {
    name: 'oauth2',
    adapter: oauth2({
      clientId: 'fz-oauth2',
      clientSecret: SECRET,
      tokenEndpoint: 'https://id.example/token',
      clientCredentials: true,
    }),
    accessField: 'access_token',
    code: false,
  },
];

describe('a TokenClient against a fetch answering random bodies', () => {
  const scenario = fc.constantFrom(...FLOWS.map((f) => f.name)).chain((name) => {
    const flow = FLOWS.find((f) => f.name === name)!;
    return fc.record({
      flow: fc.constant(name),
      replies: fc.array(reply(flow.accessField), { minLength: 1, maxLength: 4 }),
      previous: previousSet,
      op: flow.code
        ? fc.constantFrom('exchange' as const, 'renew' as const)
        : fc.constantFrom('get' as const, 'renew' as const),
    });
  });

  it(
    'resolves a sound TokenSet or rejects a typed error; a stored token is never replaced by a worse one',
    async () => {
      let echoes = 0;
      await fc.assert(
        fc.asyncProperty(scenario, async ({ flow: name, replies, previous, op }) => {
          const flow = FLOWS.find((f) => f.name === name)!;
          const storage = memoryStorage();
          const key = 'fz';
          if (previous && op !== 'exchange') await storage.set(key, previous);
          const sent: Record<string, unknown>[] = [];
          let i = 0;
          const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
            let r = replies[Math.min(i++, replies.length - 1)]!;
            if (r.kind === 'answer' && r.text.includes(ECHO)) {
              const request = new Request(input, init);
              const basic = /^Basic (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
              const carried = `${await request.text()} ${[...request.headers.values()].join(' ')} ${basic ? atob(basic) : ''}`;
              const echoed = [SECRET, STORED_REFRESH, CODE]
                .filter((c) => carried.includes(c))
                .join(' ');
              if (echoed) echoes++;
              r = { ...r, text: r.text.replaceAll(ECHO, echoed) };
            }
            if (r.kind === 'answer') {
              try {
                const parsed = JSON.parse(r.text) as unknown;
                if (parsed && typeof parsed === 'object')
                  sent.push(parsed as Record<string, unknown>);
              } catch {
                // not JSON: not a source of tokens
              }
            }
            return respond(r);
          };
          const client = createTokenClient({
            adapter: flow.adapter,
            storage,
            key,
            fetch,
            now: () => NOW,
            retry: { limit: 1, backoffLimit: 1, maxRetryAfter: 1 },
          });
          const before = structuredClone(await storage.get(key));
          let result: TokenSet | undefined;
          // Bounded: one retry (limit 1) of a refresh and of the fallback grant, no loop.
          const bounded = () => expect(i, 'token requests').toBeLessThanOrEqual(4);
          try {
            if (op === 'exchange') result = await client.exchangeCode(CODE);
            else if (op === 'renew') result = await client.refresh();
            else result = await client.getTokenSet();
          } catch (error) {
            assertTypedAndClean(error, [SECRET, STORED_ACCESS, STORED_REFRESH, CODE]);
            bounded();
            // A failure stores nothing: what was there stays exactly as it was.
            expect(await storage.get(key)).toEqual(before);
            return;
          }
          expect(i).toBeGreaterThan(0);
          bounded();
          const stored = await storage.get(key);
          expect(stored).toEqual(result);
          checkSet(result, sent, op === 'exchange' ? undefined : before, flow.accessField);
        }),
        params('TokenClient', 1200),
      );
      expect(
        echoes,
        'no answer quoted a credential back: the secret check was not exercised',
      ).toBeGreaterThan(0);
    },
    timeout,
  );

  it('the invariant catches a regression: a client that drops the stored refresh token fails it', () => {
    // Guard that the property can fail: the check rejects a set that lost the stored refresh token.
    const previous: TokenSet = {
      accessToken: STORED_ACCESS,
      tokenType: 'Bearer',
      expiresAt: NOW - 1,
      refreshToken: STORED_REFRESH,
    };
    const lost: TokenSet = { accessToken: 'new', tokenType: 'Bearer', expiresAt: NOW + 1000 };
    expect(() => checkSet(lost, [{ access_token: 'new' }], previous, 'access_token')).toThrow();
    expect(isGrantkitError(new Error('x'))).toBe(false);
  });
});
