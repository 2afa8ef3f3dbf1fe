// (4a) Edge overhead: the measured Worker, createAuthHandler from the built @grantkit/edge with the
// GraphQL proxy route. Vendor calls (token endpoint, GraphQL) go out through fetch, which miniflare
// routes to the upstream Worker.
import { createAuthHandler } from '@grantkit/edge';
import { firstDollarApp, firstDollarGraphQLEndpoint } from '@grantkit/core';

let auth; // built on the first request (it derives keys with WebCrypto)

export default {
  async fetch(request, env) {
    auth ??= createAuthHandler({
      adapter: firstDollarApp({
        appId: env.APP_ID,
        clientId: env.CLIENT_ID,
        clientSecret: env.CLIENT_SECRET,
        apiBaseUrl: env.VENDOR,
      }),
      secret: env.SECRET,
      proxy: {
        '/api/graphql': firstDollarGraphQLEndpoint({ apiBaseUrl: env.VENDOR, appId: env.APP_ID }),
      },
    });
    return (await auth(request)) ?? new Response('Not found', { status: 404 });
  },
};
