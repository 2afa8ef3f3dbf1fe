/**
 * Issue #11 (defect 5): random secrets (with `+`, `/`, `=`, spaces, quotes, backslashes and
 * non-ASCII), refresh tokens and codes, echoed back by the vendor in every encoding a server may
 * quote them in (raw, form- and URL-encoded in either hex case, JSON-escaped, `\/`, `\uXXXX`,
 * JSON-escaped twice, the bare base64 Basic credential, the whole body, the request's headers), in
 * `error_description`, `error`, a text body, an object key or a response header, under any error
 * status. Property: a typed error, and nothing of any credential in any of its surfaces (message,
 * errorDescription, String, toJSON, JSON.stringify, util.inspect with hidden fields, stack).
 */
import { inspect } from 'node:util';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createTokenClient,
  firstDollarApp,
  firstDollarPartner,
  firstOrionOAuth,
  firstOrionV1,
  oauth2,
  orangeLogic,
  type Adapter,
  type TokenSet,
} from '@grantkit/core';
import { findLeaks, needlesFor } from '../security/canary-scan';
import { assertTypedAndClean, counted, params, timeout } from './support';

const NOW = Date.UTC(2030, 0, 1);

/** Secrets like `openssl rand -base64 32`, with the characters encodings change mixed in. */
const secretChar = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'),
  },
  { weight: 3, arbitrary: fc.constantFrom('+', '/', '=') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      ' ',
      '"',
      '\\',
      '%',
      '&',
      ':',
      '\u00e9',
      '\u20ac',
      '\ud83d\ude00',
      '\u00fc',
      '<',
      "'",
    ),
  },
);
const secret = fc.string({ unit: secretChar, minLength: 12, maxLength: 48 });
/** What an HTTP header can carry (Latin-1 only; fetch refuses the rest before sending). */
const headerSafe = fc
  .string({
    unit: fc.oneof(
      {
        weight: 8,
        arbitrary: fc.constantFrom(
          ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
        ),
      },
      fc.constantFrom('+', '/', '=', ' ', '"', '%', ':'),
    ),
    minLength: 12,
    maxLength: 48,
  })
  .filter((s) => s.trim() === s);

type Flow =
  | 'oauth2-basic'
  | 'oauth2-post'
  | 'orange-json'
  | 'orange-form'
  | 'fd-app'
  | 'fd-partner'
  | 'fo-v2'
  | 'fo-v1';
const FLOWS: Flow[] = [
  'oauth2-basic',
  'oauth2-post',
  'orange-json',
  'orange-form',
  'fd-app',
  'fd-partner',
  'fo-v2',
  'fo-v1',
];

function adapterFor(flow: Flow, s: string): Adapter {
  const endpoints = {
    tokenEndpoint: 'https://id.example/token',
    revocationEndpoint: 'https://id.example/revoke',
    redirectUri: 'https://app.example/cb',
  };
  switch (flow) {
    case 'oauth2-basic':
      return oauth2({ clientId: 'fz-client', clientSecret: s, ...endpoints });
    case 'oauth2-post':
      return oauth2({
        clientId: 'fz-client',
        clientSecret: s,
        clientAuth: 'client_secret_post',
        ...endpoints,
      });
    case 'orange-json':
    case 'orange-form':
      return orangeLogic({
        siteUrl: 'https://tenant.example',
        clientId: 'fz-ol',
        clientSecret: s,
        redirectUri: 'https://app.example/cb',
        bodyFormat: flow === 'orange-json' ? 'json' : 'form',
      });
    case 'fd-app':
      return firstDollarApp({
        appId: 'app_FZ',
        clientId: 'fz-app',
        clientSecret: s,
        apiBaseUrl: 'https://fd.example',
        refreshWithClientCredentials: true,
      });
    case 'fd-partner':
      return firstDollarPartner({
        clientId: 'fz-partner',
        clientSecret: s,
        apiBaseUrl: 'https://fd.example',
        bodyFormat: 'form',
      });
    case 'fo-v2':
      return firstOrionOAuth({
        apiKey: 'fz-key-Ab3+/x',
        secretKey: s,
        baseUrl: 'https://fo.example',
      });
    case 'fo-v1':
      return firstOrionV1({
        apiKey: 'fz-key-Ab3+/x',
        secretKey: s,
        baseUrl: 'https://fo.example',
        refresh: 'header',
      });
  }
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const json = (text: string) => JSON.stringify(text).slice(1, -1);
const ascii = (text: string, upper: boolean) =>
  text.replace(
    /[\u007f-\uffff]/g,
    (c) =>
      `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')[upper ? 'toUpperCase' : 'toLowerCase']()}`,
  );

/** Every encoding of one value a server may quote. */
const ENCODINGS: Record<string, (v: string) => string> = {
  raw: (v) => v,
  form: (v) => new URLSearchParams([['', v]]).toString().slice(1),
  uri: encodeURIComponent,
  uriLower: (v) => encodeURIComponent(v).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
  formLower: (v) =>
    new URLSearchParams([['', v]])
      .toString()
      .slice(1)
      .replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
  json,
  jsonSlash: (v) => json(v).replace(/\//g, '\\/'),
  jsonAscii: (v) => ascii(json(v), false),
  jsonAsciiUpper: (v) => ascii(json(v), true),
  jsonTwice: (v) => json(json(v)),
};

/** What of the request the vendor quotes. */
type Quote =
  | { what: 'value'; which: 'secret' | 'refresh' | 'code'; encoding: string }
  | { what: 'body' | 'basic' | 'headers' | 'body-json-escaped' };
const quote: fc.Arbitrary<Quote> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      what: fc.constant('value' as const),
      which: fc.constantFrom('secret' as const, 'refresh' as const, 'code' as const),
      encoding: fc.constantFrom(...Object.keys(ENCODINGS)),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      what: fc.constantFrom(
        'body' as const,
        'basic' as const,
        'headers' as const,
        'body-json-escaped' as const,
      ),
    }),
  },
);

