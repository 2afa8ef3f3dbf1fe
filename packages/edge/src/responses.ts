/** The handler's own answers: never cached, never holding a secret. */

/** A JSON error response: a code, a message, never a secret. */
export function jsonError(
  status: number,
  error: string,
  message: string,
  headers: HeadersInit = {},
): Response {
  const response = Response.json({ error, message }, { status, headers });
  response.headers.set('cache-control', 'no-store');
  return response;
}

/** A JSON answer that is never cached. */
export const jsonAnswer = (body: unknown, headers: Record<string, string> = {}): Response =>
  Response.json(body, { headers: { 'cache-control': 'no-store', ...headers } });

/** A 302 that is never cached. */
export const redirect = (location: string, cookies: readonly string[] = []): Response =>
  withCookies(
    new Response(null, { status: 302, headers: { location, 'cache-control': 'no-store' } }),
    cookies,
  );

/** A response with several Set-Cookie headers. */
export function withCookies(response: Response, setCookies: readonly string[]): Response {
  for (const cookie of setCookies) response.headers.append('set-cookie', cookie);
  return response;
}
