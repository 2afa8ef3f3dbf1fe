import type { TokenAnswer, TokenRequest, TokenTypeHint } from './adapter';
import { GrantkitError, isGrantkitError } from './errors';
import { isFatal } from './renewal';
import type { TokenClient } from './token-client';
import type { TokenSet } from './token-set';

/**
 * What {@link TokenClient.revoke} did at the vendor. The local token set is forgotten in every case.
 *
 * - `revoked`: the vendor confirmed the revocation of every token it was sent.
 * - `unsupported`: the adapter has no revocation endpoint; the tokens stay valid at the vendor
 *   until they expire.
 * - `failed`: the vendor refused or could not be reached; `error` says why.
 * - `none`: there was no token to revoke.
 *
 * @example
 * ```ts
 * const result = await client.revoke();
 * if (result.status === 'failed') console.warn('logged out locally; revocation failed', result.error?.code);
 * ```
 */
export interface RevokeResult {
  status: 'revoked' | 'unsupported' | 'failed' | 'none';
  /** The tokens the vendor confirmed revoked, in the order they were sent. */
  revoked: TokenTypeHint[];
  /** The first failure, when `status` is `failed` (a typed error, never with a token in it). */
  error?: GrantkitError;
}

/**
 * Logs a client out: forgets its tokens (`client.clear()`), then revokes at the vendor, through the
 * adapter's `revocation`, the refresh tokens then the unexpired access tokens of the `held` sets
 * (each token once). The first failure is kept; one the next call would only repeat (unreachable,
 * aborted) stops the rest.
 */
export async function revoke(
  client: Pick<TokenClient, 'adapter' | 'clear'>,
  held: readonly (TokenSet | null | undefined)[],
  now: number,
  send: (request: TokenRequest, hint: TokenTypeHint) => Promise<TokenAnswer>,
): Promise<RevokeResult> {
  // Forget first: nothing in this process can use the tokens while they are being revoked.
  await client.clear();
  const { revocation } = client.adapter;
  const targets: [string, TokenTypeHint][] = [];
  const add = (token: string | undefined, hint: TokenTypeHint) => {
    if (token !== undefined && !targets.some(([x]) => x === token)) targets.push([token, hint]);
  };
  for (const set of held) add(set?.refreshToken, 'refresh_token');
  for (const set of held) if (set && set.expiresAt > now) add(set.accessToken, 'access_token');
  if (!targets.length) return { status: 'none', revoked: [] };
  if (!revocation) return { status: 'unsupported', revoked: [] };
  const revoked: TokenTypeHint[] = [];
  let failure: GrantkitError | undefined;
  for (const [token, hint] of targets) {
    try {
      revocation.parseResponse(await send(revocation.buildRequest(token, hint), hint));
      revoked.push(hint);
    } catch (error) {
      failure ??= isGrantkitError(error)
        ? error
        : new GrantkitError('invalid_response', 'The revocation failed', { cause: error });
      if (isFatal(error)) break; // unreachable or aborted: the next call would only wait as long
    }
  }
  return failure ? { status: 'failed', revoked, error: failure } : { status: 'revoked', revoked };
}
