/**
 * Random GraphQL answers → createGraphQLClient on a TokenClient. Invariants: `data` or a typed
 * GrantkitError with a GraphQL/HTTP code, never a bare exception (deep nesting included), and no
 * token or secret in any message.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createGraphQLClient,
  createTokenClient,
  firstDollarPartner,
  graphqlPages,
  type GraphQLClient,
} from '@grantkit/core';
import { assertTypedAndClean, counted, jsonish, nastyString, params, timeout } from './support';

const SECRET = 'fz-gql-client-secret-41d2';
const API = 'https://api.dev.firstdollar.com';
/** Replaced by the Authorization header the API call carried: an API that quotes it in an error. */
const ECHO = '{{AUTHORIZATION}}';
const CODES = new Set([
  'unauthorized',
  'http_error',
  'invalid_response',
  'graphql_error',
  'graphql_domain_error',
  'network_error',
]);

const domainError = fc.record(
  {
    __typename: fc.oneof(fc.constantFrom('BadRequestError', 'InternalServerError'), fc.string()),
    code: fc.oneof(fc.string(), jsonish),
    message: fc.oneof(fc.string(), jsonish, fc.constant(`token ${ECHO} is not allowed`)),
    retryable: fc.oneof(fc.boolean(), jsonish),
  },
  { requiredKeys: [] },
);

const data = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    jsonish,
    domainError,
    fc.dictionary(fc.string({ maxLength: 8 }), tie('node'), { maxKeys: 4 }),
    fc.array(tie('node'), { maxLength: 4 }),
  ),
})).node;

/** A document nested `depth` levels deep, written directly (JSON.stringify would itself overflow). */
const deep = fc
  .record({
    depth: fc.integer({ min: 2_000, max: 30_000 }),
    shape: fc.constantFrom('array', 'object'),
    error: fc.boolean(),
  })
  .map(({ depth, shape, error }) => {
    const leaf = error
      ? '{"__typename":"BadRequestError","code":"DEEP","message":"deep","retryable":false}'
      : '1';
    return shape === 'array'
      ? `{"data":${'['.repeat(depth)}${leaf}${']'.repeat(depth)}}`
      : `{"data":${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}}`;
  });

const text = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record(
        {
          data,
          errors: fc.oneof(
            fc.array(
              fc.record(
                {
                  message: fc.oneof(
                    fc.string(),
                    jsonish,
                    fc.constant(`invalid authorization: ${ECHO}`),
                  ),
                  // A path's segments, some of them objects or lists quoting the token.
                  path: fc.oneof(
                    jsonish,
                    fc.array(
                      fc.oneof(
                        fc.string(),
                        fc.integer(),
                        fc.double(),
                        fc.constant({ echo: ECHO }),
                        fc.constant([ECHO]),
                        fc.constant(ECHO),
                      ),
                      { maxLength: 4 },
                    ),
                  ),
                },
                { requiredKeys: [] },
              ),
              { maxLength: 3 },
            ),
            jsonish,
          ),
        },
        { requiredKeys: [] },
      )
      .map((b) => JSON.stringify(b)),
  },
  { weight: 2, arbitrary: jsonish.map((b) => JSON.stringify(b) ?? '') },
  { weight: 1, arbitrary: nastyString },
  { weight: 1, arbitrary: deep },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      '{"data":',
      '<html>502</html>',
      'null',
      '{"data":null}',
      '{"errors":[]}',
      '{"data":{"ping":"pong"}}',
    ),
  },
);

const answer = fc.record({
  status: fc.oneof(
    { weight: 3, arbitrary: fc.constant(200) },
    fc.constantFrom(201, 204, 400, 401, 403, 404, 429, 500, 502, 503),
    fc.integer({ min: 200, max: 599 }),
  ),
  text,
  contentType: fc.constantFrom(
    'application/json',
    'application/graphql-response+json',
    'text/html',
    undefined,
  ),
  /** `Retry-After`: seconds, an HTTP date, garbage, or none. */
  retryAfter: fc.option(
    fc.oneof(
      fc.nat().map(String),
      fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()),
      fc.string({ maxLength: 12 }),
    ),
    { nil: undefined },
  ),
});

/** Greatest bracket depth of a JSON text (strings ignored). */
function nesting(json: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') max = Math.max(max, ++depth);
    else if (c === ']' || c === '}') depth--;
  }
  return max;
}

type Answer = {
  status: number;
  text: string;
  contentType: string | undefined;
  retryAfter: string | undefined;
};

afterAll(() => console.info('fuzz cases:', Object.fromEntries(counted)));

