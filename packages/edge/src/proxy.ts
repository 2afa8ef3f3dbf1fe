import { GrantkitError, isGrantkitError, type TokenClient, type TokenSet } from '@grantkit/core';
import { readOrStream, readStreamBounded, TOO_LARGE } from './body';
import type { Context } from './context';
import { jsonError, withCookies } from './responses';
import { sessionFailure, type SessionInput } from './routes';
import { scoped } from './telemetry';

// Hop-by-hop headers (RFC 9110 §7.6.1) and what must never cross the proxy.
const DROP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'cookie',
  'set-cookie',
  'authorization',
  'host',
  'content-length',
]);
// `content-encoding` describes the request bytes the proxy sends on unchanged, so it goes with them.
const FORWARD_REQUEST = [
  'content-type',
  'content-encoding',
  'accept',
  'accept-language',
  'x-request-id',
];
// Headers that describe the bytes as the upstream encoded them: wrong once the runtime's fetch has
// decoded the body (Node, Deno, workerd and browsers all do, and all keep these headers).
const ENCODED_REPRESENTATION = [
  'content-encoding',
  'content-length',
  'content-digest',
  'content-md5',
];
// The codings every runtime's fetch decodes (workerd decodes neither deflate nor zstd): the proxy asks
// for these only, so it knows the body it relays is decoded.
const ACCEPT_ENCODING = 'gzip, br';
const DECODED_CODINGS = new Set(['gzip', 'x-gzip', 'br']);
/** Request bodies up to this size are buffered, so the retry after a 401 can send them again; larger ones stream. */
const REPLAY_BYTES = 65_536;
/** Largest error body read to redact tokens; a larger one is replaced by a generic error. */
const ERROR_BODY_BYTES = 65_536;
const REDACTED = '[REDACTED]';

/**
 * Forwards a same-origin request to its allowlisted upstream (`upstream`: its URL with the request's
 * query string) with the session's bearer token, renewing it (single flight per session).
 *
 * Request bodies are bounded while read (`maxBodyBytes`, 413 past it, whatever `Content-Length`
 * says): a body of up to 64 KiB is buffered and retried once after a 401; a larger one streams to the
 * upstream and is cut at the limit, and a 401 on it renews the session without a retry (a stream
 * cannot be sent twice: the browser retries). Answers: the proxy asks for gzip or br, which every
 * runtime's fetch decodes, and drops the headers of that encoding (a coding it did not ask for is a
 * 502 `upstream_encoding`); error answers (4xx/5xx) have the session's tokens redacted from their
 * headers and from their body (read up to 64 KiB; a larger one becomes a generic 'upstream_error').
 * Successful bodies stream through untouched.
 */
export async function proxy(
  ctx: Context,
  request: Request,
  { cookies, session: data, url }: SessionInput,
): Promise<Response> {
  const configured = ctx.config.proxy.get(url.pathname)!; // the handler routes only proxy paths here
  const upstream = url.search ? `${configured.split('?')[0]}${url.search}` : configured;
  const limit = ctx.config.maxBodyBytes;
  const body =
    request.method === 'GET' || request.method === 'HEAD'
      ? undefined
      : await readOrStream(request, limit, REPLAY_BYTES);
  if (body === TOO_LARGE) return tooLarge();

  const headers = new Headers();
  for (const name of FORWARD_REQUEST) {
    const value = request.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  headers.set('accept-encoding', ACCEPT_ENCODING);

  // The deadline covers the wait for the answer's headers (and the bounded read of an error body),
  // not the streaming of a successful body; a browser that goes away still cancels everything.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException('The upstream did not answer in time', 'TimeoutError'));
  }, ctx.config.upstreamTimeout);
  const onAbort = () => controller.abort(request.signal.reason);
  if (request.signal.aborted) onAbort();
  else request.signal.addEventListener('abort', onAbort, { once: true });
  const signal = controller.signal;
  // The upstream exchange (a 401's renewal and retry included), reported as one `proxy` scope.
  const traced = (send: () => Promise<Response>) =>
    scoped(
      ctx.config.telemetry,
      () => {
        const { host, pathname } = new URL(upstream);
        return { type: 'proxy.start', method: request.method, host, path: pathname };
      },
      send,
    );
  try {
    const client = await ctx.sessions.clientFor(data);
    const before = data.tokens;
    const init: RequestInit = { method: request.method, headers, signal };
    let answer: Response;
    if (body && 'stream' in body) {
      try {
        answer = await traced(() => sendStream(ctx, client, upstream, init, body.stream));
      } catch (error) {
        if (body.tooLarge()) return tooLarge();
        throw error;
      }
      // workerd may end the upstream request when the body stream errors, rather than abort it: the
      // upstream then answers a cut body. The browser gets the 413 either way.
      if (body.tooLarge()) {
        await answer.body?.cancel().catch(() => {});
        return tooLarge();
      }
    } else {
      if (body) init.body = body.bytes as Uint8Array<ArrayBuffer>;
      answer = await traced(() => client.fetch(upstream, init));
    }
    const tokens = await client.getTokenSet();
    const response = await relay(answer, redactorOf(before, tokens));
    // A renewal happened: the browser's cookie must carry the new tokens (and rotated refresh token).
    if (tokens.accessToken === before.accessToken) return response;
    // The upstream has acted on the request by now: a failed session write (a store outage, a session
    // too large for cookies) is reported, never turned into an error the browser would retry.
    const setCookies = await ctx.sessions
      .write(cookies, { ...data, tokens })
      .catch((error: unknown) => {
        ctx.report(error);
        return [];
      });
    return withCookies(response, setCookies);
  } catch (error) {
    return sessionFailure(
      ctx,
      cookies,
      data.sid,
      timedOut ? new GrantkitError('timeout', 'The upstream did not answer in time') : error,
    );
  } finally {
    clearTimeout(timer);
  }
}

