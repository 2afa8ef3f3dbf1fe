/**
 * The header every state-changing request and the proxy must carry (a cross-site form cannot set it).
 * `@grantkit/react` sends it for you.
 *
 * @example
 * ```ts
 * await fetch('/auth/logout', { method: 'POST', headers: { [CSRF_HEADER]: '1' } });
 * ```
 */
export const CSRF_HEADER = 'x-grantkit-csrf';

/**
 * Whether a state-changing request is same-origin: it carries {@link CSRF_HEADER}, its `Origin`
 * (when sent) is the handler's origin or an allowed one, and `Sec-Fetch-Site` (when sent) is `same-origin`.
 */
export function isSameOriginRequest(request: Request, allowedOrigins: readonly string[]): boolean {
  if (!request.headers.has(CSRF_HEADER)) return false;
  const origin = request.headers.get('origin');
  if (origin !== null && origin !== new URL(request.url).origin && !allowedOrigins.includes(origin)) return false;
  const site = request.headers.get('sec-fetch-site');
  return site === null || site === 'same-origin' || (site === 'same-site' && origin !== null && allowedOrigins.includes(origin));
}

/**
 * A `returnTo` the handler may redirect to: a same-origin relative path. Anything else (absolute
 * URLs, `//host`, `/\host`, control characters) gives `fallback`.
 *
 * @example
 * ```ts
 * safeReturnTo('/orders?id=7'); // '/orders?id=7'
 * safeReturnTo('https://evil.example/'); // '/'
 * ```
 */
export function safeReturnTo(value: string | null | undefined, fallback = '/'): string {
  if (!value || value.length > 2048 || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\\]/.test(value)) return fallback;
  const base = 'https://grantkit.invalid';
  const url = new URL(value, base);
  const path = `${url.pathname}${url.search}${url.hash}`;
  // Dot segments can normalise into `//host` (`/.//evil`, `/a/..//evil`): check the result, not only the input.
  return url.origin === base && !path.startsWith('//') ? path : fallback;
}
