// A Cloudflare Worker: the First Dollar OAuth App backend-for-frontend. Secrets come from
// `wrangler secret put`; FD_API_BASE_URL / FD_CONSENT_BASE_URL point it at an emulator in dev.
// Sessions live in Workers KV (SESSIONS) and each session's refreshes run in one Durable Object
// (REFRESHER), so any number of isolates cause one refresh per session.
import { createAuthHandler } from '@grantkit/edge';
import {
  durableObjectCoordinator,
  kvSessionStore,
  sessionRefresher,
} from '@grantkit/edge/cloudflare';
import { firstDollarApp, firstDollarGraphQLEndpoint } from '@grantkit/core';

const apiBase = (env) => (env.FD_API_BASE_URL ? { apiBaseUrl: env.FD_API_BASE_URL } : {});
const adapterFor = (env) =>
  firstDollarApp({
    appId: env.FD_APP_ID,
    clientId: env.FD_CLIENT_ID,
    clientSecret: env.FD_CLIENT_SECRET,
    ...apiBase(env),
    ...(env.FD_CONSENT_BASE_URL ? { consentBaseUrl: env.FD_CONSENT_BASE_URL } : {}),
  });

/** The Durable Object class bound as REFRESHER in wrangler.toml; it writes renewed sessions to KV itself. */
export const SessionRefresher = sessionRefresher((env) => ({
  adapter: adapterFor(env),
  sessions: kvSessionStore(env.SESSIONS, { secret: env.SESSION_SECRET }),
}));

let auth;
const handlerFor = (env) =>
  (auth ??= createAuthHandler({
    adapter: adapterFor(env),
    secret: env.SESSION_SECRET,
    sessions: kvSessionStore(env.SESSIONS, { secret: env.SESSION_SECRET }), // sealed at rest
    coordinator: durableObjectCoordinator(env.REFRESHER),
    proxy: {
      '/api/graphql': firstDollarGraphQLEndpoint({ appId: env.FD_APP_ID, ...apiBase(env) }),
    },
  }));

export default {
  async fetch(request, env, ctx) {
    return (await handlerFor(env)(request, env, ctx)) ?? new Response('Not found', { status: 404 });
  },
};
