/** The emulator core: routing by path, request log, faults, latency, clock. */
import { firstDollarRoutes, findFirstDollarApp } from './first-dollar';
import { firstOrionRoutes } from './first-orion';
import { oauth2Routes } from './oauth2';
import { orangeLogicRoutes } from './orange-logic';
import type { EmuRequest, Route } from './route';
import { EmulatorState } from './state';
import { checkOptions, optionRules as r, type OptionRule } from '../options';
import type {
  ContentCoding,
  EmulatorOptions,
  Fault,
  RequestFilter,
  RequestRecord,
  VendorEmulator,
} from './types';
import {
  abortReason,
  chooseCoding,
  decodeLikeFetch,
  echoAuthorization,
  encodeResponse,
  json,
  oauthError,
  parseJsonObject,
  sleep,
  sniffField,
} from './util';

/** Requests kept in `requests` (the newest). */
const MAX_REQUESTS = 10_000;
const DROPPED = Symbol.for('grantkit.emulator.dropped');

/**
 * Whether an error is the rejection of a `drop` fault (`TypeError('fetch failed')`).
 * @example
 * await emulator.fetch(url).catch((e) => { if (isDroppedConnection(e)) console.log('dropped'); });
 */
export function isDroppedConnection(error: unknown): boolean {
  return error instanceof TypeError && (error as { [DROPPED]?: boolean })[DROPPED] === true;
}

function droppedError(
  message = 'fetch failed',
  cause = 'connection dropped by an emulator fault',
): TypeError {
  const e = new TypeError(message, { cause: new Error(cause) });
  Object.defineProperty(e, DROPPED, { value: true });
  return e;
}

/** The same answer, whose body errors like a reset socket after the first half of its bytes. */
async function resetResponse(res: Response): Promise<Response> {
  const bytes = new Uint8Array(await res.arrayBuffer());
  const half = bytes.subarray(0, Math.floor(bytes.length / 2));
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (half.length > 0 && controller.desiredSize !== null) controller.enqueue(half.slice());
      controller.error(droppedError('terminated', 'connection reset by an emulator fault'));
    },
  });
  return new Response(body, {
    status: res.status,
    statusText: res.statusText,
    headers: res.headers,
  });
}

/** The refresh token a request presents, whatever the vendor's field for it. */
function presentedRefreshToken(text: string, headers: Headers): string | undefined {
  return (
    sniffField(text, 'refresh_token') ?? headers.get('x-refresh-token') ?? sniffField(text, 'code')
  );
}

function faultResponse(f: Fault, requestHeaders: Headers): Response | undefined {
  if (f.echoAuthorization) return echoAuthorization(requestHeaders, f.status);
  const status =
    f.status ??
    (f.retryAfter !== undefined
      ? 429
      : f.body !== undefined || f.malformedJson || f.text !== undefined
        ? 200
        : undefined);
  if (status === undefined) return undefined;
  const headers = new Headers({ 'content-type': 'application/json' });
  if (f.retryAfter !== undefined) headers.set('retry-after', String(f.retryAfter));
  if (f.text !== undefined) {
    headers.set('content-type', f.contentType ?? 'text/html; charset=utf-8');
    return new Response(f.text, { status, headers });
  }
  if (f.malformedJson) return new Response('{"access_token": "trunc', { status, headers });
  if (f.body !== undefined) return new Response(JSON.stringify(f.body), { status, headers });
  const error =
    status === 429 || status === 503
      ? 'temporarily_unavailable'
      : status >= 500
        ? 'server_error'
        : 'injected_fault';
  return oauthError(status, error, `Injected fault (HTTP ${status})`, headers);
}

function pathMatches(p: string | RegExp | undefined, path: string): boolean {
  if (p === undefined) return true;
  if (typeof p === 'string') return p === path;
  p.lastIndex = 0;
  return p.test(path);
}

const SECONDS = r.positive('seconds');
const FN = r.function();
/** An array of objects whose `keys` are non-empty strings (a credential list). */
const list = (...keys: string[]) =>
  r.where(
    (v) =>
      Array.isArray(v) &&
      v.every(
        (e) =>
          typeof e === 'object' &&
          e !== null &&
          keys.every(
            (k) =>
              typeof (e as Record<string, unknown>)[k] === 'string' &&
              (e as Record<string, string>)[k] !== '',
          ),
      ),
    `an array of { ${keys.join(', ')} } (non-empty strings)`,
  );

