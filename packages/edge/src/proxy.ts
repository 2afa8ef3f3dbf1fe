import { GrantkitError } from '@grantkit/core';
import { isSameOriginRequest } from './csrf';
import { jsonError, withCookies, type Context } from './context';
import { sessionFailure } from './routes';

// Hop-by-hop headers (RFC 9110 §7.6.1) and what must never cross the proxy.
const DROP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'cookie', 'set-cookie', 'authorization', 'host', 'content-length']);
const FORWARD_REQUEST = ['content-type', 'accept', 'accept-language', 'x-request-id'];

/**
 * Forwards a same-origin request to its allowlisted upstream (`upstream`: its URL with the request's
 * query string) with the session's bearer token,
 * renewing it (single flight per session) and retrying once on 401.
 */
export async function proxy(ctx: Context, request: Request, upstream: string): Promise<Response> {
  if (!isSameOriginRequest(request, ctx.options.allowedOrigins ?? [])) return jsonError(403, 'csrf', 'Cross-site request refused');
  const cookies = ctx.cookies(request);
  const data = await ctx.readSession(cookies);
  if (!data) return jsonError(401, 'unauthenticated', 'Not logged in');

  const limit = ctx.options.maxBodyBytes ?? 1_048_576;
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > limit) return jsonError(413, 'payload_too_large', 'Body too large');
  const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer();
  if (body && body.byteLength > limit) return jsonError(413, 'payload_too_large', 'Body too large');

  const headers = new Headers();
  for (const name of FORWARD_REQUEST) {
    const value = request.headers.get(name);
    if (value !== null) headers.set(name, value);
  }

  // The deadline covers the wait for the answer's headers, not the streaming of its body; a browser
  // that goes away still cancels everything.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException('The upstream did not answer in time', 'TimeoutError'));
  }, ctx.options.upstreamTimeout ?? 30_000);
  const onAbort = () => controller.abort(request.signal.reason);
  if (request.signal.aborted) onAbort();
  else request.signal.addEventListener('abort', onAbort, { once: true });
  const signal = controller.signal;
  try {
    const client = await ctx.clientFor(data);
    const before = data.tokens.accessToken;
    const init: RequestInit = { method: request.method, headers, signal };
    if (body) init.body = body;
    const answer = await client.fetch(upstream, init).finally(() => clearTimeout(timer));
    const response = new Response(answer.body, answer); // a copy with mutable headers
    for (const name of [...response.headers.keys()]) if (DROP.has(name)) response.headers.delete(name);
    response.headers.set('cache-control', 'no-store');
    const tokens = await client.getTokenSet();
    // A renewal happened: the browser's cookie must carry the new tokens (and rotated refresh token).
    return tokens.accessToken === before ? response : withCookies(response, await ctx.writeSession(cookies, { sid: data.sid, tokens }));
  } catch (error) {
    clearTimeout(timer);
    return sessionFailure(ctx, cookies, data.sid, timedOut ? new GrantkitError('timeout', 'The upstream did not answer in time') : error);
  }
}

/** Names the hop-by-hop and credential headers the proxy never forwards (for tests and docs). */
export const droppedHeaders: ReadonlySet<string> = DROP;
