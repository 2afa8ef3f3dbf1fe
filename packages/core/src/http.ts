import ky, { isHTTPError, isNetworkError, isTimeoutError, type KyInstance } from 'ky';
import type { TokenAnswer, TokenRequest } from './adapter';
import { GrantkitError } from './errors';

/**
 * Retry policy of token calls: network errors, 408/429/5xx, with bounded exponential backoff and
 * full jitter; `Retry-After` is honoured (capped by `maxRetryAfter`).
 *
 * @example
 * ```ts
 * createTokenClient({ adapter, retry: { limit: 4, maxRetryAfter: 30_000 } });
 * ```
 */
export interface RetryOptions {
  /** Retries after the first attempt. @default 2 */
  limit?: number;
  /** Longest wait a `Retry-After` may impose, ms. @default 60000 */
  maxRetryAfter?: number;
  /** Longest backoff between attempts, ms. @default 10000 */
  backoffLimit?: number;
}

/** Options of the HTTP layer shared by every network entry point. */
export interface HttpOptions {
  /** The fetch to use. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Per-attempt timeout, ms. @default 10000 */
  timeout?: number;
  /** Retry policy. @default { limit: 2 } */
  retry?: RetryOptions;
}

/**
 * A fetch safe to call as a plain function: `globalThis.fetch` passed around loses its `this`, which
 * browsers and workerd reject ("Illegal invocation"). Without one, looks `globalThis.fetch` up at call
 * time so a polyfill or test double installed later is honoured.
 */
export function unbound(fetcher?: typeof fetch): typeof fetch {
  return fetcher ? (input, init) => fetcher(input, init) : (input, init) => globalThis.fetch(input, init);
}

/** Makes the ky instance token calls go through. */
export function createHttp(options: HttpOptions = {}): KyInstance {
  const retry = options.retry ?? {};
  return ky.create({
    fetch: unbound(options.fetch),
    timeout: options.timeout ?? 10_000,
    retry: {
      limit: retry.limit ?? 2,
      methods: ['post', 'get'],
      statusCodes: [408, 429, 500, 502, 503, 504],
      afterStatusCodes: [429, 503],
      maxRetryAfter: retry.maxRetryAfter ?? 60_000,
      backoffLimit: retry.backoffLimit ?? 10_000,
      jitter: true,
      retryOnTimeout: true,
    },
  });
}

const readBody = async (response: Response): Promise<unknown> => {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};

/**
 * Maps an error thrown by a fetch/ky call to a {@link GrantkitError}. HTTP errors are not handled
 * here; the caller reads them as answers.
 */
export function toTransportError(error: unknown, signal?: AbortSignal): unknown {
  if (signal?.aborted || (error instanceof Error && error.name === 'AbortError')) {
    return new GrantkitError('aborted', 'The request was aborted', { cause: signal?.reason ?? error });
  }
  if (isTimeoutError(error)) return new GrantkitError('timeout', 'The request timed out');
  if (isNetworkError(error) || error instanceof TypeError) {
    return new GrantkitError('network_error', 'The request got no response (network error)', {
      cause: isNetworkError(error) ? error.cause : error,
    });
  }
  return error;
}

/**
 * Sends a request and reads the answer, whatever its status and body (JSON, else text, else
 * undefined: a revocation answers 200 with no body). Transport failures become `network_error` /
 * `timeout` / `aborted`. An error answer (non-2xx) has every credential of the request redacted from
 * its body and its headers, in every encoding the request sent it in (see {@link credentialsOf}), so
 * no error built from it can echo one.
 */
export async function sendRequest(http: KyInstance, request: TokenRequest, signal?: AbortSignal): Promise<TokenAnswer> {
  try {
    new Headers(request.headers);
  } catch {
    // The runtime's own error quotes the offending value (`"<value>" is an invalid header value`):
    // it must not become a cause, since the value is a key or token.
    throw new GrantkitError('config_invalid', 'A token request header holds a value HTTP cannot carry (a line break, NUL or a character outside Latin-1): check the configured keys');
  }
  try {
    const init: Parameters<KyInstance>[1] = { method: request.method, headers: request.headers };
    if (request.body !== undefined) init.body = request.body;
    if (signal) init.signal = signal;
    const response = await http(request.url, init);
    return { status: response.status, headers: response.headers, body: await readBody(response) };
  } catch (error) {
    if (isHTTPError(error)) {
      const credentials = credentialsOf(request);
      const headers = new Headers();
      error.response.headers.forEach((value, name) => headers.set(name, redact(value, credentials) as string));
      return { status: error.response.status, headers, body: redact(error.data, credentials) };
    }
    throw toTransportError(error, signal);
  }
}

/** One value `application/x-www-form-urlencoded`-encoded (space as `+`; `+`, `/`, `=` percent-encoded). */
const formEncode = (value: string): string => new URLSearchParams([['', value]]).toString().slice(1);
/** The same percent-encoding with lower-case hex digits (equivalent bytes; some servers re-encode so). */
const lowerHex = (text: string): string => text.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());
/** A JSON string's content with every non-ASCII character as `\uXXXX` (Python's json.dumps, Jackson). */
const asciiJson = (json: string, upper: boolean): string =>
  json.replace(/[\u007f-\uffff]/g, (c) => {
    const hex = c.charCodeAt(0).toString(16).padStart(4, '0');
    return `\\u${upper ? hex.toUpperCase() : hex}`;
  });