describe('the GraphQL client on random answers', () => {
  it(
    "resolves the answer's data or rejects a typed error without a secret",
    async () => {
      let echoes = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(answer, { minLength: 1, maxLength: 4 }), async (answers) => {
          let issued = 0;
          const tokens: string[] = [];
          let g = 0;
          const seen: Answer[] = [];
          const fetch = async (input: RequestInfo | URL): Promise<Response> => {
            const url = new URL(input instanceof Request ? input.url : String(input));
            if (url.pathname === '/v0/auth/token') {
              // Vendor-sized tokens (First Dollar's are JWTs of ~1 KB), and short ones (17 to 40
              // characters): those under 32 are no token-like run, so only the client's cut of the
              // token it sent keeps them out of an error.
              const random = Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString(
                'base64url',
              );
              const token =
                issued % 2 === 0
                  ? `fz-gql-access-${++issued}-${'x'.repeat(8)}${random}`
                  : `fz-access-${++issued}-${random.slice(0, 4 + (random.charCodeAt(0) % 24))}`;
              tokens.push(token);
              return Response.json({
                access_token: token,
                expires_in: 3600,
                refresh_token: token.replace('access', 'refresh'),
              });
            }
            let a = answers[Math.min(g++, answers.length - 1)]!;
            if (a.text.includes(ECHO)) {
              const authorization = new Request(input).headers.get('authorization') ?? '';
              if (authorization) echoes++;
              a = { ...a, text: a.text.replaceAll(ECHO, authorization) };
            }
            seen.push(a);
            const headers: Record<string, string> = {};
            if (a.contentType) headers['content-type'] = a.contentType;
            if (a.retryAfter !== undefined && /^[\t\x20-\x7e]*$/.test(a.retryAfter))
              headers['retry-after'] = a.retryAfter;
            return new Response(a.status === 204 ? null : a.text, { status: a.status, headers });
          };
          const tokenClient = createTokenClient({
            adapter: firstDollarPartner({ clientId: 'fz-partner', clientSecret: SECRET }),
            fetch,
            retry: { limit: 0 },
          });
          const graphql = createGraphQLClient({
            tokenClient,
            endpoint: `${API}/graphql`,
            retries: 1,
            retryDelay: 0,
          });
          let result: unknown;
          // Bounded: two attempts (retries: 1), each at most one renewal and one resend after a 401.
          const bounded = () => {
            expect(g, 'API calls').toBeLessThanOrEqual(4);
            expect(issued, 'token requests').toBeLessThanOrEqual(3);
          };
          try {
            result = await graphql.request('query { ping }', { x: 1 });
          } catch (error) {
            bounded();
            assertTypedAndClean(error, [
              SECRET,
              ...tokens,
              ...tokens.map((t) => t.replace('access', 'refresh')),
            ]);
            expect(CODES.has(error.code), error.code).toBe(true);
            const last = seen[seen.length - 1]!;
            if (last.status === 401) expect(error.code).toBe('unauthorized');
            if (last.status === 429) {
              // A 429 is a RateLimitError whatever its body; its wait a whole number of seconds or absent.
              expect(error).toMatchObject({
                name: 'RateLimitError',
                code: 'http_error',
                status: 429,
              });
              const wait = (error as { retryAfter?: number }).retryAfter;
              if (wait !== undefined)
                expect(Number.isSafeInteger(wait) && wait >= 0 && wait <= 86_400).toBe(true);
            }
            return;
          }
          bounded();
          // Resolved: the last answer was a 2xx JSON object whose `data` is what came back.
          const last = seen[seen.length - 1]!;
          expect(last.status >= 200 && last.status < 300).toBe(true);
          const body = JSON.parse(last.text) as { data?: unknown; errors?: unknown };
          // Deep documents: compare the shape only (a recursive deep-equal would itself overflow).
          if (nesting(last.text) < 1000) expect(result).toEqual(body.data);
          else expect(typeof result).toBe(typeof body.data);
          expect(Array.isArray(body.errors) && body.errors.length > 0).toBe(false);
        }),
        params('graphql', 1000),
      );
      expect(
        echoes,
        'no answer quoted the token back: the secret check was not exercised',
      ).toBeGreaterThan(0);
    },
    timeout,
  );
});

/** A page answer: well formed, or missing a part, or a cursor that repeats. */
const pageAnswer = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      nodes: fc.array(fc.integer(), { maxLength: 3 }),
      pageInfo: fc.record({
        hasNextPage: fc.boolean(),
        endCursor: fc.oneof(fc.constantFrom('c1', 'c2', 'c3'), fc.constant(null)),
      }),
    }),
  },
  { weight: 1, arbitrary: jsonish },
);

describe('graphqlPages on random lists', () => {
  it(
    'stops within maxPages requests, yields only { nodes, pageInfo } pages, rejects typed errors',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(pageAnswer, { minLength: 1, maxLength: 12 }),
          fc.integer({ min: 1, max: 5 }),
          async (answers, maxPages) => {
            let calls = 0;
            const afters: unknown[] = [];
            const client: Pick<GraphQLClient, 'request'> = {
              request: async <T>(_query: string, variables?: Record<string, unknown>) => {
                afters.push(variables?.after);
                return { list: answers[Math.min(calls++, answers.length - 1)] } as T;
              },
            };
            let yielded = 0;
            try {
              for await (const page of graphqlPages(client, 'query { list }', {}, { maxPages })) {
                yielded++;
                expect(Array.isArray(page.nodes)).toBe(true);
                expect(typeof page.pageInfo.hasNextPage).toBe('boolean');
              }
            } catch (error) {
              assertTypedAndClean(error, [SECRET]);
              expect(error.code).toBe('invalid_response');
            }
            expect(calls).toBeLessThanOrEqual(maxPages);
            expect(yielded).toBeLessThanOrEqual(calls);
            // The first request has no cursor; each next one the previous page's, never twice the same.
            expect(afters[0]).toBeUndefined();
            for (let i = 1; i < afters.length; i++) expect(afters[i]).not.toBe(afters[i - 1]);
          },
        ),
        params('graphql-pages', 300),
      );
    },
    timeout,
  );
});
