// `node examples/node/server.mjs`: the edge handler on node:http, with the vendor emulator as First Dollar.
import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import { createAuthHandler } from '@grantkit/edge';
import { firstDollarApp, firstDollarGraphQLEndpoint } from '@grantkit/core';
import { createVendorEmulator, TEST_CREDENTIALS } from '@grantkit/core/testing';
import { listenEmulator } from '@grantkit/core/testing/node';

const port = Number(process.env.PORT ?? 8788);
const origin = `http://127.0.0.1:${port}`;
const app = TEST_CREDENTIALS.firstDollarApp;
const emulator = createVendorEmulator({ firstDollar: { apps: [{ ...app, redirectUri: `${origin}/auth/callback` }] } });
const vendor = await listenEmulator(emulator);

const auth = createAuthHandler({
  adapter: firstDollarApp({ ...app, apiBaseUrl: vendor.url, consentBaseUrl: vendor.url }),
  secret: process.env.SESSION_SECRET ?? 'dev-only-session-secret-change-me-0123456789',
  cookie: { secure: false }, // plain http on 127.0.0.1 only: __Host- cookies require Secure (https)
  proxy: { '/api/graphql': firstDollarGraphQLEndpoint({ apiBaseUrl: vendor.url, appId: app.appId }) },
});

// node:http ⇄ Web Request/Response: the only Node-specific code a Node user writes.
const server = createServer(async (req, res) => {
  const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : Readable.toWeb(req);
  const request = new Request(`${origin}${req.url}`, { method: req.method, headers: Object.entries(req.headers).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : v === undefined ? [] : [[k, v]])), body, duplex: 'half' });
  const response = (await auth(request)) ?? new Response(`<a href="/auth/login">Log in with First Dollar</a> · <a href="/auth/session">session</a>`, { headers: { 'content-type': 'text/html' } });
  res.writeHead(response.status, [...response.headers].flat());
  res.end(Buffer.from(await response.arrayBuffer()));
});
server.listen(port, '127.0.0.1', () => console.log(`BFF on ${origin} (First Dollar emulator on ${vendor.url}); open ${origin}/auth/login`));
if (process.env.GRANTKIT_DEMO_EXIT === '1') setTimeout(() => { server.close(); vendor.close(); }, 100);
