// (4) Edge overhead: the upstream both measured Workers forward to. It is the core emulator playing
// First Dollar (token endpoint + GraphQL), running in its own Worker in the same workerd; the proxy and
// the bare Worker reach it as their `outboundService`, so both hit the identical upstream, in-process.
// `http://control.bench/*` is the bench's side door (issue a consent code, read counters).
import { createVendorEmulator } from '@grantkit/core/testing';

let emu; // created on the first request: Date.now() is not meaningful at a Worker's global scope
let lastAccessToken = '';
let canned = 0; // BENCH_EDGE_UPSTREAM=canned: GraphQL answers served without the emulator

export default {
  async fetch(request, env) {
    emu ??= createVendorEmulator();
    const url = new URL(request.url);
    if (url.hostname === 'control.bench') {
      if (url.pathname === '/code') return new Response(emu.issueCode('firstDollar', env.APP_ID));
      if (url.pathname === '/token') return new Response(lastAccessToken);
      if (url.pathname === '/stats') {
        const stats = {
          requests: emu.requests.length,
          tokenCalls: emu.count({ path: '/v0/auth/token' }),
          refreshes: emu.count({ grant: 'refresh_token' }),
          graphql: emu.count({ path: /graphql$/ }),
          graphqlOk: emu.count({ path: /graphql$/, status: 200 }) + canned,
        };
        canned = 0;
        emu.clearRequests(); // the request log would otherwise grow with every measured request
        return Response.json(stats);
      }
      return new Response('unknown control path', { status: 404 });
    }
    if (env.CANNED && url.pathname.endsWith('/graphql')) {
      // A diagnostic upstream of (almost) no cost: the proxy's own cost stands out of the noise.
      await request.arrayBuffer();
      canned += 1;
      return new Response('{"data":{"ping":"pong"}}', {
        headers: { 'content-type': 'application/json' },
      });
    }
    const response = await emu.handle(request);
    if (url.pathname === '/v0/auth/token' && response.ok)
      lastAccessToken = (await response.clone().json()).access_token ?? '';
    return response;
  },
};