const b64url = (b64: string): string => b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/**
 * Every encoding in which a server may quote `value` back: raw; `application/x-www-form-urlencoded`
 * and `encodeURIComponent` (upper- and lower-case hex; a space also as `+` raw); JSON-escaped, with
 * `/` as `\/` (PHP), with non-ASCII as `\uXXXX` (Python, Jackson), and JSON-escaped twice (a JSON
 * request body quoted inside a JSON error string).
 */
function encodingsOf(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1);
  const jsons = [json, asciiJson(json, false), asciiJson(json, true)];
  const forms = [value, value.replace(/ /g, '+'), formEncode(value), encodeURIComponent(value)];
  for (const form of [formEncode(value), encodeURIComponent(value)]) forms.push(lowerHex(form));
  for (const form of jsons) forms.push(form, form.replace(/\//g, '\\/'), JSON.stringify(form).slice(1, -1));
  return forms;
}

/** Shorter values are not redacted: cutting every `en` or `1234` out of a message would shred it. */
const MIN_SECRET = 6;

/**
 * Every form in which a token request carries a credential, to redact from an error answer: each
 * header value but `content-type` / `accept` (API keys, `X-REFRESH-TOKEN`, the whole `Authorization`),
 * the bare base64 credential of `Basic` (and its base64url form) and its two halves, decoded and as
 * sent (form-encoded, RFC 6749 §2.3.1), and each body field but `grant_type` (client secret, refresh
 * token, code, code verifier, …), as parsed and as sent. Each in every encoding of {@link encodingsOf}.
 * Longest first, so a longer form is cut before a shorter one inside it.
 */
function credentialsOf(request: TokenRequest): string[] {
  const values = new Set<string>();
  const add = (value: unknown) => {
    if (typeof value !== 'string' || value.length < MIN_SECRET) return;
    for (const form of encodingsOf(value)) values.add(form);
    try {
      const decoded = decodeURIComponent(value.replace(/\+/g, ' '));
      if (decoded !== value && decoded.length >= MIN_SECRET) for (const form of encodingsOf(decoded)) values.add(form);
    } catch {
      // Not form-encoded.
    }
  };
  for (const [name, value] of Object.entries(request.headers)) {
    if (/^(content-type|accept)$/i.test(name)) continue;
    add(value);
    const basic = /^basic\s+(\S+)$/i.exec(value);
    if (basic) {
      add(basic[1]);
      add(b64url(basic[1]!));
      try {
        const binary = atob(basic[1]!);
        const pair = new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
        const colon = pair.indexOf(':');
        add(pair);
        add(pair.slice(0, colon));
        add(pair.slice(colon + 1));
      } catch {
        // Not base64: the raw header value is already listed.
      }
    }
  }
  if (request.body !== undefined) {
    let fields: [string, unknown][];
    try {
      const parsed = JSON.parse(request.body) as unknown;
      fields = typeof parsed === 'object' && parsed !== null ? Object.entries(parsed) : [];
    } catch {
      // A form: each value as parsed, and as it stands in the body (the encoding the server got).
      fields = [...new URLSearchParams(request.body)];
      for (const pair of request.body.split('&')) fields.push([pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]);
    }
    for (const [name, value] of fields) if (name !== 'grant_type') add(value);
  }
  return [...values].sort((a, b) => b.length - a.length);
}

/**
 * `value` with every credential replaced in its strings: an error answer may echo what it was sent.
 * Whatever is nested deeper than 64 levels is dropped: no error answer needs it, and walking a
 * document thousands of levels deep (JSON.parse reads one fine) would overflow the stack. Object
 * keys are redacted too (a server may key a map of refused fields by their values).
 */
function redact(value: unknown, credentials: readonly string[], depth = 0): unknown {
  if (typeof value === 'string') return credentials.reduce((text, secret) => (text.includes(secret) ? text.split(secret).join('[redacted]') : text), value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= 64) return undefined;
  if (Array.isArray(value)) return value.map((item) => redact(item, credentials, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [redact(key, credentials) as string, redact(item, credentials, depth + 1)]));
}

/**
 * Sends a token request and reads the answer, whatever its status. Transport failures become
 * `network_error` / `timeout` / `aborted`; a 2xx that is not JSON becomes `invalid_response`.
 */
export async function sendTokenRequest(http: KyInstance, request: TokenRequest, signal?: AbortSignal): Promise<TokenAnswer> {
  const answer = await sendRequest(http, request, signal);
  if (answer.status >= 200 && answer.status < 300 && (typeof answer.body !== 'object' || answer.body === null)) {
    throw new GrantkitError('invalid_response', `Token endpoint answered ${answer.status} without a JSON body`, {
      status: answer.status,
    });
  }
  return answer;
}