function tooLarge(): Response {
  return jsonError(413, 'payload_too_large', 'Body too large');
}

/**
 * Sends a streamed body once, with the current token: `client.fetch` would tee it (`clone()`) for
 * its retry, holding every byte sent. A 401 renews the session's token for the next request.
 */
async function sendStream(
  ctx: Context,
  client: TokenClient,
  upstream: string,
  init: RequestInit,
  stream: ReadableStream<Uint8Array>,
): Promise<Response> {
  const signal = init.signal ?? undefined;
  const token = await client.getAccessToken({ signal });
  const headers = new Headers(init.headers);
  headers.set('authorization', client.authorization(token));
  const fetcher = ctx.config.fetch ?? globalThis.fetch;
  let answer: Response;
  try {
    // `duplex: 'half'` is what Node's fetch requires for a stream body; Deno and workerd accept it.
    // `redirect: 'error'`: with any other mode, fetch clones the request to follow a redirect, and the
    // clone tees the body and holds every byte sent (measured in Node: +100 MiB for a 100 MiB body).
    // A redirect cannot resend a stream anyway; it becomes a 502. workerd refuses 'error' and never
    // tees: there, 'manual' relays a 3xx as it is.
    answer = await fetcher(upstream, {
      ...init,
      headers,
      body: stream,
      duplex: 'half',
      redirect: redirectMode(),
    } as RequestInit);
  } catch (error) {
    if (isGrantkitError(error)) throw error;
    throw signal?.aborted
      ? error
      : new GrantkitError('network_error', 'The upstream could not be reached', { cause: error });
  }
  if (answer.status === 401) await client.renewAfterRejection(token, { signal });
  return answer;
}

let redirectError: boolean | undefined;
/** `'error'` where the runtime's Request accepts it (Node, Deno), else `'manual'` (workerd). */
function redirectMode(): RequestRedirect {
  if (redirectError === undefined) {
    try {
      new Request('http://127.0.0.1/', { redirect: 'error' });
      redirectError = true;
    } catch {
      redirectError = false;
    }
  }
  return redirectError ? 'error' : 'manual';
}

/** Redactors kept per isolate: each holds ~10 encodings of each token (~10 KB for JWTs), so few. */
const MAX_REDACTORS = 256;
/**
 * The redactor of a session's tokens before and after the request, kept per isolate by the access
 * token the request came with (the same on every request of a session until it renews, whether the
 * tokens came from the cookie or from a session store): building one encodes every token several
 * ways, which was most of the proxy's CPU when done for every request. Bounded: the oldest goes first.
 */
const redactors = new Map<string, { secrets: string[]; redact: (text: string) => string }>();
function redactorOf(before: TokenSet, after: TokenSet): (text: string) => string {
  const secrets = [before.accessToken, before.refreshToken, after.accessToken, after.refreshToken];
  const hit = redactors.get(before.accessToken);
  if (hit && hit.secrets.every((secret, i) => secret === secrets[i])) return hit.redact;
  const redact = redactor(secrets);
  redactors.delete(before.accessToken);
  if (redactors.size >= MAX_REDACTORS) redactors.delete(redactors.keys().next().value!);
  redactors.set(before.accessToken, { secrets: secrets as string[], redact });
  return redact;
}

