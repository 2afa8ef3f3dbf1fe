import ky, { isHTTPError, isNetworkError, isTimeoutError, type KyInstance } from 'ky';
import type { TokenAnswer, TokenRequest } from './adapter';
import { ConfigurationError, GrantkitError } from './errors';
import type { CallTrace } from './telemetry';

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
  return fetcher
    ? (input, init) => fetcher(input, init)
    : (input, init) => globalThis.fetch(input, init);
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

/** " to <host>" of `url` (never its path, query string or userinfo), or "" when there is none. */
const toHost = (url?: string | URL): string => {
  try {
    return ` to ${new URL(url!).host}`;
  } catch {
    return '';
  }
};

/**
 * Maps an error thrown by a fetch/ky call to `url` to a {@link GrantkitError} whose message names
 * the host tried (only the host: a query string or a userinfo may hold a credential). HTTP errors are
 * not handled here; the caller reads them as answers.
 */
export function toTransportError(
  error: unknown,
  signal?: AbortSignal,
  url?: string | URL,
): unknown {
  if (signal?.aborted || (error instanceof Error && error.name === 'AbortError')) {
    return new GrantkitError('aborted', 'The request was aborted', {
      cause: signal?.reason ?? error,
    });
  }
  if (isTimeoutError(error))
    return new GrantkitError('timeout', `The request${toHost(url)} timed out`);
  if (isNetworkError(error) || error instanceof TypeError) {
    return new GrantkitError(
      'network_error',
      `The request${toHost(url)} got no response (network error)`,
      {
        cause: isNetworkError(error) ? error.cause : error,
      },
    );
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
export async function sendRequest(
  http: KyInstance,
  request: TokenRequest,
  signal?: AbortSignal,
  trace?: CallTrace,
): Promise<TokenAnswer> {
  try {
    new Headers(request.headers);
  } catch {
    // The runtime's own error quotes the offending value (`"<value>" is an invalid header value`):
    // it must not become a cause, since the value is a key or token.
    throw new ConfigurationError(
      'A token request header value is not valid HTTP: check the configured keys',
    );
  }
  try {
    const init: Parameters<KyInstance>[1] = { method: request.method, headers: request.headers };
    if (request.body !== undefined) init.body = request.body;
    if (signal) init.signal = signal;
    if (trace) init.hooks = { beforeRetry: [() => void trace.attempts++] };
    const response = await http(request.url, init);
    if (trace) trace.status = response.status;
    return { status: response.status, headers: response.headers, body: await readBody(response) };
  } catch (error) {
    if (isHTTPError(error)) {
      const credentials = credentialsOf(request);
      const headers = new Headers();
      error.response.headers.forEach((value, name) =>
        headers.set(name, redact(value, credentials) as string),
      );
      return { status: error.response.status, headers, body: redact(error.data, credentials) };
    }
    throw toTransportError(error, signal, request.url);
  }
}

/**
 * Every encoding in which a server may quote `value` back: raw, `application/x-www-form-urlencoded`,
 * `encodeURIComponent`, JSON-escaped (with non-ASCII as `\uXXXX` too: Python, Jackson), each JSON form
 * with `/` as `\/` (PHP) and JSON-escaped twice (a JSON request body quoted inside a JSON error
 * string). Matched case-insensitively, which covers lower-case percent and `\u` hex digits.
 */
function encodingsOf(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1);
  const forms = [
    value,
    new URLSearchParams([['', value]]).toString().slice(1),
    encodeURIComponent(value),
  ];
  for (const form of [
    json,
    json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
  ]) {
    forms.push(form, form.replace(/\//g, '\\/'), JSON.stringify(form).slice(1, -1));
  }
  return forms;
}

/**
 * Every form in which a token request carries a credential, to redact from an error answer: each
 * header value but `content-type` / `accept` (API keys, `X-REFRESH-TOKEN`, the whole `Authorization`),
 * the bare base64 credential of `Basic`, its decoded pair and the pair's two halves (as sent:
 * form-encoded, RFC 6749 §2.3.1, and decoded), and each body field but `grant_type` (client secret,
 * refresh token, code, code verifier, …). Each in every encoding of {@link encodingsOf}; values
 * shorter than 6 characters are left (cutting every `en` out of a message would shred it). One
 * case-insensitive pattern, longest first, so a longer form is cut before a shorter one inside it;
 * `undefined` when the request carried nothing to redact.
 */
export function credentialsOf(request: TokenRequest): RegExp | undefined {
  const values = new Set<string>();
  const add = (value: unknown) => {
    if (typeof value !== 'string' || value.length < 6) return;
    let decoded = value;
    try {
      decoded = decodeURIComponent(value.replace(/\+/g, ' '));
    } catch {
      // Not form-encoded.
    }
    for (const form of [...encodingsOf(value), ...encodingsOf(decoded)]) values.add(form);
  };
  for (const [name, value] of Object.entries(request.headers)) {
    if (/^(content-type|accept)$/i.test(name)) continue;
    add(value);
    const basic = /^basic\s+(\S+)$/i.exec(value)?.[1];
    if (basic) {
      add(basic);
      try {
        const pair = new TextDecoder().decode(Uint8Array.from(atob(basic), (c) => c.charCodeAt(0)));
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
      fields = [...new URLSearchParams(request.body)];
    }
    for (const [name, value] of fields) if (name !== 'grant_type') add(value);
  }
  const sorted = [...values].sort((a, b) => b.length - a.length);
  return sorted.length
    ? new RegExp(sorted.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'gi')
    : undefined;
}

/**
 * `value` with every credential replaced in its strings: an error answer may echo what it was sent.
 * Whatever is nested deeper than 64 levels is dropped: no error answer needs it, and walking a
 * document thousands of levels deep (JSON.parse reads one fine) would overflow the stack. Object
 * keys are redacted too (a server may key a map of refused fields by their values).
 */
export function redact(value: unknown, credentials: RegExp | undefined, depth = 0): unknown {
  if (typeof value === 'string')
    return credentials ? value.replace(credentials, '[redacted]') : value;
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= 64) return undefined;
  if (Array.isArray(value)) return value.map((item) => redact(item, credentials, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      redact(key, credentials) as string,
      redact(item, credentials, depth + 1),
    ]),
  );
}

/**
 * Sends a token request and reads the answer, whatever its status. Transport failures become
 * `network_error` / `timeout` / `aborted`; a 2xx that is not JSON becomes `invalid_response`.
 */
export async function sendTokenRequest(
  http: KyInstance,
  request: TokenRequest,
  signal?: AbortSignal,
  trace?: CallTrace,
): Promise<TokenAnswer> {
  const answer = await sendRequest(http, request, signal, trace);
  if (
    answer.status >= 200 &&
    answer.status < 300 &&
    (typeof answer.body !== 'object' || answer.body === null)
  ) {
    throw new GrantkitError(
      'invalid_response',
      `Token endpoint answered ${answer.status} without a JSON body`,
      {
        status: answer.status,
      },
    );
  }
  return answer;
}
