// Issue #11 defect 11: a wrong client secret must not log every user out. With client_secret_basic a
// server answers 401 `invalid_client` to the refresh (RFC 6749 §5.2); that is the operator's problem:
// the edge answers 5xx `client_rejected`, keeps the session cookie and reports a ClientRejectedError
// to `onError`; once the right secret is back, the same cookie works again.
import { ClientRejectedError, isGrantkitError, oauth2 } from '@grantkit/core';
import { createAuthHandler } from '@grantkit/edge';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AS,
  CANARY,
  IDS,
  REDIRECT,
  browser,
  canaryEmulator,
  captureConsole,
  Collector,
} from './harness';

const SESSION = '__Host-grantkit';
const WRONG_SECRET = 'CANARY-secret-oauth2-rotated+/=7f3a91c2e4';

let seen: Collector;
let restoreConsole: () => void;
beforeEach(() => {
  seen = new Collector();
  restoreConsole = captureConsole(seen);
});
afterEach(() => restoreConsole());

type Canary = ReturnType<typeof canaryEmulator>;

/** An edge handler on the generic adapter (client_secret_basic), the same cookie key, `clientSecret` as given. */
function edge(c: Canary, clientSecret: string, errors: unknown[]) {
  const adapter = oauth2({
    clientId: IDS.oauth2,
    clientSecret,
    tokenEndpoint: `${AS}/oauth2/token`,
    authorizationEndpoint: `${AS}/oauth2/authorize`,
    redirectUri: REDIRECT,
  });
  return createAuthHandler({
    adapter,
    secret: CANARY.cookieKey,
    fetch: c.fetch,
    retry: { limit: 0 },
    proxy: { '/api/userinfo': `${AS}/oauth2/userinfo` },
    onError: (error) => {
      errors.push(error);
      seen.error('onError', error);
    },
  });
}

/** Set-Cookie lines of a response that clear the session cookie. */
const cleared = (response: Response) =>
  response.headers
    .getSetCookie()
    .filter(
      (line) =>
        line.startsWith(`${SESSION}=`) &&
        (/max-age=0/i.test(line) || line.startsWith(`${SESSION}=;`)),
    );

describe('a wrong client secret (invalid_client on refresh) keeps every session', () => {
  it('POST /auth/refresh and a proxied request answer 502 client_rejected; the cookie stays and works with the right secret', async () => {
    const c = canaryEmulator();
    const errors: unknown[] = [];
    const good = edge(c, CANARY.oauth2Secret, errors);
    const wrong = edge(c, WRONG_SECRET, errors);

    // Log in with the right secret.
    const b = browser(good, seen);
    const login = await b.call('/auth/login?returnTo=/home');
    const back = await c.fetch(login.location!, { redirect: 'manual' });
    const target = new URL(back.headers.get('location')!);
    expect((await b.call(`${target.pathname}${target.search}`)).location).toBe('/home');
    const session = b.jar.get(SESSION);
    expect(session).toEqual(expect.any(String));
    expect((await b.call('/api/userinfo', { headers: b.same })).status).toBe(200);

    // The deployment now holds a wrong secret (a botched rotation): same cookie key, same browser.
    const w = browser(wrong, seen);
    for (const [name, value] of b.jar) w.jar.set(name, value);
    c.emu.clearRequests();
    const refreshed = await w.post('/auth/refresh');
    expect(refreshed.status).toBeGreaterThanOrEqual(500);
    expect(refreshed.json()).toMatchObject({ error: 'client_rejected' });
    expect(cleared(refreshed.response)).toEqual([]);
    expect(w.jar.get(SESSION)).toBe(session);
    expect(c.emu.count({ path: '/oauth2/token', grant: 'refresh_token', status: 401 })).toBe(1);

    // A proxied request whose access token the vendor no longer accepts: one refresh, refused the same way.
    c.emu.revokeAccessTokens();
    const proxied = await w.call('/api/userinfo', { headers: w.same });
    expect(proxied.status).toBeGreaterThanOrEqual(500);
    expect(proxied.json()).toMatchObject({ error: 'client_rejected' });
    expect(cleared(proxied.response)).toEqual([]);
    expect(w.jar.get(SESSION)).toBe(session);

    // onError got the typed error, twice; none of them is a consent or re-authorization signal.
    expect(errors.length).toBeGreaterThanOrEqual(2);
    for (const error of errors) {
      expect(error).toBeInstanceOf(ClientRejectedError);
      expect(isGrantkitError(error, 'client_rejected')).toBe(true);
      expect(error).toMatchObject({ status: 401, error: 'invalid_client' });
      expect(
        isGrantkitError(error, 'reauthorization_required') ||
          isGrantkitError(error, 'consent_required') ||
          isGrantkitError(error, 'oauth_error'),
      ).toBe(false);
    }

    // The right secret again: the very same cookie renews and reaches the API.
    const again = browser(good, seen);
    for (const [name, value] of w.jar) again.jar.set(name, value);
    c.emu.clearRequests();
    const ok = await again.call('/api/userinfo', { headers: again.same });
    expect(ok.status).toBe(200);
    expect(c.emu.count({ path: '/oauth2/token', grant: 'refresh_token', status: 200 })).toBe(1);
    expect((await again.post('/auth/refresh')).status).toBe(200);
    expect((await again.call('/auth/session')).json()).toMatchObject({ authenticated: true });

    // Nothing secret reached the browser, the logs or the errors.
    seen.expectClean([...c.issued, WRONG_SECRET]);
  });
});
