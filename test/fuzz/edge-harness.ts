/**
 * The edge handler in-process against the core emulator (as in test/edge/suite.mjs): requests go
 * straight to the handler, no server, so thousands of cases fit in seconds.
 */
import { expect } from 'vitest';
import { createAuthHandler, CSRF_HEADER } from '@grantkit/edge';
import { firstDollarApp, firstDollarGraphQLEndpoint, oauth2 } from '@grantkit/core';
import { createVendorEmulator, TEST_CREDENTIALS } from '@grantkit/core/testing';

export const ORIGIN = 'https://app.example';
export const VENDOR = 'https://api.dev.firstdollar.com';
export const ID_SERVER = 'https://id.example';
export const SESSION_SECRET = 'fuzz-edge-session-secret-0123456789abcdef';
export const ERROR_REDIRECT = '/error';
export const SESSION_COOKIE = '__Host-grantkit';
export const INTENT_COOKIE = '__Host-grantkit-login';
export const FD_APP = TEST_CREDENTIALS.firstDollarApp;
export const CONSENT_URL = `https://my.dev.firstdollar.com/oauth/app/${FD_APP.appId}/`;
export const SAME = {
  origin: ORIGIN,
  [CSRF_HEADER]: '1',
  'sec-fetch-site': 'same-origin',
  'content-type': 'application/json',
};

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  setCookies: string[];
}

/** Builds an emulator and two handlers: First Dollar OAuth App (no state, no PKCE) and generic OAuth 2.0 (state + PKCE). */
export function createHarness() {
  const emu = createVendorEmulator();
  const issued = new Set<string>();
  // Watch every token the vendor issues, so a test can prove none reaches the browser.
  const vendorFetch: typeof fetch = async (input, init) => {
    const response = await emu.fetch(input, init);
    if (
      response.ok &&
      /\/(v0\/auth|oauth2)\/token$/.test(
        new URL(input instanceof Request ? input.url : String(input)).pathname,
      )
    ) {
      const body = (await response.clone().json()) as Record<string, unknown>;
      for (const k of ['access_token', 'refresh_token'])
        if (typeof body[k] === 'string') issued.add(body[k]);
    }
    return response;
  };
  const common = {
    secret: SESSION_SECRET,
    fetch: vendorFetch,
    errorRedirect: ERROR_REDIRECT,
    retry: { limit: 0 },
  };
  const fd = createAuthHandler({
    ...common,
    adapter: firstDollarApp({ ...FD_APP, apiBaseUrl: VENDOR }),
    proxy: {
      '/api/graphql': firstDollarGraphQLEndpoint({ apiBaseUrl: VENDOR, appId: FD_APP.appId }),
    },
  });
  const o2 = TEST_CREDENTIALS.oauth2;
  const generic = createAuthHandler({
    ...common,
    adapter: oauth2({
      clientId: o2.clientId,
      clientSecret: o2.clientSecret,
      tokenEndpoint: `${ID_SERVER}/oauth2/token`,
      authorizationEndpoint: `${ID_SERVER}/oauth2/authorize`,
      redirectUri: o2.redirectUri,
    }),
  });
  const secrets = [FD_APP.clientSecret, o2.clientSecret, SESSION_SECRET];

  type Handler = typeof fd;
  const call = async (
    handler: Handler,
    pathAndQuery: string,
    init: {
      method?: string;
      cookie?: string;
      headers?: Record<string, string>;
      body?: string;
    } = {},
  ): Promise<Answer> => {
    const headers = new Headers(init.headers);
    if (init.cookie) headers.set('cookie', init.cookie);
    const request = new Request(`${ORIGIN}${pathAndQuery}`, {
      method: init.method ?? 'GET',
      headers,
      body: init.body ?? null,
      redirect: 'manual',
    });
    const response = await handler(request);
    if (!response) throw new Error(`fell through: ${pathAndQuery.slice(0, 80)}`);
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      text,
      setCookies: response.headers.getSetCookie(),
    };
  };

  /** Name=value pairs of Set-Cookie lines that set (not delete) a cookie. */
  const jar = (setCookies: readonly string[], into = new Map<string, string>()) => {
    for (const line of setCookies) {
      const pair = line.split(';')[0]!;
      const eq = pair.indexOf('=');
      const value = pair.slice(eq + 1);
      if (value === '' || /max-age=0\b/i.test(line)) into.delete(pair.slice(0, eq));
      else into.set(pair.slice(0, eq), value);
    }
    return into;
  };
  const cookieHeader = (cookies: Map<string, string>) =>
    [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');

  /** GET login with a raw query string; returns the intent cookies. */
  const login = async (handler: Handler, query = '') => {
    const res = await call(handler, `/auth/login${query}`);
    expect(res.status).toBe(302);
    return { res, cookies: jar(res.setCookies) };
  };

  /** The generic provider's redirect back for a login's authorization URL: `?code=…&state=…`. */
  const authorize = async (authorizationUrl: string) => {
    const back = await emu.fetch(authorizationUrl, { redirect: 'manual' });
    const location = back.headers.get('location');
    if (!location) throw new Error(`authorize answered ${back.status}`);
    return new URL(location).search;
  };

  /** A full First Dollar login: the session cookies. */
  const loggedIn = async () => {
    const { cookies } = await login(fd);
    const code = emu.issueCode('firstDollar', FD_APP.appId);
    const cb = await call(fd, `/auth/callback?code=${code}`, { cookie: cookieHeader(cookies) });
    expect(cb.status).toBe(302);
    return jar(cb.setCookies, cookies);
  };

  /** Fails if the browser-visible answer carries a secret or a vendor token. */
  const assertNoSecret = (res: Answer) => {
    const all = `${res.status}\n${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${res.text}`;
    for (const s of secrets) expect(all.includes(s), 'a secret reached the browser').toBe(false);
    // Vendor tokens: look each token-shaped piece up (scanning for every issued token grows quadratically).
    for (const piece of all.split(/[^A-Za-z0-9._~+/-]+/))
      expect(issued.has(piece), 'a vendor token reached the browser').toBe(false);
  };

  /** Fails unless a non-redirect answer is JSON `{ error: string, message: string }`. */
  const assertJsonError = (res: Answer) => {
    expect(res.headers.get('content-type') ?? '').toMatch(/^application\/json/);
    const body = JSON.parse(res.text) as { error?: unknown; message?: unknown };
    expect(typeof body.error).toBe('string');
    expect(typeof body.message).toBe('string');
  };

  return {
    emu,
    fd,
    generic,
    call,
    jar,
    cookieHeader,
    login,
    authorize,
    loggedIn,
    assertNoSecret,
    assertJsonError,
    issued,
  };
}

/**
 * Whether a Location the handler sent keeps the browser on this origin: a path that a browser
 * resolves against the page to the same origin (not `//host`, `/\host`, a scheme, or controls).
 */
export function isSameOriginPath(location: string): boolean {
  if (!location.startsWith('/') || location.startsWith('//') || location.startsWith('/\\'))
    return false;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(location)) return false;
  for (const base of [`${ORIGIN}/`, `${ORIGIN}/deep/page?q=1#h`])
    if (new URL(location, base).origin !== ORIGIN) return false;
  return true;
}
