/**
 * Small Web-standard helpers shared by the vendor emulators (no Node APIs).
 * @internal
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Base64url without padding. */
export function b64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A random base64url string from `bytes` random bytes. */
export function randomToken(bytes = 32): string {
  const buf = new Uint8Array(bytes);
  crypto.getRandomValues(buf);
  return b64url(buf);
}

/** PKCE S256: base64url(SHA-256(verifier)). */
export async function s256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(verifier));
  return b64url(new Uint8Array(digest));
}

/** Length-independent string comparison, so secrets are not compared with an early exit. */
export function safeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** A JSON response with a mutable header list. */
export function json(status: number, body: unknown, headers?: HeadersInit): Response {
  const h = new Headers(headers);
  h.set('content-type', 'application/json; charset=utf-8');
  return new Response(JSON.stringify(body), { status, headers: h });
}

/** An OAuth-style error body `{ error, error_description }` (RFC 6749 §5.2 shape). */
export function oauthError(
  status: number,
  error: string,
  description: string,
  headers?: HeadersInit,
): Response {
  const h = new Headers(headers);
  h.set('cache-control', 'no-store');
  return json(status, { error, error_description: description }, h);
}

/** A 302 redirect with a mutable header list (unlike `Response.redirect`). */
export function redirect(location: string | URL): Response {
  return new Response(null, {
    status: 302,
    headers: { location: String(location), 'cache-control': 'no-store' },
  });
}

/** An HTML response. */
export function html(status: number, body: string): Response {
  return new Response(body, {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
  });
}

/** Escapes text for HTML. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The media type of a request's Content-Type, lower case, without parameters; '' when absent. */
export function mediaType(headers: Headers): string {
  return (headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

export type Parsed<T> = { ok: true; fields: T } | { ok: false; reason: string };

/** Parses a JSON object body. */
export function parseJsonObject(text: string): Parsed<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'The request body is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'The request body must be a JSON object' };
  }
  return { ok: true, fields: value as Record<string, unknown> };
}

/** Parses an `application/x-www-form-urlencoded` body; a repeated parameter is an error (RFC 6749 §3.1). */
export function parseForm(text: string): Parsed<Record<string, string>> {
  const fields: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(text)) {
    if (Object.prototype.hasOwnProperty.call(fields, k))
      return { ok: false, reason: `Parameter "${k}" is repeated` };
    fields[k] = v;
  }
  return { ok: true, fields };
}

/** Parses a JSON or form body by its Content-Type; `undefined` for any other media type. */
export function parseBody(
  headers: Headers,
  text: string,
): Parsed<Record<string, unknown>> | undefined {
  const type = mediaType(headers);
  if (type === 'application/json') return parseJsonObject(text);
  if (type === 'application/x-www-form-urlencoded') return parseForm(text);
  return undefined;
}

/** Best-effort read of one field from a JSON or form body, whatever the Content-Type says (for request logs). */
export function sniffField(text: string, name: string): string | undefined {
  const asJson = parseJsonObject(text);
  if (asJson.ok) {
    const v = asJson.fields[name];
    return typeof v === 'string' ? v : undefined;
  }
  return new URLSearchParams(text).get(name) ?? undefined;
}

/**
 * Reads string fields from a parsed body. Returns the first problem as a message: a present
 * non-string value, or a missing / empty required field.
 */
export function stringFields<K extends string>(
  fields: Record<string, unknown>,
  required: readonly K[],
  optional: readonly string[] = [],
):
  | { ok: true; values: Record<K, string> & Record<string, string | undefined> }
  | { ok: false; reason: string } {
  const values: Record<string, string | undefined> = {};
  for (const name of [...required, ...optional]) {
    const v = fields[name];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') return { ok: false, reason: `"${name}" must be a string` };
    if (v !== '') values[name] = v;
  }
  for (const name of required)
    if (values[name] === undefined) return { ok: false, reason: `"${name}" is required` };
  return { ok: true, values: values as Record<K, string> & Record<string, string | undefined> };
}

/**
 * Decodes `Authorization: Basic <base64(id:secret)>`. Returns `undefined` when the header is not
 * valid Basic (e.g. the pair sent unencoded). With `formDecode`, each half is then
 * form-urlencoded-decoded, as RFC 6749 §2.3.1 requires.
 */
