// Profile variant (BENCH_EDGE_PROFILE=1): the handler's forwarding step without the cookie. A core
// token client holding a valid token; per request what proxy.ts does around it: read the body,
// copy allowlisted headers (the token comes once, in x-bench-token), client.fetch (Request + clone + bearer), copy the answer's headers.
import { createTokenClient, firstDollarApp } from '@grantkit/core';

let client;
export default {
  async fetch(request, env) {
    if (!client) {
      client = createTokenClient({
        adapter: firstDollarApp({
          appId: env.APP_ID,
          clientId: env.CLIENT_ID,
          clientSecret: env.CLIENT_SECRET,
          apiBaseUrl: env.VENDOR,
        }),
      });
      await client.setTokenSet({
        accessToken: request.headers.get('x-bench-token'),
        tokenType: 'Bearer',
        expiresAt: Date.now() + 3_600_000,
      });
    }
    const body = await request.arrayBuffer();
    const headers = new Headers();
    for (const name of ['content-type', 'accept', 'accept-language', 'x-request-id']) {
      const value = request.headers.get(name);
      if (value !== null) headers.set(name, value);
    }
    const target = new URL(env.UPSTREAM);
    target.search = new URL(request.url).search;
    const answer = await client.fetch(target, {
      method: request.method,
      headers,
      body,
      signal: request.signal,
    });
    const out = new Headers();
    for (const [name, value] of answer.headers)
      if (name !== 'set-cookie' && name !== 'content-length') out.set(name, value);
    out.set('cache-control', 'no-store');
    return new Response(answer.body, {
      status: answer.status,
      statusText: answer.statusText,
      headers: out,
    });
  },
};
