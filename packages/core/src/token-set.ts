import { GrantkitError } from './errors';
import { isRecord } from './is-record';

/**
 * A normalised token answer from any vendor: plain data with absolute times (ms since epoch),
 * safe to put in any storage.
 *
 * @example
 * ```ts
 * const set: TokenSet = await client.getTokenSet();
 * if (set.expiresAt - Date.now() < 60_000) console.log('expires within a minute');
 * ```
 */
export interface TokenSet {
  /** The access token. */
  accessToken: string;
  /** `token_type` as sent, `Bearer` when the vendor sends none. */
  tokenType: string;
  /** When the access token expires, ms since epoch. */
  expiresAt: number;
  /** The refresh token, when the vendor issued one (always the newest seen). */
  refreshToken?: string;
  /** When the refresh token expires, ms since epoch, when known. */
  refreshExpiresAt?: number;
  /** Granted scope, when the vendor says. */
  scope?: string;
}

/** How to read one vendor's token answer. */
export interface TokenFieldMap {
  /** Field holding the access token. @default 'access_token' */
  accessToken?: string;
  /** Lifetime to assume when the answer carries no `expires_at`, `expires_in` or JWT `exp`, in seconds. */
  defaultTtl: number;
  /** Lifetime of a refresh token from its issue, in seconds, when the vendor documents one. */
  refreshTtl?: number | undefined;
}

/** A time in seconds, or undefined when absent or too large to be a time in ms (it would become Infinity). */
const toNumber = (value: unknown): number | undefined => {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n * 1000) ? n : undefined;
};

/** RFC 6749 Appendix A.12 and A.17: access and refresh tokens are 1*VSCHAR. Anything else cannot go in a header. */
const VSCHAR = /^[\x20-\x7e]+$/;

/**
 * `exp` of a JWT in ms, or undefined when the token is not a JWT. Never throws.
 *
 * @example
 * ```ts
 * const expiresAt = jwtExpiry(tokens.accessToken) ?? tokens.expiresAt;
 * ```
 */
export function jwtExpiry(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    // The payload's base64url JSON, read here rather than by jose's decodeJwt: ~0.6 KB gzip less in
    // every bundle of core (atob is forgiving of missing padding).
    const bytes = Uint8Array.from(atob(parts[1]!.replace(/-/g, '+').replace(/_/g, '/')), (c) =>
      c.charCodeAt(0),
    );
    const exp = (JSON.parse(new TextDecoder().decode(bytes)) as { exp?: unknown } | null)?.exp;
    return typeof exp === 'number' && Number.isFinite(exp * 1000) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Turns a token endpoint's JSON answer into a {@link TokenSet}. Expiry comes from `expires_at`
 * (epoch seconds), else `expires_in`, else the JWT's `exp`, else `fields.defaultTtl`; when the answer
 * has both `expires_at` and `expires_in`, or the token is a JWT whose `exp` is earlier than the answer
 * claims, the earlier time wins (so a client clock behind the vendor's never outlives the token). An expiry that is
 * not after `now` is an `invalid_response`. A refresh token
 * missing from the answer is taken from `previous` (rotation safety).
 *
 * @example
 * ```ts
 * const set = normalizeTokenResponse({ access_token: 'a', expires_in: 3600 }, { defaultTtl: 3600 }, Date.now());
 * ```
 */
export function normalizeTokenResponse(
  body: unknown,
  fields: TokenFieldMap,
  now: number,
  previous?: TokenSet,
): TokenSet {
  if (!isRecord(body))
    throw new GrantkitError('invalid_response', 'Token endpoint answered without a JSON object');
  const accessToken = body[fields.accessToken ?? 'access_token'];
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw new GrantkitError(
      'invalid_response',
      `Token endpoint answer has no ${fields.accessToken ?? 'access_token'}`,
    );
  }
  if (
    !VSCHAR.test(accessToken) ||
    (typeof body.refresh_token === 'string' &&
      body.refresh_token !== '' &&
      !VSCHAR.test(body.refresh_token))
  ) {
    throw new GrantkitError(
      'invalid_response',
      'Token endpoint answered a token with characters a token cannot have',
    );
  }
  const expiresAtSeconds = toNumber(body.expires_at);
  const expiresIn = toNumber(body.expires_in);
  const jwtExp = jwtExpiry(accessToken);
  let expiresAt =
    expiresAtSeconds !== undefined
      ? expiresAtSeconds * 1000
      : expiresIn !== undefined
        ? now + expiresIn * 1000
        : (jwtExp ?? now + fields.defaultTtl * 1000);
  // `expires_at` is the vendor's clock; `expires_in` is relative and immune to skew: the earlier wins.
  if (expiresAtSeconds !== undefined && expiresIn !== undefined)
    expiresAt = Math.min(expiresAt, now + expiresIn * 1000);
  if (jwtExp !== undefined && jwtExp < expiresAt) expiresAt = jwtExp;
  // A token dead on arrival (expires_in <= 0) would replace the stored set and be renewed at every call.
  if (expiresAt <= now)
    throw new GrantkitError(
      'invalid_response',
      'Token endpoint answer has an expiry that is not in the future',
    );

  const set: TokenSet = {
    accessToken,
    tokenType:
      typeof body.token_type === 'string' && body.token_type !== '' ? body.token_type : 'Bearer',
    expiresAt,
  };
  const fresh =
    typeof body.refresh_token === 'string' && body.refresh_token !== ''
      ? body.refresh_token
      : undefined;
  if (fresh !== undefined) {
    set.refreshToken = fresh;
    const refreshIn = toNumber(body.refresh_token_expires_in) ?? fields.refreshTtl;
    if (refreshIn !== undefined) set.refreshExpiresAt = now + refreshIn * 1000;
  } else if (previous?.refreshToken !== undefined) {
    set.refreshToken = previous.refreshToken;
    if (previous.refreshExpiresAt !== undefined) set.refreshExpiresAt = previous.refreshExpiresAt;
  }
  if (typeof body.scope === 'string') set.scope = body.scope;
  else if (previous?.scope !== undefined) set.scope = previous.scope;
  return set;
}
