// `npm start`: the React demo's server (scripts/start.mjs calls startDemo() below). The SPA,
// one @grantkit/edge handler per vendor (First Dollar: /auth + the GraphQL proxy /api/graphql;
// Orange Logic: /ol/auth + /ol/api/echo) on 127.0.0.1:PORT, the sequence panel's token-free hop
// list (/demo/flow, see flow.mjs), and — unless FD_APP_ID / FD_CLIENT_ID / FD_CLIENT_SECRET are set
// — the core emulator playing both vendors (consent pages included) on a second loopback port.
//
// It imports the *built* packages (their package.json `exports` → dist/), as an app would.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import {
  eventTelemetry,
  firstDollarApp,
  firstDollarGraphQLEndpoint,
  orangeLogic,
} from '@grantkit/core';
import { createVendorEmulator, TEST_CREDENTIALS } from '@grantkit/core/testing';
import { listenEmulator } from '@grantkit/core/testing/node';
import { createAuthHandler, CSRF_HEADER, memorySessionStore } from '@grantkit/edge';
import { buildApp } from './build.mjs';
import { createFlowLog } from './flow.mjs';

const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>grantkit React demo</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1d2433; background: #f6f8fa; }
  .layout { display: grid; grid-template-columns: minmax(20rem, 1fr) minmax(26rem, 1.4fr); gap: 0 2rem; max-width: 78rem; margin: 0 auto; padding: 1.5rem; }
  .layout > header { grid-column: 1 / -1; }
  main { background: #fff; border: 1px solid #d0d7de; border-radius: .6rem; padding: .5rem 1.25rem 1.25rem; align-self: start; }
  h1 { margin: 0 0 .5rem; font-size: 1.5rem; }
  nav { display: flex; gap: .5rem; margin: .5rem 0; }
  nav a { padding: .3rem .8rem; border-radius: 1rem; border: 1px solid #8a94a6; color: inherit; text-decoration: none; }
  nav a[aria-current="page"] { background: #1d2433; color: #fff; border-color: #1d2433; }
  .note { color: #57606a; font-size: .9rem; }
  button { font: inherit; padding: .35rem .8rem; border-radius: .4rem; border: 1px solid #8a94a6; background: #fff; cursor: pointer; margin: .15rem 0; }
  button.primary { background: #1f6feb; color: #fff; border-color: #1f6feb; }
  .controls { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
  .confirm { background: #fff8e5; border: 1px solid #d29922; border-radius: .4rem; padding: .3rem .6rem; }
  .hint { color: #57606a; font-size: .9rem; }
  [role="alert"] { border-left: 4px solid #cf222e; background: #ffebe9; padding: .5rem .75rem; border-radius: .3rem; }
  #consent-required { border: 2px solid #d29922; border-radius: .5rem; padding: 0 1rem 1rem; background: #fff8e5; }
  output { font-weight: bold; }
  #flow { background: #fff; border: 1px solid #d0d7de; border-radius: .6rem; padding: .5rem 1rem 1rem; }
  #flow h2 { margin: .25rem 0; font-size: 1.15rem; }
  .lanes, .hops { display: grid; grid-template-columns: repeat(3, 1fr); }
  .lanes span { text-align: center; font-weight: 600; font-size: .85rem; border-bottom: 3px solid #1d2433; padding: .25rem; }
  .hops { list-style: none; margin: 0; padding: 0; background: linear-gradient(90deg, transparent calc(16.66% - 1px), #d0d7de calc(16.66% - 1px) calc(16.66% + 1px), transparent calc(16.66% + 1px) calc(50% - 1px), #d0d7de calc(50% - 1px) calc(50% + 1px), transparent calc(50% + 1px) calc(83.33% - 1px), #d0d7de calc(83.33% - 1px) calc(83.33% + 1px), transparent calc(83.33% + 1px)); }
  .hop { position: relative; margin: .35rem 16.66%; padding: 0 .3rem .15rem; border-bottom: 2px solid #1f6feb; font-size: .8rem; }
  .hop[style*="1 / 3"], .hop[style*="2 / 4"] { margin: .35rem 25%; }
  .hop.rightward::after { content: '▶'; position: absolute; right: -.45rem; bottom: -.62rem; color: #1f6feb; font-size: .75rem; }
  .hop.leftward::before { content: '◀'; position: absolute; left: -.45rem; bottom: -.62rem; color: #1f6feb; font-size: .75rem; }
  .hop.leftward { border-bottom-style: dashed; }
  .hop.failed { border-bottom-color: #cf222e; }
  .hop.failed::after, .hop.failed::before { color: #cf222e; }
  .hop[data-kind="refresh"] { border-bottom-color: #8250df; }
  .hop[data-kind="refresh"]::after, .hop[data-kind="refresh"]::before { color: #8250df; }
  .hop.note-hop { margin: .4rem 0; border: 1px dashed #d29922; background: #fff8e5; border-radius: .3rem; padding: .2rem .5rem; }
  .hop .label { display: block; }
  .hop .n { display: inline-block; min-width: 1.4rem; color: #57606a; }
  .hop .tag { background: #8250df; color: #fff; border-radius: .3rem; padding: 0 .3rem; margin-right: .3rem; font-weight: 600; }
  .hop .kept { display: block; color: #57606a; }
  .hop .times { color: #57606a; }
  @media (max-width: 60rem) { .layout { grid-template-columns: 1fr; } #flow { margin-top: 1rem; } }
</style>
</head>
<body><div id="root"></div><script type="module" src="/app.js"></script></body>
</html>`;

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const json = (status, body) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  });

/** Node's http server in front of a Web-standard `(Request) => Response` handler. */
function serve(handler, { port, host }) {
  const server = createServer(async (req, res) => {
    try {
      const headers = new Headers();
      for (let i = 0; i < req.rawHeaders.length; i += 2)
        headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
      // The body is streamed, never buffered here: the edge reads what it accepts (1 MiB at most,
      // then 413) and the rest is never held in memory.
      const streamed = req.method !== 'GET' && req.method !== 'HEAD';
      const request = new Request(new URL(req.url ?? '/', `http://${req.headers.host ?? host}`), {
        method: req.method,
        headers,
        ...(streamed && { body: Readable.toWeb(req), duplex: 'half' }),
      });
      const response = await handler(request);
      const cookies = response.headers.getSetCookie();
      response.headers.forEach(
        (value, name) => name !== 'set-cookie' && res.setHeader(name, value),
      );
      if (cookies.length) res.setHeader('set-cookie', cookies);
      res.statusCode = response.status;
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch (error) {
      console.error(error);
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** The two vendors the demo can show: where their edge routes and SPA page live. */
const VENDORS = {
  firstDollar: {
    name: 'First Dollar',
    basePath: '/auth',
    api: '/api/graphql',
    page: '/',
    account: '/account',
    cookie: 'grantkit',
    ttl: 3600,
  },
  orangeLogic: {
    name: 'Orange Logic',
    basePath: '/ol/auth',
    api: '/ol/api/echo',
    page: '/orange-logic',
    account: '/orange-logic/account',
    cookie: 'grantkit-ol',
    ttl: 86400,
  },
};

/** The edge's browser routes under each basePath (edgeRoutes of @grantkit/react). */
const EDGE_ROUTES = ['login', 'callback', 'exchange', 'session', 'refresh', 'logout'];

const vendorOf = (pathname) =>
  Object.keys(VENDORS).find((v) => {
    const { basePath, api } = VENDORS[v];
    return pathname === api || pathname.startsWith(`${basePath}/`);
  });

const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1f6feb"/><path d="M9 17l5 5 9-12" fill="none" stroke="#fff" stroke-width="4" stroke-linecap="round" stroke-linejoin="round"/></svg>`;

/**
 * Starts the demo. `port: 0` picks a free port. With `FD_APP_ID`, `FD_CLIENT_ID` and
 * `FD_CLIENT_SECRET` in `env` it talks to the real First Dollar sandbox instead of the emulator
 * (Orange Logic is then not offered).
 * `callback: 'spa'` makes the vendor redirect to the SPA's `/callback` page (useFirstDollarCallback
 * + `POST /auth/exchange`) instead of the edge's `GET /auth/callback`.
 *
 * @param {{ port?: number, env?: Record<string, string | undefined>, callback?: 'edge' | 'spa', onError?: (error: unknown) => void }} [options]
 */
export async function startDemo({
  port = 5173,
  env = process.env,
  callback = 'edge',
  onError,
} = {}) {
  const host = '127.0.0.1';
  const js = await buildApp();
  /** @type {Record<string, import('@grantkit/edge').AuthHandler>} */
  const auth = {};
  /** @type {import('@grantkit/core/testing').VendorEmulator | undefined} */
  let emulator;
  let flow;
  const appId = env.FD_APP_ID ?? TEST_CREDENTIALS.firstDollarApp.appId;
  const real = Boolean(env.FD_APP_ID && env.FD_CLIENT_ID && env.FD_CLIENT_SECRET);

  /** The demo's own controls (POST with the CSRF header, emulator only). */
  function control(pathname, request) {
    if (request.method !== 'POST' || !request.headers.has(CSRF_HEADER))
      return json(403, { error: 'csrf', message: 'POST with the CSRF header' });
    const vendor = new URL(request.url).searchParams.get('vendor') ?? 'firstDollar';
    if (!VENDORS[vendor] || !auth[vendor])
      return json(400, { error: 'invalid_request', message: 'Unknown vendor' });
    if (!emulator)
      return json(404, {
        error: 'not_available',
        message: 'Only the emulator can do this; revoke consent in First Dollar',
      });
    const { name, ttl } = VENDORS[vendor];
    if (pathname === '/demo/revoke-consent') {
      // What a user revoking the app at the vendor amounts to: no refresh, no current token.
      emulator.revokeConsent(
        vendor === 'firstDollar' ? appId : TEST_CREDENTIALS.orangeLogic.clientId,
      );
      emulator.revokeAccessTokens(vendor);
      flow.note(vendor, `demo control: the user revoked this app's consent at ${name}`);
      return new Response(null, { status: 204 });
    }
    // Expire: the vendor's clock moves one access-token lifetime ahead. The edge still holds the
    // token and learns it expired on its next call (401), then refreshes and retries.
    emulator.clock.advance(ttl * 1000);
    flow.note(
      vendor,
      `demo control: ${name}'s clock moved ${ttl / 3600} h ahead; the access token kept on the edge has expired (the edge finds out on its next call)`,
    );
    return new Response(null, { status: 204 });
  }

  const server = await serve(
    async (request) => {
      const { pathname } = new URL(request.url);
      const vendor = vendorOf(pathname);
      if (vendor && !auth[vendor])
        return json(404, {
          error: 'not_available',
          message: `${VENDORS[vendor].name} is offered with the emulator only`,
        });
      if (vendor) {
        const asked = flow.request(request);
        const edge = await auth[vendor](request);
        if (edge) {
          await flow.response(asked, edge);
          return edge;
        }
      }
      if (pathname === '/demo/revoke-consent' || pathname === '/demo/expire')
        return control(pathname, request);
      if (pathname === '/demo/flow') {
        const which = new URL(request.url).searchParams.get('vendor') ?? undefined;
        if (request.method === 'DELETE') {
          if (!request.headers.has(CSRF_HEADER)) return json(403, { error: 'csrf' });
          flow.clear();
          return new Response(null, { status: 204 });
        }
        return json(200, {
          vendors: Object.fromEntries(
            Object.entries(VENDORS)
              .filter(([v]) => auth[v])
              .map(([v, c]) => [v, { name: c.name, emulated: Boolean(emulator) }]),
          ),
          hops: flow.list(which),
        });
      }
      if (pathname === '/app.js')
        return new Response(js, {
          headers: {
            'content-type': 'text/javascript; charset=utf-8',
            'cache-control': 'no-store',
          },
        });
      if (pathname === '/favicon.svg' || pathname === '/favicon.ico')
        return new Response(FAVICON, {
          headers: { 'content-type': 'image/svg+xml', 'cache-control': 'max-age=86400' },
        });
      if (request.method === 'GET' && !pathname.includes('.'))
        return new Response(HTML, { headers: PAGE_HEADERS }); // SPA routes
      return new Response('Not found', { status: 404 });
    },
    { port, host },
  );
  const url = `http://${host}:${server.address().port}`;
  const redirectUri = `${url}${callback === 'spa' ? '/callback' : '/auth/callback'}`;
  const olRedirectUri = `${url}${VENDORS.orangeLogic.basePath}/callback`;

  const adapters = {};
  const upstreams = {};
  let emulatorServer;
  if (real) {
    // Register `redirectUri` for the app in First Dollar's sandbox.
    adapters.firstDollar = firstDollarApp({
      appId,
      clientId: env.FD_CLIENT_ID,
      clientSecret: env.FD_CLIENT_SECRET,
      environment: 'sandbox',
    });
    upstreams.firstDollar = firstDollarGraphQLEndpoint({ environment: 'sandbox', appId });
  } else {
    // The emulator only redirects to the redirect URI registered for the app: this server's.
    // Its clock follows real time; the "expire" control moves it ahead.
    emulator = createVendorEmulator({
      // Tests mark every credential issued, to find any that leaks (GRANTKIT_DEMO_TOKEN_PREFIX).
      ...(env.GRANTKIT_DEMO_TOKEN_PREFIX && { tokenPrefix: env.GRANTKIT_DEMO_TOKEN_PREFIX }),
      firstDollar: {
        apps: [{ ...TEST_CREDENTIALS.firstDollarApp, name: 'grantkit demo', redirectUri }],
      },
      orangeLogic: {
        consentPage: true, // Orange Logic asks the user (Allow / Deny), as First Dollar does
        clients: [
          { ...TEST_CREDENTIALS.orangeLogic, name: 'grantkit demo', redirectUri: olRedirectUri },
        ],
      },
    });
    emulatorServer = await listenEmulator(emulator, { port: 0, host });
    adapters.firstDollar = firstDollarApp({
      ...TEST_CREDENTIALS.firstDollarApp,
      apiBaseUrl: emulatorServer.url,
      consentBaseUrl: emulatorServer.url,
    });
    upstreams.firstDollar = firstDollarGraphQLEndpoint({ apiBaseUrl: emulatorServer.url, appId });
    adapters.orangeLogic = orangeLogic({
      siteUrl: emulatorServer.url,
      clientId: TEST_CREDENTIALS.orangeLogic.clientId,
      clientSecret: TEST_CREDENTIALS.orangeLogic.clientSecret,
      redirectUri: olRedirectUri,
    });
    upstreams.orangeLogic = `${emulatorServer.url}/webapi/echo`;
  }
  flow = createFlowLog({
    emulator,
    vendorOf,
    names: Object.fromEntries(Object.entries(VENDORS).map(([v, c]) => [v, c.name])),
    cookies: Object.fromEntries(Object.entries(VENDORS).map(([v, c]) => [v, c.cookie])),
    apis: Object.fromEntries(Object.entries(VENDORS).map(([v, c]) => [v, c.api])),
    // The only paths the panel shows; any other is "other request" (callers choose paths).
    routes: Object.fromEntries(
      Object.entries(VENDORS).map(([v, c]) => [
        v,
        [...EDGE_ROUTES.map((r) => `${c.basePath}/${r}`), c.api],
      ]),
    ),
    vendorPaths: {
      firstDollar: ['/v0/auth/token', '/graphql', `/app/${appId}/graphql`, `/oauth/app/${appId}`],
      orangeLogic: [
        '/oauth2/auth',
        '/webapi/security/oauth2/token_48I_v1',
        '/webapi/security/clientcredentialsauthentication/authenticate_46H_v1',
        '/webapi/echo',
      ],
    },
    pages: Object.values(VENDORS)
      .flatMap((c) => [c.page, c.account])
      .concat('/callback'),
  });
  const secret = env.SESSION_SECRET ?? randomBytes(32).toString('base64url');
  for (const vendor of Object.keys(adapters)) {
    const { basePath, api, page, cookie } = VENDORS[vendor];
    auth[vendor] = createAuthHandler({
      adapter: adapters[vendor],
      secret,
      basePath,
      // The tokens stay in this process (the cookie carries a session id): "kept on the edge".
      sessions: memorySessionStore(),
      // Plain http on 127.0.0.1: a `Secure` cookie (and so the `__Host-` prefix, which requires it)
      // is not stored over http by every browser. Behind https, leave the default (`secure: true`).
      cookie: { secure: false, name: cookie },
      proxy: { [api]: upstreams[vendor] },
      errorRedirect: page,
      defaultReturnTo: page,
      telemetry: eventTelemetry(flow.telemetry(vendor)),
      onError: (error) => {
        onError?.(error);
        if (!env.GRANTKIT_DEMO_QUIET)
          console.warn(
            `edge (${vendor}): ${error?.name ?? 'Error'} ${error?.code ?? ''} ${error?.message ?? error}`,
          );
      },
    });
  }

  return {
    url,
    emulator,
    vendor: emulatorServer?.url ?? 'https://api.dev.firstdollar.com (First Dollar sandbox)',
    hops: (vendor) => flow.list(vendor),
    async close() {
      await new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await emulatorServer?.close();
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const demo = await startDemo({ port: Number(process.env.PORT ?? 5173) });
  console.log(`grantkit React demo on ${demo.url} (vendor: ${demo.vendor})`);
  process.once('SIGINT', () => void demo.close().then(() => process.exit(0)));
}
