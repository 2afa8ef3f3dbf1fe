import { createTokenClient, type TokenClient, type TokenClientOptions } from '@grantkit/core';

const isolateClients = new Map<string, TokenClient>();

/**
 * A server-to-server token client (First Dollar Partner API client_credentials, First Orion): one per
 * isolate for a given storage key, shared across isolates through `storage` (e.g. `kvTokenStorage`
 * from `@grantkit/edge/cloudflare`), where a token another isolate stored is adopted, not re-fetched.
 *
 * @example
 * ```ts
 * const partner = createPartnerClient({
 *   adapter: firstDollarPartner({ clientId: env.FD_CLIENT_ID, clientSecret: env.FD_CLIENT_SECRET }),
 *   storage: kvTokenStorage(env.TOKENS),
 * });
 * const res = await partner.fetch('https://api.dev.firstdollar.com/graphql', { method: 'POST', body });
 * ```
 */
export function createPartnerClient(options: TokenClientOptions): TokenClient {
  if (options.fetch || options.now) return createTokenClient(options);
  const key = options.key ?? `grantkit:${options.adapter.id}`;
  let client = isolateClients.get(key);
  if (!client) isolateClients.set(key, (client = createTokenClient(options)));
  return client;
}
