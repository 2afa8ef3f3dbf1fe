// A real edge for the React tests: `createAuthHandler` of @grantkit/edge in front of the core
// emulator playing First Dollar, reached through a fake `fetch` that keeps a cookie jar the way a
// browser would. Every request the React package makes is recorded.
import './server-fetch-classes';
import { firstDollarApp, firstDollarGraphQLEndpoint, orangeLogic } from '@grantkit/core';
import { createVendorEmulator, TEST_CREDENTIALS } from '@grantkit/core/testing';
import { createAuthHandler } from '@grantkit/edge';

const VENDOR = 'https://api.dev.firstdollar.com';
const OL_SITE = 'https://acme.orangelogic.com';
export const ORIGIN = 'http://127.0.0.1:3000';
export const app = TEST_CREDENTIALS.firstDollarApp;

/** The edge in front of First Dollar (GraphQL at `/api/graphql`), or of Orange Logic (`/api/echo`). */
export function createEdge(vendor: 'firstDollar' | 'orangeLogic' = 'firstDollar') {
  const emulator = createVendorEmulator();
  const handler = createAuthHandler({
    adapter:
      vendor === 'orangeLogic'
        ? orangeLogic({ ...TEST_CREDENTIALS.orangeLogic, siteUrl: OL_SITE })
        : firstDollarApp({ ...app, apiBaseUrl: VENDOR }),
    secret: 'react-tests-session-secret-0123456789abcdef',
    fetch: (input, init) => emulator.fetch(input, init),
    // Plain-http test origin: no `Secure`, no `__Host-` prefix.
    cookie: { secure: false },
    proxy:
      vendor === 'orangeLogic'
        ? { '/api/echo': `${OL_SITE}/webapi/echo` }
        : { '/api/graphql': firstDollarGraphQLEndpoint({ apiBaseUrl: VENDOR, appId: app.appId }) },
  });
  const jar = new Map<string, string>();
  /** `METHOD /path` of every request, in order. */
  const requests: string[] = [];
  let down = false;

  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input), ORIGIN);
    const method = init.method ?? 'GET';
    requests.push(`${method} ${url.pathname}`);
    if (down) return new Response('upstream down', { status: 502 });
    const headers = new Headers(init.headers);
    if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const response =
      (await handler(new Request(url, { method, headers, body: init.body ?? null }))) ??
      new Response('not found', { status: 404 });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (value === '' || /max-age=0/i.test(attrs.join(';'))) jar.delete(name);
      else jar.set(name, value);
    }
    return response;
  };

  return {
    emulator,
    fetch: fetch as typeof globalThis.fetch,
    jar,
    requests,
    /** Makes every request fail with a 502 (or back). */
    setDown(value: boolean) {
      down = value;
    },
    /** What a browser does after `login()`: follow `/auth/login` (intent cookie), consent, get a code. */
    async consent(loginUrl: string): Promise<string> {
      const response = await fetch(loginUrl);
      if (response.status !== 302) throw new Error(`login answered ${response.status}`);
      emulator.grantConsent(app.appId); // what clicking Allow on the consent page does
      return emulator.issueCode('firstDollar', app.appId);
    },
    /** Orange Logic: follows `/auth/login` to the vendor, whose authorize page consents at once; the callback URL (path, `code` and `state`). */
    async authorize(loginUrl: string): Promise<string> {
      const login = await fetch(loginUrl);
      const back = await emulator.fetch(login.headers.get('location')!);
      const url = new URL(back.headers.get('location')!);
      return url.pathname + url.search;
    },
    /** A logged-in jar through the edge's own `GET callback`. */
    async loggedIn(): Promise<void> {
      const code = await this.consent('/auth/login?returnTo=/');
      const response = await fetch(`/auth/callback?code=${code}`);
      if (response.status !== 302 || !jar.has('grantkit'))
        throw new Error(`callback answered ${response.status}`);
    },
  };
}

export type Edge = ReturnType<typeof createEdge>;
