import { CSRF_HEADER } from './paths';

export { CSRF_HEADER };

/**
 * Why a state-changing request is refused, or `undefined` when it is same-origin: it must carry
 * {@link CSRF_HEADER}, its `Origin` (when sent) must be the handler's origin or an allowed one, and
 * `Sec-Fetch-Site` (when sent) `same-origin` (or `same-site` from an allowed origin). A request from
 * the right origin that only lacks the header is told so, not called cross-site.
 *
 * @example
 * ```ts
 * csrfRefusal(new Request('https://app.example/auth/logout', { method: 'POST' }), []); // 'missing_header'
 * ```
 */
export function csrfRefusal(
  request: Request,
  allowedOrigins: readonly string[],
): 'cross_site' | 'missing_header' | undefined {
  const origin = request.headers.get('origin');
  if (origin !== null && origin !== new URL(request.url).origin && !allowedOrigins.includes(origin))
    return 'cross_site';
  const site = request.headers.get('sec-fetch-site');
  if (!(
    site === null ||
    site === 'same-origin' ||
    (site === 'same-site' && origin !== null && allowedOrigins.includes(origin))
  ))
    return 'cross_site';
  return request.headers.has(CSRF_HEADER) ? undefined : 'missing_header';
}

/**
 * Whether a login may start from this navigation. A login started by another site (`Sec-Fetch-Site:
 * cross-site` or `same-site`, or, where a browser sends no Fetch Metadata, a `Referer` from another
 * origin) is refused: the login-intent cookie it would plant lets that site finish the login with a
 * code of its own (login CSRF; First Dollar echoes no `state` to tell the two logins apart). A typed
 * URL, a bookmark (`none`) and the app's own pages start logins; so do `allowedOrigins`, by `Referer`.
 *
 * @example
 * ```ts
 * canStartLogin(new Request('https://app.example/auth/login', { headers: { 'sec-fetch-site': 'cross-site' } }), []); // false
 * ```
 */
export function canStartLogin(request: Request, allowedOrigins: readonly string[]): boolean {
  const site = request.headers.get('sec-fetch-site');
  const referer = request.headers.get('referer');
  let from: string | undefined;
  try {
    from = referer ? new URL(referer).origin : undefined;
  } catch {
    return false; // a Referer no browser sends
  }
  const ours =
    from === undefined || from === new URL(request.url).origin || allowedOrigins.includes(from);
  if (site === null || site === 'same-origin' || site === 'none') return ours;
  return from !== undefined && allowedOrigins.includes(from);
}

/** Longest `returnTo` kept, in bytes of its encoded form (what the login-intent cookie holds). */
const MAX_RETURN_TO = 2048;

/**
 * A `returnTo` the handler may redirect to: a same-origin relative path of at most 2048 characters
 * once percent-encoded. Anything else (absolute URLs, `//host`, `/\host`, control characters, a path
 * whose encoding is longer) gives `fallback`.
 *
 * @example
 * ```ts
 * safeReturnTo('/orders?id=7'); // '/orders?id=7'
 * safeReturnTo('https://evil.example/'); // '/'
 * ```
 */
export function safeReturnTo(value: string | null | undefined, fallback = '/'): string {
  if (!value || value.length > MAX_RETURN_TO || !value.startsWith('/') || value.startsWith('//'))
    return fallback;
  // Control characters and any backslash (`/\host` among them).
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\\]/.test(value)) return fallback;
  const base = 'https://grantkit.invalid';
  const url = new URL(value, base);
  const path = `${url.pathname}${url.search}${url.hash}`;
  // Dot segments can normalise into `//host` (`/.//evil`, `/a/..//evil`): check the result, not only the input.
  // The length bound holds for the encoded result: `€` is 1 character in, 9 (`%E2%82%AC`) out.
  return url.origin === base && !path.startsWith('//') && path.length <= MAX_RETURN_TO
    ? path
    : fallback;
}