/** Where in the answer the quote goes. */
const place = fc.constantFrom('description', 'error', 'text', 'key', 'header', 'nested');
const status = fc.constantFrom(400, 401, 403, 404, 409, 500, 502, 503);

async function quoted(
  q: Quote,
  request: Request,
  values: { secret: string; refresh: string; code: string },
): Promise<string> {
  const body = await request.text();
  switch (q.what) {
    case 'value': {
      // A vendor can only quote what it was sent: a value this request did not carry is not quoted.
      const basic = (request.headers.get('authorization') ?? '').replace(/^Basic /, '');
      const carried = `${body} ${[...request.headers.values()].join(' ')} ${Buffer.from(basic, 'base64').toString('utf8')}`;
      const value = values[q.which];
      return Object.values(ENCODINGS).some((encode) => carried.includes(encode(value)))
        ? ENCODINGS[q.encoding]!(value)
        : '';
    }
    case 'body':
      return body;
    case 'body-json-escaped':
      return json(body);
    case 'basic':
      return (request.headers.get('authorization') ?? '').replace(/^Basic /, '');
    case 'headers':
      return new URLSearchParams([...request.headers]).toString();
  }
}

function answer(where: string, text: string, code: number): Response {
  const headers = new Headers({ 'content-type': 'application/json' });
  let body: unknown = { error: 'invalid_request', error_description: `refused: ${text}` };
  if (where === 'error') body = { error: text };
  if (where === 'key')
    body = { error: 'invalid_request', error_description: 'see fields', fields: { [text]: 'bad' } };
  if (where === 'nested')
    body = { error: 'server_error', error_description: JSON.stringify({ got: text }) };
  if (where === 'header') {
    // A header can only carry Latin-1: quote it percent-encoded when it cannot.
    const value = /^[\x20-\x7e]*$/.test(text) ? text : encodeURIComponent(text);
    headers.set('x-forp-meta-request-id', `req ${value}`);
    headers.set('www-authenticate', `Basic error_description="${value}"`);
  }
  if (where === 'text')
    return new Response(`<html>${text}</html>`, {
      status: code,
      headers: { 'content-type': 'text/html' },
    });
  return new Response(JSON.stringify(body), { status: code, headers });
}

function surfaces(error: unknown): string {
  const e = error as Error & {
    errorDescription?: string;
    requestId?: string;
    toJSON?: () => unknown;
  };
  return [
    e.message,
    e.errorDescription ?? '',
    e.requestId ?? '',
    String(e),
    JSON.stringify(e.toJSON?.()),
    JSON.stringify(e),
    inspect(e, { depth: 8, showHidden: true }),
    e.stack ?? '',
  ].join('\n');
}

afterAll(() => console.info('fuzz cases:', Object.fromEntries(counted)));

describe('a vendor quoting the credentials back in every encoding', () => {
  it(
    'never shows a secret, refresh token or code in any error surface',
    async () => {
      let quotes = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            flow: fc.constantFrom(...FLOWS),
            secret,
            headerSecret: headerSafe,
            refresh: headerSafe,
            code: secret,
            quote,
            place,
            status,
            op: fc.constantFrom('renew' as const, 'exchange' as const, 'revoke' as const),
          }),
          async ({
            flow,
            secret: s0,
            headerSecret,
            refresh,
            code,
            quote: q,
            place: where,
            status: code0,
            op,
          }) => {
            // First Orion v1 sends its secret in a header: Latin-1 only.
            const s = flow === 'fo-v1' ? headerSecret : s0;
            const adapter = adapterFor(flow, s);
            const values = { secret: s, refresh, code };
            const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
              const text = await quoted(q, new Request(input, init), values);
              if (text.length >= 6) quotes++;
              return answer(where, text, code0);
            };
            const client = createTokenClient({
              adapter,
              fetch,
              now: () => NOW,
              retry: { limit: 0 },
            });
            const held: TokenSet = {
              accessToken: 'fz-access-Qp7+Lm/3',
              tokenType: 'Bearer',
              expiresAt: op === 'revoke' ? NOW + 3_600_000 : NOW - 1,
              refreshToken: refresh,
            };
            let error: unknown;
            const canExchange = 'authorizationUrl' in adapter;
            try {
              if (op === 'exchange' && canExchange) await client.exchangeCode(code);
              else if (op === 'revoke') {
                await client.setTokenSet(held);
                error = (await client.revoke()).error;
              } else {
                await client.setTokenSet(held);
                await client.refresh();
              }
            } catch (e) {
              error = e;
            }
            if (error === undefined) return; // no revocation endpoint: nothing was sent
            assertTypedAndClean(error, [s, refresh, code, 'fz-access-Qp7+Lm/3']);
            const needles = [
              ...needlesFor('secret', s),
              ...needlesFor('refresh token', refresh),
              ...needlesFor('code', code),
              ...needlesFor('access token', 'fz-access-Qp7+Lm/3'),
            ];
            expect(findLeaks(surfaces(error), needles)).toEqual([]);
            for (const value of [s, refresh, code])
              for (const encode of Object.values(ENCODINGS))
                expect(surfaces(error).includes(encode(value))).toBe(false);
          },
        ),
        params('encoded secrets', 1000),
      );
      expect(
        quotes,
        'the vendor never quoted anything: the property was not exercised',
      ).toBeGreaterThan(100);
    },
    timeout,
  );
});
