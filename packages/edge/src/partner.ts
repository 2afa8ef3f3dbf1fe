import { ConfigurationError, createTokenClient, type Adapter, type Grant, type TokenClient, type TokenClientOptions } from '@grantkit/core';

const isolateClients = new Map<string, TokenClient>();

// Grants whose request shows the credential: the adapter's own grant first, then each kind with a
// placeholder value (an adapter may refuse a grant it does not support: that one is skipped).
const PROBES: readonly Grant[] = [
  { type: 'client_credentials' },
  { type: 'authorization_code', code: 'grantkit-identity-probe' },
  { type: 'refresh_token', refreshToken: 'grantkit-identity-probe' },
];

/**
 * What identifies an adapter's credential: its id and the token requests it builds (endpoint URL,
 * client id, client secret or API keys, in headers or body). Built on demand from the adapter's pure
 * request builder, compared, and dropped: nothing derived from the secret is kept.
 */
function identityOf(adapter: Adapter): string {
  const parts: unknown[] = [adapter.id];
  for (const grant of adapter.grant ? [adapter.grant, ...PROBES] : PROBES) {
    try {
      const { url, method, headers, body } = adapter.buildRequest(grant);
      parts.push([url, method, Object.entries(headers).sort(([a], [b]) => (a < b ? -1 : 1)), body]);
    } catch {
      parts.push(null);
    }
  }
  return JSON.stringify(parts);
}

/** Whether two adapters hold the same credential (same vendor flow, endpoint, client and secret). */
function sameCredential(a: Adapter, b: Adapter): boolean | undefined {
  if (a === b) return true;
  const known = identityOf(a);
  // An adapter whose requests differ from one call to the next (a signed client assertion, a nonce)
  // cannot be compared this way: undefined, "unknown".
  if (identityOf(a) !== known) return undefined;
  return identityOf(b) === known;
}

/**
 * A server-to-server token client (First Dollar Partner API client_credentials, First Orion): one per
 * isolate for a given storage key, shared across isolates through `storage` (e.g. `kvTokenStorage`
 * from `@grantkit/edge/cloudflare`), where a token another isolate stored is adopted, not re-fetched.
 *
 * The key (`key`, default `grantkit:<adapter id>`) names one credential: it is the storage key too.
 * Calling again with the same key and the same credential (vendor flow, endpoint, client id and
 * secret; a new adapter object per request is fine) returns the same client. The same key with
 * another credential (a second tenant, sandbox next to production, a rotated secret) throws a
 * {@link ConfigurationError} instead of handing out the first credential's client and tokens: give
 * each credential its own `key`. With `fetch` or `now` set, every call makes a new, uncached client.
 *
 * @example
 * ```ts
 * const partner = createPartnerClient({
 *   adapter: firstDollarPartner({ clientId: env.FD_CLIENT_ID, clientSecret: env.FD_CLIENT_SECRET }),
 *   storage: kvTokenStorage(env.TOKENS),
 * });
 * const res = await partner.fetch('https://api.dev.firstdollar.com/graphql', { method: 'POST', body });
 * // Two tenants in one Worker: one key each.
 * const tenantB = createPartnerClient({ adapter: firstDollarPartner(env.TENANT_B), key: 'fd:tenant-b', storage: kvTokenStorage(env.TOKENS) });
 * ```
 */
export function createPartnerClient(options: TokenClientOptions): TokenClient {
  if (options.fetch || options.now) return createTokenClient(options);
  const key = options.key ?? `grantkit:${options.adapter.id}`;
  const cached = isolateClients.get(key);
  if (!cached) {
    const client = createTokenClient(options);
    isolateClients.set(key, client);
    return client;
  }
  const same = sameCredential(cached.adapter, options.adapter);
  if (same === true) return cached;
  // An adapter that cannot be compared gets its own client, never a cached one.
  if (same === undefined) return createTokenClient(options);
  throw new ConfigurationError(
    `createPartnerClient: key "${key}" is already used in this isolate by another credential ` +
      '(a different vendor flow, endpoint, client id or secret): give each credential its own `key` ' +
      '(it is the storage key too, so sharing it would also share the stored tokens)',
  );
}