export function decodeBasic(
  header: string | null,
  formDecode = false,
): { id: string; secret: string } | undefined {
  const m = /^basic +([A-Za-z0-9+/]+={0,2})$/i.exec((header ?? '').trim());
  if (!m) return undefined;
  let raw: string;
  try {
    raw = decoder.decode(Uint8Array.from(atob(m[1]!), (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
  const i = raw.indexOf(':');
  if (i < 0) return undefined;
  let id = raw.slice(0, i);
  let secret = raw.slice(i + 1);
  if (formDecode) {
    try {
      id = decodeURIComponent(id.replace(/\+/g, ' '));
      secret = decodeURIComponent(secret.replace(/\+/g, ' '));
    } catch {
      return undefined;
    }
  }
  return { id, secret };
}

/** The token of `Authorization: Bearer <token>`; with `allowRaw`, a bare `Authorization: <token>` too. */
export function bearerToken(headers: Headers, allowRaw = false): string | undefined {
  const value = headers.get('authorization')?.trim();
  if (!value) return undefined;
  const m = /^bearer +(\S+)$/i.exec(value);
  if (m) return m[1];
  return allowRaw && /^\S+$/.test(value) ? value : undefined;
}

/** Waits `ms` on a real timer; rejects with the signal's reason when it aborts. */
export function sleep(ms: number, signal?: AbortSignal | null): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** `CompressionStream` / `DecompressionStream` format of each content coding. */
const FORMATS = { br: 'brotli', gzip: 'gzip', deflate: 'deflate' } as const;
type Coding = keyof typeof FORMATS;

function supported(coding: Coding): boolean {
  try {
    new CompressionStream(FORMATS[coding] as CompressionFormat);
    return true;
  } catch {
    return false;
  }
}

/** The coding to answer with: `wanted` (or, for `true`, the first of br, gzip, deflate) among those `Accept-Encoding` allows. */
export function chooseCoding(
  acceptEncoding: string | null,
  wanted: boolean | Coding,
): Coding | undefined {
  const accepted = new Map<string, number>();
  for (const part of (acceptEncoding ?? '').toLowerCase().split(',')) {
    const [name, ...params] = part.split(';').map((x) => x.trim());
    if (!name) continue;
    const q = params.find((p) => p.startsWith('q='));
    accepted.set(name, q ? Number(q.slice(2)) : 1);
  }
  const ok = (c: Coding) =>
    (accepted.get(c) ?? (accepted.has('*') ? accepted.get('*')! : 0)) > 0 && supported(c);
  const order: Coding[] =
    wanted === true ? ['br', 'gzip', 'deflate'] : wanted === false ? [] : [wanted];
  return order.find(ok);
}

/** The same answer with its body encoded in `coding` (`Content-Encoding`, `Content-Length` of the encoded bytes, `Vary`). */
export async function encodeResponse(res: Response, coding: Coding): Promise<Response> {
  if (res.body === null || res.headers.has('content-encoding')) return res;
  const bytes = new Uint8Array(
    await new Response(
      res.body.pipeThrough(new CompressionStream(FORMATS[coding] as CompressionFormat)),
    ).arrayBuffer(),
  );
  const headers = new Headers(res.headers);
  headers.set('content-encoding', coding);
  headers.set('content-length', String(bytes.byteLength));
  headers.append('vary', 'Accept-Encoding');
  return new Response(bytes, { status: res.status, statusText: res.statusText, headers });
}

/**
 * What a runtime's `fetch` (Node, Deno, workerd, browsers) hands its caller for an encoded answer:
 * the decoded body, with `Content-Encoding` and `Content-Length` left as the server sent them.
 */
export function decodeLikeFetch(res: Response): Response {
  const coding = res.headers.get('content-encoding')?.trim().toLowerCase() as Coding | undefined;
  if (res.body === null || coding === undefined || !(coding in FORMATS)) return res;
  const body = res.body.pipeThrough(new DecompressionStream(FORMATS[coding] as CompressionFormat));
  return new Response(body, {
    status: res.status,
    statusText: res.statusText,
    headers: res.headers,
  });
}

/** A 401 (or `status`) that quotes the `Authorization` header it refused, raw and encoded, in its body and headers. */
export function echoAuthorization(headers: Headers, status = 401): Response {
  const value = headers.get('authorization') ?? '';
  const base64 = btoa(String.fromCharCode(...encoder.encode(value)));
  return json(
    status,
    {
      error: 'invalid_token',
      error_description: `Refused Authorization: ${value}`,
      debug: {
        authorization: value,
        url_encoded: encodeURIComponent(value),
        base64,
        token_in_url: `https://api.example/?access_token=${encodeURIComponent(value.replace(/^\S+ /, ''))}`,
      },
    },
    {
      'www-authenticate': `Bearer error="invalid_token", error_description="refused ${value}"`,
      'x-echo-authorization': value,
    },
  );
}
