// The React demo's server: the SPA, the @grantkit/edge handler (auth routes + GraphQL proxy) on
// 127.0.0.1:PORT, and — unless FD_APP_ID / FD_CLIENT_ID / FD_CLIENT_SECRET are set — the core
// emulator playing First Dollar (consent page included) on a second loopback port.
//
//   node examples/react-spa/server.mjs        (after `npm run build`; or just `npm start`)
//
// It imports the *built* packages (their package.json `exports` → dist/), as an app would.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { firstDollarApp, firstDollarGraphQLEndpoint } from '@grantkit/core';
import { createVendorEmulator, TEST_CREDENTIALS } from '@grantkit/core/testing';
import { listenEmulator } from '@grantkit/core/testing/node';
import { createAuthHandler, CSRF_HEADER } from '@grantkit/edge';
import { buildApp } from './build.mjs';

const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>grantkit React demo</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; color: #1d2433; }
  button { font: inherit; padding: .4rem .9rem; border-radius: .4rem; border: 1px solid #8a94a6; background: #fff; cursor: pointer; }
  #login, #consent { background: #1f6feb; color: #fff; border-color: #1f6feb; }
  #consent-required { border: 2px solid #d29922; border-radius: .5rem; padding: 0 1rem 1rem; background: #fff8e5; }
  output { font-weight: bold; }
</style>
</head>
<body><div id="root"></div><script type="module" src="/app.js"></script></body>
</html>`;

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
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
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      const headers = new Headers();
      for (let i = 0; i < req.rawHeaders.length; i += 2)
        headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
      const body = chunks.length ? Buffer.concat(chunks) : undefined;
      const request = new Request(new URL(req.url ?? '/', `http://${req.headers.host ?? host}`), {
        method: req.method,
        headers,
        body,
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

/**
 * Starts the demo. `port: 0` picks a free port. With `FD_APP_ID`, `FD_CLIENT_ID` and
 * `FD_CLIENT_SECRET` in `env` it talks to the real First Dollar sandbox instead of the emulator.
 * `callback: 'spa'` makes the vendor redirect to the SPA's `/callback` page (useFirstDollarCallback
 * + `POST /auth/exchange`) instead of the edge's `GET /auth/callback`.
 *
 * @param {{ port?: number, env?: Record<string, string | undefined>, callback?: 'edge' | 'spa' }} [options]
 */
export async function startDemo({ port = 5173, env = process.env, callback = 'edge' } = {}) {
  const host = '127.0.0.1';
  const js = await buildApp();
  /** @type {import('@grantkit/edge').AuthHandler | undefined} */
  let auth;
  /** @type {import('@grantkit/core/testing').VendorEmulator | undefined} */
  let emulator;
  const appId = env.FD_APP_ID ?? TEST_CREDENTIALS.firstDollarApp.appId;

  const server = await serve(
    async (request) => {
      const edge = auth && (await auth(request));
      if (edge) return edge;
      const { pathname } = new URL(request.url);
      if (pathname === '/demo/revoke-consent') {
        if (request.method !== 'POST' || !request.headers.has(CSRF_HEADER))
          return json(403, { error: 'csrf', message: 'POST with the CSRF header' });
        if (!emulator)
          return json(404, {
            error: 'not_available',
            message: 'Only the emulator can revoke consent; revoke it in First Dollar',
          });
        // What a user revoking the app in First Dollar amounts to: no refresh, no current token.
        emulator.revokeConsent(appId);
        emulator.revokeAccessTokens('firstDollar');
        return new Response(null, { status: 204 });
      }
      if (pathname === '/app.js')
        return new Response(js, {
          headers: {
            'content-type': 'text/javascript; charset=utf-8',
            'cache-control': 'no-store',
          },
        });
      if (request.method === 'GET' && !pathname.includes('.'))
        return new Response(HTML, { headers: PAGE_HEADERS }); // SPA routes
      return new Response('Not found', { status: 404 });
    },
    { port, host },
  );
  const url = `http://${host}:${server.address().port}`;
  const redirectUri = `${url}${callback === 'spa' ? '/callback' : '/auth/callback'}`;

  let adapter;
  let graphql;
  let emulatorServer;
  if (env.FD_APP_ID && env.FD_CLIENT_ID && env.FD_CLIENT_SECRET) {
    // Register `redirectUri` for the app in First Dollar's sandbox.
    adapter = firstDollarApp({
      appId,
      clientId: env.FD_CLIENT_ID,
      clientSecret: env.FD_CLIENT_SECRET,
      environment: 'sandbox',
    });
    graphql = firstDollarGraphQLEndpoint({ environment: 'sandbox', appId });
  } else {
    // The emulator only redirects to the redirect URI registered for the app: this server's.
    emulator = createVendorEmulator({
      firstDollar: { apps: [{ ...TEST_CREDENTIALS.firstDollarApp, redirectUri }] },
    });
    emulatorServer = await listenEmulator(emulator, { port: 0, host });
    adapter = firstDollarApp({
      ...TEST_CREDENTIALS.firstDollarApp,
      apiBaseUrl: emulatorServer.url,
      consentBaseUrl: emulatorServer.url,
    });
    graphql = firstDollarGraphQLEndpoint({ apiBaseUrl: emulatorServer.url, appId });
  }
  auth = createAuthHandler({
    adapter,
    secret: env.SESSION_SECRET ?? randomBytes(32).toString('base64url'),
    // Plain http on 127.0.0.1: a `Secure` cookie (and so the `__Host-` prefix, which requires it)
    // is not stored over http by every browser. Behind https, leave the default (`secure: true`).
    cookie: { secure: false },
    proxy: { '/api/graphql': graphql },
    errorRedirect: '/',
    onError: (error) =>
      env.GRANTKIT_DEMO_QUIET ||
      console.warn(
        `edge: ${error?.name ?? 'Error'} ${error?.code ?? ''} ${error?.message ?? error}`,
      ),
  });

  return {
    url,
    emulator,
    vendor: emulatorServer?.url ?? 'https://api.dev.firstdollar.com (First Dollar sandbox)',
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
