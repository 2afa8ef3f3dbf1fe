// Issue #11 defect 5: a vendor that quotes what it was sent, in the encoding it was sent in (the
// form body, the JSON body, the bare base64 Basic credential), must not put a secret, token or code
// into any surface of the error grantkit builds from its answer.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { needlesFor, findLeaks } from '../../../test/security/canary-scan';
import {
  createGraphQLClient,
  createTokenClient,
  firstDollarApp,
  firstOrionOAuth,
  firstOrionV1,
  isGrantkitError,
  oauth2,
  orangeLogic,
  type Adapter,
  type TokenSet,
} from './index';

// Shaped like `openssl rand -base64 32` (+ / =), plus a space, a quote and non-ASCII for the JSON forms.
const SECRET = 'q+/Zr8T0k3h+W/5a2NpQx1y7eB9c4dF/gH6jKl0mN8o=';
const ODD_SECRET = 'Zr8+T0/k3h "é" ü\\ q1y7=';
const REFRESH = 'rt+/Kx9b2Lq0Vw7Zs1Hn3Mf5Pd8Rc=';
const CODE = 'code/Tq3+Wv8Yx1Zb4=';
const VERIFIER = 'verifier-Pk4Fq8Lz2Nw6Rt0Yb3Xc7Vd1Mh5Jg9Ks2Ae6Qu0Wo';
const NOW = Date.UTC(2030, 0, 1);

type Echo = (
  request: Request,
  body: string,
) => { status?: number; contentType?: string; text: string };

/** A token endpoint that refuses every request and quotes back what `echo` picks of it. */
const echoing =
  (echo: Echo): typeof fetch =>
  async (input, init) => {
    const request = new Request(input, init);
    const body = await request.text();
    const { status = 400, contentType = 'application/json', text } = echo(request, body);
    return new Response(text, { status, headers: { 'content-type': contentType } });
  };

const bareBasic = (r: Request) => (r.headers.get('authorization') ?? '').replace(/^Basic /, '');
const described = (description: string, error = 'invalid_request') =>
  JSON.stringify({ error, error_description: description });

/** Every place an error can show: message, errorDescription, String, toJSON, JSON, inspect, stack. */
function surfaces(error: unknown): string {
  const e = error as Error & { errorDescription?: string; toJSON?: () => unknown };
  return [
    e.message,
    e.errorDescription ?? '',
    String(e),
    JSON.stringify(e.toJSON?.()),
    JSON.stringify(e),
    inspect(e, { depth: 8, showHidden: true }),
    e.stack ?? '',
  ].join('\n');
}

