/** PKCE (RFC 7636, S256) and random `state` values, on WebCrypto. */

const base64url = (bytes: Uint8Array): string => {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

/**
 * A random URL-safe string (32 bytes of entropy by default) for `state`, nonces or PKCE verifiers.
 *
 * @example
 * ```ts
 * const state = randomState();
 * ```
 */
export function randomState(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/**
 * A PKCE pair (RFC 7636, S256) made with WebCrypto.
 *
 * @example
 * ```ts
 * const { verifier, challenge } = await createPkce();
 * const url = adapter.authorizationUrl({ state, codeChallenge: challenge });
 * // later: client.exchangeCode(code, { codeVerifier: verifier })
 * ```
 */
export async function createPkce(): Promise<{
  verifier: string;
  challenge: string;
  method: 'S256';
}> {
  const verifier = randomState(32);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return { verifier, challenge: base64url(new Uint8Array(digest)), method: 'S256' };
}
