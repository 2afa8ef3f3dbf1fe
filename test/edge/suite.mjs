// The edge handler suite: one set of checks run unchanged in Node, workerd and Deno (see
// test/runtimes). The vendor is the core emulator playing First Dollar, in the same runtime.
import { createAuthHandler, CSRF_HEADER } from '@grantkit/edge';
import { createVendorEmulator, TEST_CREDENTIALS } from '@grantkit/core/testing';
import { suiteHandlerOptions } from './config.mjs';
import { loginChecks } from './checks-login.mjs';
import { proxyChecks } from './checks-proxy.mjs';

/**
 * Builds the handler and the checks. `serve(handler, { vendorFetch })` may put the handler behind a
 * real server (or run its own copy elsewhere, reaching the vendor through `vendorFetch`) and return
 * `{ call(request), origin, close() }`; by default requests go straight to the handler.
 * `handlerOptions` are added to the suite's own (e.g. `sessions`); `serverSide` says sessions live
 * in a store, which adds the checks only a store can pass.
 */
export async function runEdgeSuite({
  serve,
  handlerOptions = {},
  serverSide = Boolean(handlerOptions.sessions),
} = {}) {
  const app = TEST_CREDENTIALS.firstDollarApp;
  const emu = createVendorEmulator();
  const issued = new Set();
  // Watch every token the vendor issues, to prove none reaches the browser.
  const vendorFetch = async (input, init) => {
    const response = await emu.fetch(input, init);
    if (
      new URL(typeof input === 'string' ? input : (input.url ?? String(input))).pathname ===
        '/v0/auth/token' &&
      response.ok
    ) {
      const body = await response.clone().json();
      if (body.access_token) issued.add(body.access_token);
      if (body.refresh_token) issued.add(body.refresh_token);
    }
    return response;
  };
  const handler = createAuthHandler({
    ...suiteHandlerOptions({ fetch: vendorFetch }),
    ...handlerOptions,
  });
  const server = serve
    ? await serve(handler, { vendorFetch })
    : {
        call: async (req) => (await handler(req)) ?? new Response('fallthrough', { status: 404 }),
        origin: 'https://app.example',
        close: async () => {},
      };
  const { origin } = server;

  const seen = []; // every response the browser would get: status, headers, body text
  const call = async (path, { method = 'GET', cookies = {}, headers = {}, body } = {}) => {
    const cookie = Object.entries(cookies)
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
    const res = await server.call(
      new Request(`${origin}${path}`, {
        method,
        body,
        redirect: 'manual',
        headers: { ...(cookie ? { cookie } : {}), ...headers },
      }),
    );
    const text = await res.text();
    seen.push(
      `${res.status} ${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${text}`,
    );
    return {
      status: res.status,
      headers: res.headers,
      text,
      json: () => JSON.parse(text),
      setCookies: res.headers.getSetCookie(),
    };
  };
  const jar = (setCookies, into = {}) => {
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      if (/max-age=0/i.test(attrs.join(';')) || pair.slice(eq + 1) === '') delete into[name];
      else into[name] = pair.slice(eq + 1);
    }
    return into;
  };
  const same = {
    origin,
    [CSRF_HEADER]: '1',
    'sec-fetch-site': 'same-origin',
    'content-type': 'application/json',
  };
  const ping = JSON.stringify({ query: 'query { ping }' });

  async function loggedIn(returnTo = '/dashboard') {
    const login = await call(`/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
    const cookies = jar(login.setCookies);
    const code = emu.issueCode('firstDollar', app.appId);
    const cb = await call(`/auth/callback?code=${code}`, { cookies });
    jar(cb.setCookies, cookies);
    return { login, cb, cookies };
  }

  const t = { call, jar, emu, app, origin, same, ping, loggedIn, serverSide, assert, issued, seen };
  const checks = defineChecks(t);

  const results = [];
  for (const [name, check] of Object.entries(checks)) {
    try {
      await check();
      results.push({ name, ok: true });
    } catch (error) {
      results.push({ name, ok: false, error: String(error?.message ?? error) });
    }
  }
  await server.close();
  return results;
}

/**
 * The checks, by name. `t` is the suite's browser (`call`, `jar`, `loggedIn`), vendor (`emu`, `app`,
 * `issued`: every token it issued), what the browser saw (`seen`) and helpers; the check groups in
 * ./checks-*.mjs get the same. Defining them apart from running them lets a test runner name each
 * check before the suite runs (see {@link edgeCheckNames}).
 */
function defineChecks(t) {
  const { call, jar, emu, app, same, ping, loggedIn, serverSide, issued, seen } = t;
  return {
    ...loginChecks(t),
    ...proxyChecks(t),
    async 'login redirects to consent with a short-lived HttpOnly, Secure, __Host- login-intent cookie'() {
      const res = await call('/auth/login?returnTo=/x');
      assert(res.status === 302, `status ${res.status}`);
      assert(
        res.headers.get('location') === `https://my.dev.firstdollar.com/oauth/app/${app.appId}/`,
        res.headers.get('location'),
      );
      const intent = res.setCookies.find((c) => c.startsWith('__Host-grantkit-login='));
      assert(
        intent &&
          /HttpOnly/.test(intent) &&
          /Secure/.test(intent) &&
          /Path=\//.test(intent) &&
          /Max-Age=600/.test(intent),
        intent,
      );
    },
    async 'callback exchanges the code, sets the session and redirects to returnTo'() {
      const { cb, cookies } = await loggedIn('/dashboard?tab=1');
      assert(
        cb.status === 302 && cb.headers.get('location') === '/dashboard?tab=1',
        `${cb.status} ${cb.headers.get('location')}`,
      );
      assert(cookies['__Host-grantkit'], 'no session cookie');
      const session = (await call('/auth/session', { cookies })).json();
      assert(
        session.authenticated === true && typeof session.expiresAt === 'number',
        JSON.stringify(session),
      );
      assert(!('accessToken' in session) && !('refreshToken' in session), 'session leaks tokens');
    },
    async 'callback without the login-intent cookie is refused'() {
      const code = emu.issueCode('firstDollar', app.appId);
      const res = await call(`/auth/callback?code=${code}`);
      assert(
        res.status === 302 && res.headers.get('location') === '/error?error=login_intent_missing',
        `${res.status} ${res.headers.get('location')}`,
      );
      assert(
        !res.setCookies.some((c) => c.startsWith('__Host-grantkit=')),
        'session set without intent',
      );
    },
    async 'returnTo=https://evil.example/ (and //evil, /\\evil) is ignored'() {
      for (const evil of ['https://evil.example/', '//evil.example/', '/\\evil.example']) {
        const { cb } = await loggedIn(evil);
        assert(cb.headers.get('location') === '/', `${evil} → ${cb.headers.get('location')}`);
      }
    },
    async 'a missing code is 400 JSON'() {
      const login = await call('/auth/login');
      const res = await call('/auth/callback', { cookies: jar(login.setCookies) });
      assert(
        res.status === 400 && res.json().error === 'invalid_request',
        `${res.status} ${res.text}`,
      );
    },
    async 'the proxy answers query { ping } with the bearer token attached server-side'() {
      const { cookies } = await loggedIn();
      const res = await call('/api/graphql', {
        method: 'POST',
        cookies,
        headers: same,
        body: ping,
      });
      assert(res.status === 200 && res.json().data.ping === 'pong', `${res.status} ${res.text}`);
      assert(!res.setCookies.length, 'no renewal, no cookie');
    },
    async 'state-changing routes and the proxy refuse requests without the CSRF header or from another origin'() {
      const { cookies } = await loggedIn();
      const noHeader = await call('/api/graphql', {
        method: 'POST',
        cookies,
        headers: { 'content-type': 'application/json' },
        body: ping,
      });
      const cross = await call('/api/graphql', {
        method: 'POST',
        cookies,
        headers: { ...same, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
        body: ping,
      });
      const logout = await call('/auth/logout', {
        method: 'POST',
        cookies,
        headers: { origin: 'https://evil.example' },
      });
      assert(
        noHeader.status === 403 && cross.status === 403 && logout.status === 403,
        `${noHeader.status} ${cross.status} ${logout.status}`,
      );
    },
    async 'a tampered or truncated session cookie is "not logged in": 401 JSON, never 500'() {
      const { cookies } = await loggedIn();
      const value = cookies['__Host-grantkit'];
      for (const bad of [value.slice(0, -5) + 'AAAAA', value.slice(0, 40), 'garbage', '']) {
        const c = { '__Host-grantkit': bad };
        const session = await call('/auth/session', { cookies: c });
        const api = await call('/api/graphql', {
          method: 'POST',
          cookies: c,
          headers: same,
          body: ping,
        });
        assert(session.status === 200 && session.json().authenticated === false, session.text);
        assert(
          api.status === 401 && api.json().error === 'unauthenticated',
          `${api.status} ${api.text}`,
        );
      }
    },
    async '100 concurrent proxied requests with an expired access token cause 1 refresh'() {
      const { cookies } = await loggedIn();
      emu.revokeAccessTokens();
      const before = emu.count({ grant: 'refresh_token' });
      const all = await Promise.all(
        Array.from({ length: 100 }, () =>
          call('/api/graphql', { method: 'POST', cookies, headers: same, body: ping }),
        ),
      );
      assert(
        all.every((r) => r.status === 200),
        all.map((r) => r.status).join(','),
      );
      assert(
        emu.count({ grant: 'refresh_token' }) - before === 1,
        `refreshes: ${emu.count({ grant: 'refresh_token' }) - before}`,
      );
      assert(
        all.every((r) => r.setCookies.some((c) => c.startsWith('__Host-grantkit='))),
        'renewed session not written back',
      );
    },
    async '100 concurrent proxied requests with a time-expired access token cause 1 refresh'() {
      emu.fault({ path: '/v0/auth/token', expiresIn: 2 }); // the code exchange issues a token past its skew margin
      const { cookies } = await loggedIn();
      const before = emu.count({ grant: 'refresh_token' });
      const all = await Promise.all(
        Array.from({ length: 100 }, () =>
          call('/api/graphql', { method: 'POST', cookies, headers: same, body: ping }),
        ),
      );
      assert(
        all.every((r) => r.status === 200),
        all.map((r) => r.status).join(','),
      );
      assert(
        emu.count({ grant: 'refresh_token' }) - before === 1,
        `refreshes: ${emu.count({ grant: 'refresh_token' }) - before}`,
      );
    },
    async 'a request still carrying the pre-renewal session after a renewal uses the renewed token: no second refresh'() {
      const { cookies } = await loggedIn();
      const stale = { ...cookies };
      emu.revokeAccessTokens();
      const before = emu.count({ grant: 'refresh_token' });
      const first = await call('/api/graphql', {
        method: 'POST',
        cookies,
        headers: same,
        body: ping,
      });
      const late = await call('/api/graphql', {
        method: 'POST',
        cookies: stale,
        headers: same,
        body: ping,
      });
      assert(
        first.status === 200 && late.status === 200,
        `${first.status} ${late.status} ${late.text}`,
      );
      assert(
        emu.count({ grant: 'refresh_token' }) - before === 1,
        `refreshes: ${emu.count({ grant: 'refresh_token' }) - before}`,
      );
    },
    async 'POST refresh renews and rewrites the cookie; revoked consent → 401 consent_required and the session is cleared'() {
      const { cookies } = await loggedIn();
      const refreshed = await call('/auth/refresh', { method: 'POST', cookies, headers: same });
      assert(refreshed.status === 200 && refreshed.json().authenticated, refreshed.text);
      jar(refreshed.setCookies, cookies);
      emu.revokeConsent(app.appId);
      emu.revokeAccessTokens();
      const res = await call('/api/graphql', {
        method: 'POST',
        cookies,
        headers: same,
        body: ping,
      });
      assert(
        res.status === 401 && res.json().error === 'consent_required',
        `${res.status} ${res.text}`,
      );
      assert(
        res.setCookies.some((c) => c.startsWith('__Host-grantkit=;')),
        'session not cleared',
      );
      emu.grantConsent(app.appId);
    },
    async 'a revoked consent at the callback sends the user back to consent'() {
      const login = await call('/auth/login');
      const code = emu.issueCode('firstDollar', app.appId);
      emu.revokeConsent(app.appId);
      const res = await call(`/auth/callback?code=${code}`, { cookies: jar(login.setCookies) });
      emu.grantConsent(app.appId);
      assert(
        res.status === 302 &&
          res.headers.get('location') === `https://my.dev.firstdollar.com/oauth/app/${app.appId}/`,
        `${res.status} ${res.headers.get('location')}`,
      );
      assert(
        res.setCookies.some((c) => c.startsWith('__Host-grantkit-login=') && !/Max-Age=0/.test(c)),
        'no fresh intent',
      );
    },
    async 'POST exchange (SPA callback) checks the intent and answers JSON'() {
      const login = await call('/auth/login?returnTo=/spa');
      const cookies = jar(login.setCookies);
      const code = emu.issueCode('firstDollar', app.appId);
      const noCsrf = await call('/auth/exchange', {
        method: 'POST',
        cookies,
        body: JSON.stringify({ code }),
      });
      const ok = await call('/auth/exchange', {
        method: 'POST',
        cookies,
        headers: same,
        body: JSON.stringify({ code }),
      });
      assert(noCsrf.status === 403, `csrf ${noCsrf.status}`);
      assert(
        ok.status === 200 && ok.json().authenticated && ok.json().returnTo === '/spa',
        ok.text,
      );
      const replay = await call('/auth/exchange', {
        method: 'POST',
        headers: same,
        body: JSON.stringify({ code }),
      });
      assert(replay.status === 403 && replay.json().error === 'login_intent_missing', replay.text);
      const bad = await call('/auth/exchange', {
        method: 'POST',
        cookies,
        headers: same,
        body: '{',
      });
      assert(bad.status === 400, `bad json ${bad.status}`);
    },
    async 'logout clears the session'() {
      const { cookies } = await loggedIn();
      const res = await call('/auth/logout', { method: 'POST', cookies, headers: same });
      jar(res.setCookies, cookies);
      assert(
        res.status === 200 && !cookies['__Host-grantkit'],
        `${res.status} ${JSON.stringify(cookies)}`,
      );
      assert(
        (await call('/auth/session', { cookies })).json().authenticated === false,
        'still logged in',
      );
    },
    ...(serverSide && {
      async 'server-side sessions: the cookie holds no token, and a cookie replayed after logout is not logged in'() {
        const { cookies } = await loggedIn();
        const session = cookies['__Host-grantkit'];
        assert(
          session.length < 400 && !cookies['__Host-grantkit.1'],
          `cookie of ${session.length} bytes`,
        );
        const res = await call('/auth/logout', { method: 'POST', cookies, headers: same });
        assert(res.status === 200, res.text);
        const replay = await call('/api/graphql', {
          method: 'POST',
          cookies: { '__Host-grantkit': session },
          headers: same,
          body: ping,
        });
        assert(
          replay.status === 401 && replay.json().error === 'unauthenticated',
          `${replay.status} ${replay.text}`,
        );
      },
      async 'server-side sessions: a renewal that finishes after logout does not bring the session back'() {
        const { cookies } = await loggedIn();
        const session = cookies['__Host-grantkit'];
        emu.fault({ path: '/v0/auth/token', latencyMs: 400 }); // the vendor is slow to answer this refresh
        const refreshing = call('/auth/refresh', { method: 'POST', cookies, headers: same });
        await new Promise((resolve) => setTimeout(resolve, 100));
        const out = await call('/auth/logout', { method: 'POST', cookies, headers: same });
        assert(out.status === 200, out.text);
        await refreshing;
        const replay = await call('/auth/session', { cookies: { '__Host-grantkit': session } });
        assert(replay.json().authenticated === false, `session back after logout: ${replay.text}`);
      },
    }),
    async 'oversized headers are 431, wrong methods 405, unknown paths fall through'() {
      const big = await call('/auth/session', { headers: { 'x-big': 'a'.repeat(9000) } });
      const method = await call('/auth/logout');
      const other = await call('/not-ours');
      assert(
        big.status === 431 &&
          method.status === 405 &&
          other.status === 404 &&
          other.text === 'fallthrough',
        `${big.status} ${method.status} ${other.status}`,
      );
    },
    async 'no client secret, access token or refresh token ever reaches the browser in clear'() {
      const everything = seen.join('\n');
      assert(issued.size > 10, `only ${issued.size} tokens seen`);
      assert(!everything.includes(app.clientSecret), 'client secret leaked');
      for (const token of issued) assert(!everything.includes(token), 'a vendor token leaked');
    },
  };
}

/**
 * The names of the checks `runEdgeSuite` runs with these options, without running them: each
 * runtime's test file makes one named test per check.
 */
export function edgeCheckNames({ serverSide = false } = {}) {
  const unused = () => {
    throw new Error('edgeCheckNames only lists checks');
  };
  return Object.keys(
    defineChecks({
      call: unused,
      jar: unused,
      emu: {},
      app: {},
      origin: '',
      same: {},
      ping: '',
      loggedIn: unused,
      serverSide,
      assert,
      issued: new Set(),
      seen: [],
    }),
  );
}

function assert(condition, detail) {
  if (!condition) throw new Error(String(detail ?? 'assertion failed'));
}