/** What each option of {@link EmulatorOptions} may hold. */
const RULES = {
  now: r.positive('milliseconds since the epoch', { zero: true }),
  accessTokenTtl: r.object({
    firstDollar: SECONDS,
    firstOrionV2: SECONDS,
    firstOrionV1: SECONDS,
    orangeLogic: SECONDS,
    oauth2: SECONDS,
  }),
  refreshTokenTtl: r.object({ orangeLogic: SECONDS, oauth2: SECONDS }),
  firstDollar: r.object({
    partners: list('clientId', 'clientSecret'),
    apps: list('appId', 'clientId', 'clientSecret', 'redirectUri'),
    graphql: FN,
  }),
  firstOrion: r.object({ keys: list('apiKey', 'secretKey'), refreshUnsupported: r.boolean() }),
  orangeLogic: r.object({
    clients: list('clientId', 'clientSecret', 'redirectUri'),
    consentPage: r.boolean(),
  }),
  oauth2: r.object({
    clients: r.where(
      (v) =>
        Array.isArray(v) &&
        v.every(
          (c: Partial<Record<string, unknown>> | null) =>
            typeof c?.clientId === 'string' &&
            Array.isArray(c.redirectUris) &&
            (c.clientSecret === undefined || typeof c.clientSecret === 'string'),
        ),
      'an array of { clientId, clientSecret?, redirectUris: string[], tokenEndpointAuthMethod? }',
    ),
  }),
  latency: FN,
  tokenPrefix: r.stringWhere(
    (v) => /^[\w.~-]*$/.test(v),
    'URL- and header-safe characters ([A-Za-z0-9._~-])',
  ),
  compress: r.oneOf(true, false, 'br', 'gzip', 'deflate'),
} satisfies Record<keyof EmulatorOptions, OptionRule>;

/**
 * Creates an in-process emulator of the First Dollar, First Orion, Orange Logic and generic OAuth 2.0
 * token endpoints. It enforces each vendor's documented request format, answers malformed requests
 * as a strict server would (`{ error, error_description }` with 400 / 401 / 415), routes by path only
 * (any host works), and uses a virtual clock for every expiry: real time (plus what `clock.advance()` /
 * `clock.set()` added), or, with the `now` option, a fixed clock that moves only by `advance` / `set`.
 *
 * Paths served: `/v0/auth/token`, `/graphql`, `/app/<appId>/graphql`, `/oauth/app/<appId>/` (First
 * Dollar); `/v2/auth`, `/v1/auth`, `/v1/auth/refresh`, `/v1/echo` (First Orion); `/oauth2/auth`,
 * `/webapi/security/oauth2/token_48I_v1`,
 * `/webapi/security/clientcredentialsauthentication/authenticate_46H_v1`, `/webapi/echo` (Orange Logic); `/oauth2/authorize`,
 * `/oauth2/token`, `/oauth2/revoke`, `/oauth2/userinfo` (OAuth 2.0).
 *
 * @example
 * import { createVendorEmulator, TEST_CREDENTIALS } from '@grantkit/core/testing';
 *
 * const emulator = createVendorEmulator({ now: Date.UTC(2030, 0, 1) });
 * const { clientId, clientSecret } = TEST_CREDENTIALS.firstDollarPartner;
 * const res = await emulator.fetch('https://api.dev.firstdollar.com/v0/auth/token', {
 *   method: 'POST',
 *   headers: { 'Content-Type': 'application/json' },
 *   body: JSON.stringify({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
 * });
 * const { access_token, refresh_token, expires_in } = await res.json(); // expires_in: 3600
 * emulator.clock.advance(3600_000); // the access token is now expired
 */
