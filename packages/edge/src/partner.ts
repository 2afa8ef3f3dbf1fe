import {
  checkOptions,
  ConfigurationError,
  createTokenClient,
  tokenClientRules,
  type Adapter,
  type Grant,
  type TokenClient,
  type TokenClientOptions,
} from '@grantkit/core';

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
 * request builder, compared and dropped: only its digest is kept, in the default key.
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

/**
 * A 64-bit FNV-1a digest (two 32-bit lanes) of a credential's identity, as base-36: sync, since a sync
 * factory cannot await WebCrypto's digest. It names the credential in a storage key without writing
 * out its endpoint, client id or secret; 64 bits of a string holding a high-entropy secret give
 * nothing of it back (a weak secret could be confirmed by guessing, as with any unsalted digest).
 */
function fingerprint(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (a >>> 15);
  }
  return (a >>> 0).toString(36).padStart(7, '0') + (b >>> 0).toString(36).padStart(7, '0');
}

/**
 * A server-to-server token client (First Dollar Partner API client_credentials, First Orion): one per
 * isolate for a given storage key, shared across isolates through `storage` (e.g. `kvTokenStorage`
 * from `@grantkit/edge/cloudflare`), where a token another isolate stored is adopted, not re-fetched.
 *
 * The key names one credential: it is the storage key too, so isolates sharing `storage` share the
 * token of the same credential only. The default, `grantkit:<adapter id>:<digest>`, is a digest of
 * the vendor flow, token endpoint, client id and secret (see the token requests the adapter builds),
 * which writes none of them out: two tenants, sandbox next to production, or a rotated secret get
 * apart keys without configuration. Calling again with the same credential (a new adapter object
 * per request is fine) returns the same client. An explicit `key` given to two credentials throws a
 * {@link ConfigurationError} instead of handing out the first credential's client and tokens. With
 * `fetch` or `now` set, or an adapter whose requests change per call, every call makes a new,
 * uncached client (key default: `grantkit:<adapter id>`).
 *
 * @example
 * ```ts
 * const partner = createPartnerClient({
 *   adapter: firstDollarPartner({ clientId: env.FD_CLIENT_ID, clientSecret: env.FD_CLIENT_SECRET }),
 *   storage: kvTokenStorage(env.TOKENS, { secret: env.TOKEN_SECRET }),
 * });
 * const res = await partner.fetch('https://api.dev.firstdollar.com/graphql', { method: 'POST', body });
 * // A second tenant in the same Worker gets its own client and stored token (another client id).
 * const tenantB = createPartnerClient({ adapter: firstDollarPartner(env.TENANT_B), storage: kvTokenStorage(env.TOKENS, { secret: env.TOKEN_SECRET }) });
 * ```
 */
export function createPartnerClient(options: TokenClientOptions): TokenClient {
  checkOptions('createPartnerClient', options, tokenClientRules);
  if (options.fetch || options.now) return createTokenClient(options);
  const identity = identityOf(options.adapter);
  const key = options.key ?? `grantkit:${options.adapter.id}:${fingerprint(identity)}`;
  const cached = isolateClients.get(key);
  if (cached && (cached.adapter === options.adapter || identityOf(cached.adapter) === identity))
    return cached;
  // An adapter whose requests differ from one call to the next (a signed client assertion, a nonce)
  // cannot be identified: it gets its own client, never a cached one.
  if (identityOf(options.adapter) !== identity) return createTokenClient(options);
  if (cached) {
    throw new ConfigurationError(
      `createPartnerClient: key "${key}" is already used in this isolate by another credential ` +
        '(a different vendor flow, endpoint, client id or secret): give each credential its own `key` ' +
        '(it is the storage key too, so sharing it would also share the stored tokens)',
    );
  }
  const client = createTokenClient({ ...options, key });
  isolateClients.set(key, client);
  return client;
}