async function failure(
  adapter: Adapter,
  fetch: typeof globalThis.fetch,
  run: (c: ReturnType<typeof createTokenClient>) => Promise<unknown>,
): Promise<unknown> {
  const client = createTokenClient({ adapter, fetch, now: () => NOW, retry: { limit: 0 } });
  const previous: TokenSet = {
    accessToken: 'at-held-Xy7+Qp/3',
    tokenType: 'Bearer',
    expiresAt: NOW - 1,
    refreshToken: REFRESH,
  };
  await client.setTokenSet(previous);
  try {
    await run(client);
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

function expectClean(error: unknown, secrets: Record<string, string>) {
  expect(isGrantkitError(error), String(error)).toBe(true);
  const needles = Object.entries(secrets).flatMap(([label, value]) => needlesFor(label, value));
  const leaks = findLeaks(surfaces(error), needles);
  expect(leaks, 'secrets visible in the error').toEqual([]);
}

const endpoints = {
  tokenEndpoint: 'https://id.example/token',
  revocationEndpoint: 'https://id.example/revoke',
  redirectUri: 'https://app.example/cb',
};

describe('a vendor quoting the request back, encoded', () => {
  it('client_secret_basic: the bare base64 credential in error_description', async () => {
    const adapter = oauth2({ clientId: 'app-1', clientSecret: SECRET, ...endpoints });
    const error = await failure(
      adapter,
      echoing((r) => ({ text: described(`bad client credentials: ${bareBasic(r)}`) })),
      (c) => c.refresh(),
    );
    expect(error).toMatchObject({ status: 400, error: 'invalid_request' });
    expectClean(error, { secret: SECRET, refresh: REFRESH });
  });

  it('client_secret_basic: the whole Authorization header and the form body', async () => {
    const adapter = oauth2({ clientId: 'app-1', clientSecret: SECRET, ...endpoints });
    const fetch = echoing((r, body) => ({
      text: described(`refused ${r.headers.get('authorization')} with ${body}`),
    }));
    expectClean(await failure(adapter, fetch, (c) => c.refresh()), {
      secret: SECRET,
      refresh: REFRESH,
    });
  });

  it('client_secret_post: the form body (+ / = percent-encoded, space as +) in error_description', async () => {
    for (const secret of [SECRET, ODD_SECRET]) {
      const adapter = oauth2({
        clientId: 'app-1',
        clientSecret: secret,
        clientAuth: 'client_secret_post',
        ...endpoints,
      });
      const error = await failure(
        adapter,
        echoing((_, body) => ({ text: described(`cannot parse ${body}`) })),
        (c) => c.refresh(),
      );
      expectClean(error, { secret, refresh: REFRESH });
      // Lower-case percent escapes are the same bytes to a server that re-encodes what it got.
      const lower = await failure(
        adapter,
        echoing((_, body) => ({
          text: described(`cannot parse ${body.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())}`),
        })),
        (c) => c.refresh(),
      );
      expectClean(lower, { secret, refresh: REFRESH });
    }
  });

  it('the code exchange: code and code_verifier quoted form-encoded', async () => {
    const adapter = oauth2({
      clientId: 'app-1',
      clientSecret: SECRET,
      clientAuth: 'client_secret_post',
      ...endpoints,
    });
    const error = await failure(
      adapter,
      echoing((_, body) => ({ text: described(`grant refused: ${body}`, 'invalid_grant') })),
      (c) => c.exchangeCode(CODE, { codeVerifier: VERIFIER }),
    );
    expectClean(error, { secret: SECRET, code: CODE, verifier: VERIFIER });
  });

  it('a JSON body quoted as text inside error_description, with its escapes (\\", \\u00e9, \\/)', async () => {
    for (const secret of [SECRET, ODD_SECRET]) {
      const adapter = orangeLogic({
        siteUrl: 'https://tenant.example',
        clientId: 'ol-1',
        clientSecret: secret,
        redirectUri: 'https://app.example/cb',
      });
      // As sent; with every non-ASCII character escaped (Python's json.dumps); with "/" escaped (PHP's json_encode).
      const variants = [
        (body: string) => body,
        (body: string) =>
          body.replace(
            /[\u0080-\uffff]/g,
            (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
          ),
        (body: string) => body.replace(/\//g, '\\/'),
      ];
      for (const variant of variants) {
        // A 5xx keeps the vendor's error_description (a refused refresh would drop it).
        const error = await failure(
          adapter,
          echoing((_, body) => ({
            status: 500,
            text: described(`bad body ${variant(body)}`, 'server_error'),
          })),
          (c) => c.refresh(),
        );
        expect(error).toMatchObject({ status: 500, error: 'server_error' });
        expectClean(error, { secret, refresh: REFRESH });
        const plain = await failure(
          adapter,
          echoing((_, body) => ({
            status: 500,
            contentType: 'text/html',
            text: `<pre>${variant(body)}</pre>`,
          })),
          (c) => c.refresh(),
        );
        expectClean(plain, { secret, refresh: REFRESH });
      }
    }
  });

  it('First Orion v2: the bare base64 of apikey:secretkey', async () => {
    const adapter = firstOrionOAuth({
      apiKey: 'fo-key-Ab3+/x',
      secretKey: SECRET,
      baseUrl: 'https://fo.example',
    });
    const error = await failure(
      adapter,
      echoing((r) => ({
        status: 401,
        text: described(`unknown credentials ${bareBasic(r)}`, 'invalid_client'),
      })),
      (c) => c.getAccessToken(),
    );
    expectClean(error, { secret: SECRET, apiKey: 'fo-key-Ab3+/x' });
  });

  it('First Orion v1: the key headers quoted form-encoded', async () => {
    const adapter = firstOrionV1({
      apiKey: 'fo-key-Ab3+/x',
      secretKey: SECRET,
      baseUrl: 'https://fo.example',
      refresh: false,
    });
    const fetch = echoing((r) => ({
      status: 403,
      text: described(`denied: ${new URLSearchParams([...r.headers]).toString()}`),
    }));
    expectClean(await failure(adapter, fetch, (c) => c.getAccessToken()), {
      secret: SECRET,
      apiKey: 'fo-key-Ab3+/x',
    });
  });

  it('First Dollar App: a JSON body quoted back, JSON-escaped twice', async () => {
    const adapter = firstDollarApp({
      appId: 'app_1',
      clientId: 'fd-1',
      clientSecret: ODD_SECRET,
      apiBaseUrl: 'https://fd.example',
      refreshWithClientCredentials: true,
    });
    const error = await failure(
      adapter,
      echoing((_, body) => ({ text: described(JSON.stringify(body)) })),
      (c) => c.refresh(),
    );
    expect(error).toMatchObject({
      status: 400,
      errorDescription: expect.stringContaining('client_secret'),
    });
    const twice = JSON.stringify(JSON.stringify(ODD_SECRET).slice(1, -1)).slice(1, -1);
    expect(surfaces(error)).not.toContain(twice);
    expectClean(error, { secret: ODD_SECRET, refresh: REFRESH });
  });

  it('revocation: the token quoted form-encoded', async () => {
    const adapter = oauth2({ clientId: 'app-1', clientSecret: SECRET, ...endpoints });
    const client = createTokenClient({
      adapter,
      fetch: echoing((_, body) => ({
        text: described(`cannot revoke: ${body}`, 'unsupported_token_type'),
      })),
      now: () => NOW,
      retry: { limit: 0 },
    });
    await client.setTokenSet({
      accessToken: 'at-live-Xy7+Qp/3Zz',
      tokenType: 'Bearer',
      expiresAt: NOW + 3_600_000,
      refreshToken: REFRESH,
    });
    const result = await client.revoke();
    expect(result.status).toBe('failed');
    expectClean(result.error, { secret: SECRET, refresh: REFRESH, access: 'at-live-Xy7+Qp/3Zz' });
  });

  it('a header of the error answer quoting a secret does not reach requestId', async () => {
    const adapter = firstOrionOAuth({
      apiKey: 'fo-key-Ab3+/x',
      secretKey: SECRET,
      baseUrl: 'https://fo.example',
    });
    const fetch: typeof globalThis.fetch = async (input, init) => {
      const r = new Request(input, init);
      return new Response(described('no'), {
        status: 400,
        headers: {
          'content-type': 'application/json',
          'x-forp-meta-request-id': `req-${bareBasic(r)}`,
        },
      });
    };
    expectClean(await failure(adapter, fetch, (c) => c.getAccessToken()), { secret: SECRET });
  });
});

describe('a GraphQL server quoting the bearer token back, encoded', () => {
  // An opaque access token shaped like base64 (+ / =): percent-encoding or "\/" breaks it into runs
  // shorter than the 32 characters the token-like scrub looks for.
  const TOKEN = 'Qx7Lm2Vb9Nc4+Zt1Ws8Hd3Kf6/Yp0Rg5Jq8Tn2+Bv4Mc7Xs1=';
  const graphql = (answer: unknown) =>
    createGraphQLClient({
      tokenClient: { fetch: async () => Response.json(answer) },
      endpoint: 'https://api.example/graphql',
      retries: 0,
    });
  const quoted = [
    encodeURIComponent(TOKEN),
    encodeURIComponent(TOKEN).toLowerCase(),
    new URLSearchParams([['t', TOKEN]]).toString(),
    TOKEN.replace(/\//g, '\\/'),
    TOKEN.replace(/\//g, '\\u002f'),
  ];

  it('errors[].message and path', async () => {
    for (const q of quoted) {
      const error = await graphql({ errors: [{ message: `token ${q} refused`, path: ['me', q] }] })
        .request('query { me { id } }')
        .catch((e: unknown) => e);
      expect(isGrantkitError(error, 'graphql_error')).toBe(true);
      const shown = surfaces(error);
      for (const run of TOKEN.split(/[+/=]/))
        if (run.length >= 8) expect(shown, q).not.toContain(run);
    }
  });

  it('a domain error: message, typename and code', async () => {
    for (const q of quoted) {
      const answer = {
        data: {
          me: { __typename: `Err${q}`, code: `BAD_${q}`, message: `token ${q}`, retryable: false },
        },
      };
      const error = await graphql(answer)
        .request('query { me { id } }')
        .catch((e: unknown) => e);
      expect(isGrantkitError(error, 'graphql_domain_error')).toBe(true);
      const shown = surfaces(error);
      for (const run of TOKEN.split(/[+/=]/))
        if (run.length >= 8) expect(shown, q).not.toContain(run);
    }
  });
});

describe('a credential HTTP cannot carry in a header', () => {
  it('a line break inside a First Orion key: config_invalid, and the runtime error quoting the value is not kept as the cause', async () => {
    const key = 'fo-secret-key-line1\nline2-Zq9+/=';
    const adapter = firstOrionV1({
      apiKey: 'fo-key-Ab3+/x',
      secretKey: key,
      baseUrl: 'https://fo.example',
      refresh: false,
    });
    const client = createTokenClient({
      adapter,
      fetch: async () => new Response('{}'),
      now: () => NOW,
      retry: { limit: 0 },
    });
    const error = await client.getAccessToken().catch((e: unknown) => e);
    const shown = surfaces(error);
    for (const part of key.split('\n')) expect(shown).not.toContain(part);
    expect(error).toMatchObject({ code: 'config_invalid' });
  });
});