export function createVendorEmulator(options: EmulatorOptions = {}): VendorEmulator {
  checkOptions('createVendorEmulator', options, RULES);
  const s = new EmulatorState(options);
  const routes: Route[] = [
    ...firstDollarRoutes(s),
    ...firstOrionRoutes(s),
    ...orangeLogicRoutes(s),
    ...oauth2Routes(s),
  ];
  const requests: RequestRecord[] = [];
  let faults: (Fault & { left: number })[] = [];
  let latency = options.latency;
  let compress: boolean | ContentCoding = options.compress ?? false;

  function takeFault(path: string): Fault | undefined {
    const f = faults.find((x) => pathMatches(x.path, path));
    if (f && --f.left <= 0) faults = faults.filter((x) => x !== f);
    return f;
  }

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname;
    const method = request.method.toUpperCase();
    let params: string[] = [];
    const route = routes.find((r) => {
      if (typeof r.path === 'string') return r.path === path;
      const m = r.path.exec(path);
      if (m) params = m.slice(1).map((x) => decodeURIComponent(x ?? ''));
      return m !== null;
    });
    const text = method === 'GET' || method === 'HEAD' ? '' : await request.text();
    const r: EmuRequest = { request, url, path, method, headers: request.headers, text, params };
    const grant = route?.grant?.(r);
    const at = s.now;
    const log = (status: number) => {
      // The last MAX_REQUESTS only: a long-running emulator (a dev server) must not grow forever.
      if (requests.length >= MAX_REQUESTS) requests.shift();
      requests.push({
        method,
        path,
        vendor: route?.vendor ?? 'unknown',
        ...(grant !== undefined && { grant }),
        status,
        at,
      });
    };

    const fault = takeFault(path);
    try {
      if (request.signal.aborted) throw abortReason(request.signal);
      const delay = Math.max(0, (latency?.(request) ?? 0) + (fault?.latencyMs ?? 0));
      if (delay > 0) await sleep(delay, request.signal);
    } catch (e) {
      log(0);
      throw e;
    }
    if (fault?.drop) {
      log(0);
      throw droppedError();
    }
    // Snapshot of the presented refresh token, restored when the vendor is told not to rotate it.
    const presented =
      fault?.keepRefreshToken && grant === 'refresh_token'
        ? presentedRefreshToken(text, request.headers)
        : undefined;
    const wasUsed = presented === undefined ? undefined : s.refresh.get(presented)?.used;
    let res = fault ? faultResponse(fault, request.headers) : undefined;
    if (!res) {
      if (!route) res = oauthError(404, 'not_found', 'No emulated endpoint at this path');
      else if (!route.methods.includes(method)) {
        res = oauthError(405, 'invalid_request', `Method ${method} not allowed`, {
          allow: route.methods.join(', '),
        });
      } else {
        try {
          res = await route.handle(r);
        } catch (e) {
          res = json(500, {
            error: 'server_error',
            error_description: `Emulator bug: ${e instanceof Error ? e.message : String(e)}`,
          });
        }
      }
    }
    if (presented !== undefined && res.ok) res = await withoutRotation(res, presented, wasUsed);
    if (fault?.expiresIn !== undefined && res.ok && grant !== undefined)
      res = await withExpiresIn(res, fault.expiresIn);
    if (route?.vendor === 'firstOrion')
      res.headers.set('x-forp-meta-request-id', crypto.randomUUID());
    const coding = compress
      ? chooseCoding(request.headers.get('accept-encoding'), compress)
      : undefined;
    if (coding && method !== 'HEAD') res = await encodeResponse(res, coding);
    log(res.status);
    return fault?.reset ? resetResponse(res) : res;
  }

  /** The same token answer with another `expires_in`. */
  async function withExpiresIn(res: Response, seconds: number): Promise<Response> {
    const parsed = parseJsonObject(await res.text());
    return parsed.ok
      ? json(res.status, { ...parsed.fields, expires_in: seconds }, res.headers)
      : json(res.status, null, res.headers);
  }

  /** Drops the newly issued refresh token from the answer and the vendor, and revives the presented one. */
  async function withoutRotation(
    res: Response,
    presented: string,
    wasUsed: boolean | undefined,
  ): Promise<Response> {
    const parsed = parseJsonObject(await res.text());
    if (!parsed.ok) return json(res.status, null, res.headers);
    const { refresh_token: issued, ...rest } = parsed.fields;
    if (typeof issued === 'string') s.refresh.delete(issued);
    const old = s.refresh.get(presented);
    if (old && wasUsed) old.used = true;
    else if (old) delete old.used;
    return json(res.status, rest, res.headers);
  }

  const emulator: VendorEmulator = {
    fetch: ((input: RequestInfo | URL, init?: RequestInit) => {
      try {
        const request = new Request(input, init);
        if (!compress) return handle(request);
        // As a runtime's fetch: offer every coding it can decode, and decode what comes back.
        if (!request.headers.has('accept-encoding'))
          request.headers.set('accept-encoding', 'br, gzip, deflate');
        return handle(request).then(decodeLikeFetch);
      } catch (e) {
        return Promise.reject(e);
      }
    }) as typeof fetch,
    handle,
    clock: {
      now: () => s.now,
      advance(ms: number) {
        if (!Number.isFinite(ms))
          throw new RangeError('clock.advance() needs a finite number of ms');
        s.advance(ms);
      },
      set(ms: number) {
        if (!Number.isFinite(ms)) throw new RangeError('clock.set() needs a finite epoch in ms');
        s.set(ms);
      },
    },
    get requests() {
      return requests;
    },
    count(filter: RequestFilter = {}) {
      return requests.filter(
        (q) =>
          pathMatches(filter.path, q.path) &&
          (filter.grant === undefined || q.grant === filter.grant) &&
          (filter.vendor === undefined || q.vendor === filter.vendor) &&
          (filter.status === undefined || q.status === filter.status) &&
          (filter.method === undefined || q.method === filter.method.toUpperCase()),
      ).length;
    },
    clearRequests() {
      requests.length = 0;
    },
    fault(f: Fault) {
      const times = f.times ?? 1;
      if (!(times > 0)) throw new RangeError('fault.times must be > 0');
      faults.push({ ...f, left: times });
    },
    clearFaults() {
      faults = [];
    },
    setLatency(fn) {
      latency = fn;
    },
    revokeConsent(id, userId) {
      s.revokeConsent(id, userId);
    },
    grantConsent(id, userId) {
      s.grantConsent(id, userId);
    },
    issueCode(vendor, clientOrAppId, opts = {}) {
      const userId = opts.userId ?? 'user_1';
      const common = { userId, sub: userId, scope: opts.scope };
      if (vendor === 'firstDollar') {
        const app = findFirstDollarApp(s, clientOrAppId);
        if (!app) throw new Error(`issueCode: unknown First Dollar app "${clientOrAppId}"`);
        return s.issueCode({
          ...common,
          vendor,
          kind: 'fd-app',
          clientId: app.clientId,
          appId: app.appId,
        });
      }
      const known = vendor === 'orangeLogic' ? s.olClients : s.oauth2Clients;
      if (!known.some((c) => c.clientId === clientOrAppId))
        throw new Error(`issueCode: unknown ${vendor} client "${clientOrAppId}"`);
      return s.issueCode({
        ...common,
        vendor,
        kind: vendor === 'orangeLogic' ? 'ol' : 'oauth2',
        clientId: clientOrAppId,
        codeChallenge: opts.codeChallenge,
        redirectUri: opts.redirectUri,
      });
    },
    revokeAccessTokens(vendor) {
      for (const [k, g] of s.access)
        if (vendor === undefined || g.vendor === vendor) s.access.delete(k);
    },
    revokeRefreshTokens(vendor) {
      for (const [k, g] of s.refresh)
        if (vendor === undefined || g.vendor === vendor) s.refresh.delete(k);
    },
    setGraphqlResolver(resolver) {
      s.graphqlResolver = resolver;
    },
    setCompression(value) {
      compress = value;
    },
    setFirstOrionRefreshSupported(supported) {
      s.foRefreshUnsupported = !supported;
    },
    toJSON() {
      return {
        name: 'VendorEmulator',
        now: new Date(s.now).toISOString(),
        clock: s.fixedClock ? 'fixed' : 'real time',
        clients: {
          firstDollarPartners: s.fdPartners.map((p) => p.clientId),
          firstDollarApps: s.fdApps.map((a) => a.appId),
          firstOrionKeys: s.foKeys.length,
          orangeLogic: s.olClients.map((c) => c.clientId),
          oauth2: s.oauth2Clients.map((c) => c.clientId),
        },
        accessTokens: s.access.size,
        refreshTokens: s.refresh.size,
        faults: faults.length,
        requests: requests.length,
      };
    },
    toString() {
      return `VendorEmulator(${new Date(s.now).toISOString()}, ${requests.length} requests, ${faults.length} faults)`;
    },
  };
  Object.defineProperty(emulator, Symbol.for('nodejs.util.inspect.custom'), {
    value: () => emulator.toJSON(),
  });
  return emulator;
}
