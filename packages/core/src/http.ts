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
 * its body, so no error built from it can echo one.
 */
export async function sendRequest(http: KyInstance, request: TokenRequest, signal?: AbortSignal): Promise<TokenAnswer> {
  try {
    const init: Parameters<KyInstance>[1] = { method: request.method, headers: request.headers };
    if (request.body !== undefined) init.body = request.body;
    if (signal) init.signal = signal;
    const response = await http(request.url, init);
    return { status: response.status, headers: response.headers, body: await readBody(response) };
  } catch (error) {
    if (isHTTPError(error)) {
      return { status: error.response.status, headers: error.response.headers, body: redact(error.data, credentialsOf(request)) };
    }
    throw toTransportError(error, signal);
  }
}

/** Credential values a token request carries (body fields, header values, the halves of Basic auth). */
function credentialsOf(request: TokenRequest): string[] {
  const values = new Set<string>();
  const add = (value: unknown) => {
    if (typeof value !== 'string' || value.length < 6) return;
    values.add(value);
    try {
      values.add(decodeURIComponent(value.replace(/\+/g, ' ')));
    } catch {
      // Not form-encoded.
    }
  };
  for (const [name, value] of Object.entries(request.headers)) {
    if (/^(content-type|accept)$/i.test(name)) continue;
    add(value);
    const basic = /^basic\s+(\S+)$/i.exec(value);
    if (basic) {
      try {
        const pair = atob(basic[1]!);
        const colon = pair.indexOf(':');
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
  return [...values].sort((a, b) => b.length - a.length);
}

/**
 * `value` with every credential replaced in its strings: an error answer may echo what it was sent.
 * Whatever is nested deeper than 64 levels is dropped: no error answer needs it, and walking a
 * document thousands of levels deep (JSON.parse reads one fine) would overflow the stack.
 */
function redact(value: unknown, credentials: readonly string[], depth = 0): unknown {
  if (typeof value === 'string') return credentials.reduce((text, secret) => text.split(secret).join('[redacted]'), value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= 64) return undefined;
  if (Array.isArray(value)) return value.map((item) => redact(item, credentials, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redact(item, credentials, depth + 1)]));
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
