// A Cloudflare Worker: the First Dollar OAuth App backend-for-frontend. Secrets come from
// `wrangler secret put`; FD_API_BASE_URL / FD_CONSENT_BASE_URL point it at an emulator in dev.
import { createAuthHandler } from '@grantkit/edge';
import { firstDollarApp, firstDollarGraphQLEndpoint } from '@grantkit/core';

let auth;
const handlerFor = (env) =>
  (auth ??= createAuthHandler({
    adapter: firstDollarApp({
      appId: env.FD_APP_ID,
      clientId: env.FD_CLIENT_ID,
      clientSecret: env.FD_CLIENT_SECRET,
      ...(env.FD_API_BASE_URL ? { apiBaseUrl: env.FD_API_BASE_URL } : {}),
      ...(env.FD_CONSENT_BASE_URL ? { consentBaseUrl: env.FD_CONSENT_BASE_URL } : {}),
    }),
    secret: env.SESSION_SECRET,
    proxy: { '/api/graphql': firstDollarGraphQLEndpoint({ appId: env.FD_APP_ID, ...(env.FD_API_BASE_URL ? { apiBaseUrl: env.FD_API_BASE_URL } : {}) }) },
  }));

export default {
  async fetch(request, env, ctx) {
    return (await handlerFor(env)(request, env, ctx)) ?? new Response('Not found', { status: 404 });
  },
};