/**
 * The answer the browser gets: headers that fit the body sent, tokens out of error answers. A
 * successful answer is built at once (no `async` frame on the common path); an error answer's body is
 * read (bounded) and redacted first.
 */
function relay(answer: Response, redact: (text: string) => string): Response | Promise<Response> {
  const source = answer.headers;
  const coding = source.get('content-encoding')?.trim().toLowerCase();
  const decoded = coding !== undefined && coding !== '' && coding !== 'identity';
  if (decoded && !DECODED_CODINGS.has(coding) && answer.body !== null) {
    // A coding the proxy did not ask for: this runtime may have handed it over still encoded.
    return answer.body
      .cancel()
      .catch(() => {})
      .then(() =>
        jsonError(
          502,
          'upstream_encoding',
          'The API answered in a content coding the proxy cannot relay',
        ),
      );
  }
  // The runtime copies the headers (the answer's own are immutable); one pass then takes out the
  // few that must go and redacts a value only where it holds a token (most headers do neither).
  const headers = new Headers(source);
  for (const [name, value] of source) {
    if (DROP.has(name) || (decoded && ENCODED_REPRESENTATION.includes(name))) headers.delete(name);
    else {
      const redacted = redact(value);
      if (redacted !== value) headers.set(name, redacted);
    }
  }
  headers.set('cache-control', 'no-store');
  const init = { status: answer.status, statusText: redact(answer.statusText), headers };
  if (answer.status < 400 || answer.body === null) {
    const length = source.get('content-length');
    if (!decoded && length !== null) headers.set('content-length', length);
    return new Response(answer.body, init);
  }
  return relayError(answer.status, answer.body, init, redact);
}

/** An error answer, its body read up to 64 KiB and its tokens redacted (a larger one: a generic error). */
async function relayError(
  status: number,
  body: ReadableStream<Uint8Array>,
  init: ResponseInit & { headers: Headers },
  redact: (text: string) => string,
): Promise<Response> {
  const bytes = await readStreamBounded(body, ERROR_BODY_BYTES);
  if (bytes === TOO_LARGE) {
    init.headers.set('content-type', 'application/json');
    return new Response(
      JSON.stringify({
        error: 'upstream_error',
        message: `The API answered ${status} with an error too large to relay`,
      }),
      init,
    );
  }
  return new Response(fromBinary(redact(toBinary(bytes))) as Uint8Array<ArrayBuffer>, init);
}

/**
 * Replaces every spelling of each secret in a string of bytes (one char per byte): raw (also inside
 * `Bearer …`), URL-encoded (either hex case), JSON-escaped, and base64 / base64url at any offset
 * inside a longer base64 text (the part that depends on the secret's bytes only).
 */
function redactor(secrets: readonly (string | undefined)[]): (text: string) => string {
  const patterns = new Set<string>();
  for (const secret of secrets) {
    if (!secret || secret.length < 8) continue;
    const raw = toBinary(new TextEncoder().encode(secret));
    patterns.add(raw);
    const url = encodeURIComponent(secret);
    patterns.add(url);
    patterns.add(url.replace(/%[0-9A-F]{2}/g, (x) => x.toLowerCase()));
    patterns.add(
      toBinary(new TextEncoder().encode(JSON.stringify(secret).slice(1, -1).replace(/\//g, '\\/'))),
    );
    for (let offset = 0; offset < 3; offset++) {
      const all = btoa('\0'.repeat(offset) + raw).replace(/=+$/, '');
      const n = offset + raw.length;
      const start = [0, 2, 3][offset]!;
      const end = 4 * Math.floor(n / 3) + [0, 1, 2][n % 3]!;
      const middle = all.slice(start, end);
      if (middle.length < 12) continue;
      patterns.add(middle);
      patterns.add(middle.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  const list = [...patterns].filter((p) => p.length >= 8).sort((a, b) => b.length - a.length);
  const shortest = list.length ? list[list.length - 1]!.length : Infinity;
  return (text) => {
    if (text.length < shortest) return text; // no pattern fits (most header values)
    for (const p of list) if (text.includes(p)) text = text.split(p).join(REDACTED);
    return text;
  };
}

function toBinary(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192)
    out += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return out;
}

function fromBinary(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** Names the hop-by-hop and credential headers the proxy never forwards (for tests and docs). */
export const droppedHeaders: ReadonlySet<string> = DROP;
