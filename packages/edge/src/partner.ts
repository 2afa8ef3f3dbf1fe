import { ConfigurationError, createTokenClient, type Adapter, type Grant, type TokenClient, type TokenClientOptions, type TokenRequest } from '@grantkit/core';

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

/**
 * The non-secret part of a credential: the token endpoint and the client's identifier (a body's
 * `client_id`, the user of `Basic`, an `X-API-KEY`), from the first token request the adapter builds.
 * The secret is left out on purpose: a rotated secret is the same client, whose tokens stay valid.
 */
function clientOf(adapter: Adapter): string {
  for (const grant of adapter.grant ? [adapter.grant, ...PROBES] : PROBES) {
    let request: TokenRequest;
    try {
      request = adapter.buildRequest(grant);
    } catch {
      continue;
    }
    const ids: string[] = [request.url];
    const headers = new Map(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]));
    const basic = /^basic\s+(\S+)$/i.exec(headers.get('authorization') ?? '');
    if (basic) {
      try {
        ids.push(atob(basic[1]!).split(':')[0]!);
      } catch {
        // Not base64: no user to read.
      }
    }
    ids.push(headers.get('x-api-key') ?? '');
    if (request.body !== undefined) {
      let clientId: unknown;
      try {
        clientId = (JSON.parse(request.body) as Record<string, unknown> | null)?.client_id;
      } catch {
        clientId = new URLSearchParams(request.body).get('client_id');
      }
      ids.push(typeof clientId === 'string' ? clientId : '');
    }
    return JSON.stringify(ids);
  }
  return '';
}

/**
 * A 64-bit FNV-1a digest (two 32-bit lanes), as base-36. Sync, unlike WebCrypto's digest, which a sync
 * factory cannot await. Not a cryptographic hash: it only makes a storage key unique per client (its
 * input, the endpoint and client id or API key, holds no secret) without writing the identifiers out.
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
 * The key names one client: it is the storage key too, so isolates sharing `storage` share the
 * token of the same client only. The default, `grantkit:<adapter id>:<digest>`, is derived from the
 * token endpoint and the client id (or API key), never the secret, and writes neither out: two
 * tenants, or sandbox next to production, get apart keys without configuration. Calling again with
 * the same key and the same credential (vendor flow, endpoint, client id and secret; a new adapter
 * object per request is fine) returns the same client. The same key with another credential (an
 * explicit `key` given to two credentials, a rotated secret in the same isolate) throws a
 * {@link ConfigurationError} instead of handing out the first credential's client and tokens. With
 * `fetch` or `now` set, every call makes a new, uncached client (key default: `grantkit:<adapter id>`).
 *
 * @example
 * ```ts
 * const partner = createPartnerClient({
 *   adapter: firstDollarPartner({ clientId: env.FD_CLIENT_ID, clientSecret: env.FD_CLIENT_SECRET }),
 *   storage: kvTokenStorage(env.TOKENS),
 * });
 * const res = await partner.fetch('https://api.dev.firstdollar.com/graphql', { method: 'POST', body });
 * // A second tenant in the same Worker gets its own client and stored token (another client id).
 * const tenantB = createPartnerClient({ adapter: firstDollarPartner(env.TENANT_B), storage: kvTokenStorage(env.TOKENS) });
 * ```
 */
export function createPartnerClient(options: TokenClientOptions): TokenClient {
  if (options.fetch || options.now) return createTokenClient(options);
  const key = options.key ?? `grantkit:${options.adapter.id}:${fingerprint(clientOf(options.adapter))}`;
  const cached = isolateClients.get(key);
  if (!cached) {
    const client = createTokenClient({ ...options, key });
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
