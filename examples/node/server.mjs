// `GRANTKIT_DEMO_SINGLE_USER=1 node_modules/.bin/node examples/node/server.mjs`: the edge handler on node:http, with the vendor emulator as First Dollar.
import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import { createAuthHandler } from '@grantkit/edge';
import { createGraphQLClient, firstDollarApp, firstDollarGraphQLEndpoint } from '@grantkit/core';
import { createVault, memoryEngine } from '@grantkit/core/vault';
import { createVendorEmulator, TEST_CREDENTIALS } from '@grantkit/core/testing';
import { listenEmulator } from '@grantkit/core/testing/node';

const port = Number(process.env.PORT ?? 8788);
const origin = `http://127.0.0.1:${port}`;
const app = TEST_CREDENTIALS.firstDollarApp;
const emulator = createVendorEmulator({
  firstDollar: { apps: [{ ...app, redirectUri: `${origin}/auth/callback` }] },
});
const vendor = await listenEmulator(emulator);

const adapter = firstDollarApp({ ...app, apiBaseUrl: vendor.url, consentBaseUrl: vendor.url });
const graphqlEndpoint = firstDollarGraphQLEndpoint({ apiBaseUrl: vendor.url, appId: app.appId });
// Connections that outlive the session, for background jobs (memoryEngine: one process; use
// redisEngine(redis) as soon as there are two).
const vault = createVault({
  engine: memoryEngine(),
  secret: process.env.TOKEN_SECRET ?? 'dev-only-vault-secret-change-me-0123456789',
  adapter,
  onEvent: (event) => console.log(`connection ${event.id}: ${event.from ?? 'new'} → ${event.to}`),
});

// Which of YOUR app's users is logging in (its own authenticated user, from your app's session), or
// undefined: the login is then not filed into the vault (the session still works). Replace this.
// WARNING: GRANTKIT_DEMO_SINGLE_USER=1 files EVERY login under the one id 'demo-user': all browsers
// then share one connection and an older session adopts the newest login's tokens (user A acts with
// user B's tokens). A single-browser demo mode for this example only; off unless set.
const appUserId = (_request) =>
  process.env.GRANTKIT_DEMO_SINGLE_USER === '1' ? 'demo-user' : undefined;

const auth = createAuthHandler({
  adapter,
  secret: process.env.SESSION_SECRET ?? 'dev-only-session-secret-change-me-0123456789',
  cookie: { secure: false }, // plain http on 127.0.0.1 only: __Host- cookies require Secure (https)
  proxy: { '/api/graphql': graphqlEndpoint },
  // Each login is filed into the vault under the app's own user id (none: not filed).
  vault: { vault, connectionId: appUserId },
});

// The nightly job: keep refresh tokens alive, then sync every connected user (here: a ping).
async function nightly() {
  const report = await vault.keepAlive({ concurrency: 8 });
  let synced = 0;
  for (const { id } of await vault.list({ state: 'active' })) {
    const ok = await createGraphQLClient({
      tokenClient: vault.client(id),
      endpoint: graphqlEndpoint,
    })
      .request('query { ping }')
      .then(
        () => true,
        () => false,
      );
    if (ok) synced++;
  }
  return { renewed: report.renewed, synced };
}
setInterval(
  () => void nightly().catch((error) => console.warn('nightly job failed', error?.code)),
  24 * 3600_000,
).unref();

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The home page: where the user stands, read from the edge's own session route (never a token). */
async function home(request) {
  const session = await (
    await auth(new Request(`${origin}/auth/session`, { headers: request.headers }))
  ).json();
  const error = new URL(request.url).searchParams.get('error');
  const state = session.authenticated
    ? `<p id="status" data-status="authenticated">Logged in with First Dollar. The access token (valid until ${escape(new Date(session.expiresAt).toISOString())}) and the refresh token stay on this server; the browser holds only the HttpOnly session cookie.</p>
<p><button id="logout">Log out</button> · <a href="/auth/session">session</a> · <a href="/jobs/nightly">run the nightly job</a></p>
<script>document.getElementById('logout').onclick = () => confirm('Log out?') && fetch('/auth/logout', { method: 'POST', headers: { 'x-grantkit-csrf': '1' } }).then(() => location.assign('/'));</script>`
    : `<p id="status" data-status="unauthenticated">Not logged in.</p>
${error ? `<p role="alert">The login did not complete (${escape(error === 'access_denied' ? 'you declined access on the consent page' : error)}).</p>` : ''}
<p><a id="login" href="/auth/login">Log in with First Dollar</a> · <a href="/auth/session">session</a> · <a href="/jobs/nightly">run the nightly job</a></p>`;
  return new Response(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>grantkit Node example</title></head><body><h1>grantkit on node:http</h1>${state}</body></html>`,
    { headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } },
  );
}

// node:http ⇄ Web Request/Response: the only Node-specific code a Node user writes.
const server = createServer(async (req, res) => {
  const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : Readable.toWeb(req);
  const request = new Request(`${origin}${req.url}`, {
    method: req.method,
    headers: Object.entries(req.headers).flatMap(([k, v]) =>
      Array.isArray(v) ? v.map((x) => [k, x]) : v === undefined ? [] : [[k, v]],
    ),
    body,
    duplex: 'half',
  });
  const jobs = req.url === '/jobs/nightly' ? Response.json(await nightly()) : undefined; // run the job now (demo)
  const response = jobs ?? (await auth(request)) ?? (await home(request));
  res.writeHead(response.status, [...response.headers].flat());
  res.end(Buffer.from(await response.arrayBuffer()));
});
server.listen(port, '127.0.0.1', () =>
  console.log(
    `BFF on ${origin} (First Dollar emulator on ${vendor.url}); open ${origin}/ and log in`,
  ),
);
if (process.env.GRANTKIT_DEMO_EXIT === '1')
  setTimeout(() => {
    server.close();
    vendor.close();
  }, 100);
