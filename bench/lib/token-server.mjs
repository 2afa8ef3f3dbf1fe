// A tiny loopback OAuth 2.0 token endpoint + protected API, bound to 127.0.0.1 only.
//
// POST /token   client_credentials | refresh_token (form body). With `singleUse`, a refresh token
//               is accepted once; a reused one answers 400 invalid_grant and (OAuth 2.0 Security
//               BCP §4.14) revokes the whole token family.
// GET  /api     200 for a live access token, 401 for a revoked or unknown one, after `latency(i)`
//               ms (i = the request's index), so 401 storms can spread answers over 0–200 ms.
import { createServer } from 'node:http';

export async function startTokenServer({ singleUse = true, expiresIn = 3600 } = {}) {
  let seq = 0;
  const access = new Map(); // token -> { family, live }
  const refresh = new Map(); // token -> { family, used }
  const revokedFamilies = new Set();
  const stats = { token: 0, tokenByGrant: {}, tokenErrors: 0, api: 0, api401: 0 };
  let latency = () => 0;
  let apiIndex = 0;

  const issue = (family) => {
    seq += 1;
    const at = `at-${seq}`;
    const rt = `rt-${seq}`;
    access.set(at, { family, live: true });
    refresh.set(rt, { family, used: false });
    return { access_token: at, token_type: 'Bearer', expires_in: expiresIn, refresh_token: rt };
  };

  const send = (res, status, body) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (req.method === 'POST' && url.pathname === '/token') {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        const grant = form.get('grant_type') ?? '';
        stats.token += 1;
        stats.tokenByGrant[grant] = (stats.tokenByGrant[grant] ?? 0) + 1;
        if (grant === 'client_credentials') return send(res, 200, issue(`f-${seq + 1}`));
        if (grant === 'refresh_token') {
          const entry = refresh.get(form.get('refresh_token') ?? '');
          if (!entry || revokedFamilies.has(entry.family) || (singleUse && entry.used)) {
            if (entry && singleUse && entry.used) revokedFamilies.add(entry.family); // reuse detected
            stats.tokenErrors += 1;
            return send(res, 400, {
              error: 'invalid_grant',
              error_description: 'refresh token invalid, revoked or already used',
            });
          }
          entry.used = true;
          return send(res, 200, issue(entry.family));
        }
        stats.tokenErrors += 1;
        return send(res, 400, { error: 'unsupported_grant_type' });
      });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/api') {
      const i = apiIndex++;
      stats.api += 1;
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const entry = token && access.get(token);
      const ok = entry && entry.live && !revokedFamilies.has(entry.family);
      setTimeout(() => {
        if (!ok) stats.api401 += 1;
        send(res, ok ? 200 : 401, ok ? { ok: true } : { error: 'invalid_token' });
      }, latency(i));
      return;
    }
    send(res, 404, { error: 'not_found' });
  });
  server.keepAliveTimeout = 5000;
  server.maxConnections = 4000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    /** Registers a token pair issued "before the benchmark" (a restored session). */
    seed() {
      return issue(`f-seed-${seq + 1}`);
    },
    /** Every access token issued so far answers 401 from now on (the refresh tokens stay valid). */
    revokeAccessTokens() {
      for (const entry of access.values()) entry.live = false;
    },
    setLatency(fn) {
      latency = fn ?? (() => 0);
      apiIndex = 0;
    },
    reset() {
      Object.assign(stats, { token: 0, tokenByGrant: {}, tokenErrors: 0, api: 0, api401: 0 });
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
