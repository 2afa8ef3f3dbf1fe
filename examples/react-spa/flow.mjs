// The demo's sequence panel, server side: what crossed each hop (browser ⇄ edge ⇄ vendor), built
// from what actually happened — the requests the demo server passed to the edge handler and its
// answers, the edge's telemetry events (`eventTelemetry`), and the emulator's request log
// (`emulator.requests`). Only facts that are never secret are read: methods, paths (no query),
// statuses, grant types, cookie *names*. Every secret is shown as `•••` with where it stays.
//
// Every visitor sees the panel, and any caller can send requests to the demo and the emulator: no
// text of a request reaches a label. Paths are shown only when they are the demo's known routes
// (anything else is "other request"), grant types and error codes only from the known sets, and a
// label is cut at MAX_LABEL characters.

const MAX_HOPS = 300;
const MAX_LABEL = 120;
const R = '•••';
const OTHER = 'other request';
const GRANTS = new Set(['authorization_code', 'refresh_token', 'client_credentials']);
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** The error codes the edge and the vendors send (RFC 6749 and the edge's own). */
const ERRORS = new Set([
  'access_denied',
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'invalid_scope',
  'unauthorized_client',
  'unsupported_grant_type',
  'unsupported_response_type',
  'server_error',
  'temporarily_unavailable',
  'login_cross_site',
  'login_intent_missing',
  'state_mismatch',
  'exchange_refused',
  'invalid_response',
  'network_error',
  'timeout',
  'store_unavailable',
  'internal_error',
  'unauthenticated',
  'unauthorized',
  'consent_required',
  'reauthorization_required',
  'csrf',
]);

/** Where each secret lives, in the words the panel uses. */
export const KEPT = {
  code: { name: 'authorization code', where: 'single use, 10 min; the edge exchanges it at once' },
  secret: { name: 'client secret', where: 'kept on the edge, never sent to the browser' },
  access: { name: 'access token', where: 'kept on the edge (session store)' },
  refresh: { name: 'refresh token', where: 'kept on the edge (session store)' },
  cookie: { name: 'session cookie', where: 'HttpOnly: a session id the page cannot read' },
  login: {
    name: 'login-intent cookie',
    where: 'HttpOnly, signed: binds the callback to this browser',
  },
  state: { name: 'state', where: 'echoed by Orange Logic, checked by the edge' },
};

/**
 * A growing, token-free list of hops. `routes` are each vendor's edge paths, `vendorPaths` its
 * paths at the vendor (the emulator) and `pages` the app's pages: the only paths a label shows.
 * @param {{ emulator?: import('@grantkit/core/testing').VendorEmulator, vendorOf: (path: string) => string | undefined, names: Record<string, string>, cookies: Record<string, string>, apis: Record<string, string>, routes: Record<string, string[]>, vendorPaths: Record<string, string[]>, pages: string[] }} options
 */
export function createFlowLog({
  emulator,
  vendorOf,
  names,
  cookies,
  apis,
  routes,
  vendorPaths,
  pages: appPages,
}) {
  const pages = new Set(appPages);
  const known = (paths) =>
    Object.fromEntries(Object.entries(paths).map(([v, p]) => [v, new Set(p)]));
  const edgePaths = known(routes);
  const atVendor = known(vendorPaths);
  /** A path as shown: one of the vendor's known paths, else a fixed "other request". */
  const shown = (set, path) => (set?.has(path) ? path : OTHER);
  const method = (m) => (METHODS.has(m) ? m : 'other');
  /** @type {Array<Record<string, unknown>>} */
  const hops = [];
  let next = 1;
  let seen = emulator ? emulator.requests.length : 0;
  /** The last browser ⇄ edge exchange, to fold repeats (session checks) into one ×N pair. */
  let lastPair;

  const push = (vendor, hop) => {
    const label = String(hop.label);
    const entry = {
      id: next++,
      vendor,
      at: Date.now(),
      ...hop,
      label: label.length > MAX_LABEL ? `${label.slice(0, MAX_LABEL - 1)}…` : label,
    };
    hops.push(entry);
    if (hops.length > MAX_HOPS) hops.shift();
    return entry;
  };

  /** Moves the emulator's new request records into the list (they happened before what follows). */
  function drain() {
    if (!emulator) return;
    const records = emulator.requests;
    if (records.length < seen) seen = 0; // clearRequests()
    for (; seen < records.length; seen++) vendorRecord(records[seen]);
  }

  /** One emulator request: from the browser (consent pages) or from the edge (token, API). */
  function vendorRecord(q) {
    const vendor = q.vendor;
    if (vendor !== 'firstDollar' && vendor !== 'orangeLogic') return;
    const name = names[vendor];
    const path = shown(atVendor[vendor], q.path);
    const consentPage = q.path.startsWith('/oauth/app/') || q.path === '/oauth2/auth';
    if (consentPage) {
      const ask =
        q.method === 'GET'
          ? vendor === 'orangeLogic'
            ? `GET ${path}?client_id=…&redirect_uri=…&state=${R}`
            : `GET ${path} (${name}'s consent page)`
          : `${method(q.method)} ${path}: the user's answer (Allow or Deny)`;
      push(vendor, {
        from: 'browser',
        to: 'vendor',
        label: ask,
        ...(vendor === 'orangeLogic' && q.method === 'GET' && { kept: [KEPT.state] }),
      });
      push(vendor, {
        from: 'vendor',
        to: 'browser',
        status: q.status,
        label:
          q.status === 200
            ? `${q.status}: the consent page, on ${name}'s site (no secret on it)`
            : q.status >= 300 && q.status < 400
              ? `${q.status} → the app's redirect URI with a code (or an error)${vendor === 'orangeLogic' ? ' and the state echoed' : ''}`
              : `${q.status}: refused`,
      });
      return;
    }
    if (q.grant !== undefined) {
      const refresh = q.grant === 'refresh_token';
      const grant = GRANTS.has(q.grant) ? q.grant : 'other';
      push(vendor, {
        from: 'edge',
        to: 'vendor',
        kind: refresh ? 'refresh' : 'token',
        label: `POST ${path} grant_type=${grant}${refresh ? ' (the refresh)' : grant === 'authorization_code' ? ' (the code exchange)' : ''}`,
        kept: [KEPT.secret, refresh ? KEPT.refresh : KEPT.code],
      });
      push(vendor, {
        from: 'vendor',
        to: 'edge',
        status: q.status,
        kind: refresh ? 'refresh' : 'token',
        label:
          q.status === 200
            ? `200: access_token ${R}, refresh_token ${R}${refresh ? ' (rotated)' : ''}`
            : `${q.status}: the ${refresh ? 'refresh' : 'exchange'} was refused`,
        ...(q.status === 200 && { kept: [KEPT.access, KEPT.refresh] }),
      });
      return;
    }
    push(vendor, {
      from: 'edge',
      to: 'vendor',
      kind: 'api',
      label: `${method(q.method)} ${path}, Authorization: Bearer ${R}`,
      kept: [KEPT.access],
    });
    push(vendor, {
      from: 'vendor',
      to: 'edge',
      status: q.status,
      kind: 'api',
      label:
        q.status === 200
          ? '200: the data'
          : q.status === 401
            ? '401: the access token is expired or revoked'
            : `${q.status}`,
    });
  }

  /** Telemetry of one vendor's edge handler: vendor hops when no emulator logs them, and notes. */
  function telemetry(vendor) {
    return (e) => {
      drain();
      if (e.type === 'renewal')
        push(vendor, {
          from: 'edge',
          to: 'edge',
          kind: 'note',
          label: e.error
            ? `renewal failed (${e.error})`
            : `renewal done: one token call for ${e.callers} waiting request${e.callers === 1 ? '' : 's'} (single flight)`,
        });
      else if (e.type === 'revocation')
        push(vendor, {
          from: 'edge',
          to: 'edge',
          kind: 'note',
          label:
            e.status === 'revoked'
              ? 'tokens revoked at the vendor'
              : `revocation: ${e.status === 'unsupported' || e.status === 'none' ? `${names[vendor]} documents no revocation endpoint; the edge deletes the tokens with the session` : `failed (${e.error ?? 'error'}); the session is deleted anyway`}`,
        });
      else if (!emulator && e.type === 'token.end')
        push(vendor, {
          from: 'vendor',
          to: 'edge',
          status: e.status,
          kind: e.start.grant === 'refresh_token' ? 'refresh' : 'token',
          label: `${method(e.start.method)} ${shown(atVendor[vendor], e.start.path)} grant_type=${GRANTS.has(e.start.grant) ? e.start.grant : 'other'}: ${e.status ?? e.error}`,
          kept: [KEPT.access, KEPT.refresh],
        });
      else if (!emulator && e.type === 'proxy.end')
        push(vendor, {
          from: 'vendor',
          to: 'edge',
          status: e.status,
          kind: 'api',
          label: `${method(e.start.method)} ${shown(atVendor[vendor], e.start.path)}, Bearer ${R}: ${e.status ?? e.error}`,
        });
    };
  }

  /** The browser's request to the edge, before the handler runs. */
  function request(request) {
    drain();
    const url = new URL(request.url);
    const vendor = vendorOf(url.pathname);
    if (!vendor) return undefined;
    const query = url.searchParams.has('code')
      ? `?code=${R}${url.searchParams.has('state') ? `&state=${R}` : ''}`
      : url.searchParams.has('error')
        ? `?error=${clean(url.searchParams.get('error'))}`
        : '';
    // Cookie names only (never a value): this vendor's session and login-intent cookies.
    const base = cookies[vendor];
    const sent = (request.headers.get('cookie') ?? '')
      .split(';')
      .map((part) => part.slice(0, part.indexOf('=')).trim())
      .filter((name) => name === base || name === `${base}-login`);
    const session = sent.includes(base);
    const intent = sent.includes(`${base}-login`);
    const path = shown(edgePaths[vendor], url.pathname);
    const label = `${method(request.method)} ${path}${path === OTHER ? '' : query}${session ? ' + session cookie' : intent ? ' + login-intent cookie' : ''}`;
    const kept = [];
    if (query.startsWith('?code')) kept.push(KEPT.code);
    if (session) kept.push(KEPT.cookie);
    else if (intent) kept.push(KEPT.login);
    const ask = push(vendor, { from: 'browser', to: 'edge', label, kept });
    return { vendor, ask, path: path === OTHER ? '' : url.pathname };
  }

  /** The edge's answer to that request. */
  async function response(asked, response) {
    drain();
    if (!asked) return;
    const { vendor } = asked;
    const set = response.headers.getSetCookie().map((c) => {
      const name = c.slice(0, c.indexOf('='));
      return /max-age=0\b/i.test(c) ? `${name} cleared` : `${name} set (HttpOnly)`;
    });
    let what = '';
    const location = response.headers.get('location');
    if (location) {
      const to = new URL(location, 'http://x');
      what =
        to.host === 'x'
          ? ` → ${shown(pages, to.pathname)}${to.searchParams.has('error') ? `?error=${clean(to.searchParams.get('error'))}` : ''}`
          : ` → ${names[vendor]}'s consent page`;
    } else if (asked.path.endsWith('/session') && response.ok) {
      const body = await response
        .clone()
        .json()
        .catch(() => ({}));
      what = body.authenticated
        ? ': authenticated, with the expiry (no token)'
        : ': not authenticated';
    } else if (asked.path === apis[vendor] && response.ok) {
      what = ": the API's answer, passed on (no token in it)";
    } else if (response.status === 401) {
      const body = await response
        .clone()
        .json()
        .catch(() => ({}));
      what = `: ${clean(body.error ?? 'unauthorized')}`;
    }
    const label = `${response.status}${what}${set.length ? `; cookie ${set.join(', ')}` : ''}`;
    const kept = set.some((c) => c.endsWith('(HttpOnly)'))
      ? [asked.path.endsWith('/login') ? KEPT.login : KEPT.cookie]
      : [];
    const key = `${vendor}\n${asked.ask.label}\n${label}`;
    // The same exchange again with nothing in between (session checks): one pair, counted.
    const n = hops.length;
    if (
      lastPair?.key === key &&
      hops[n - 1] === asked.ask &&
      hops[n - 2] === lastPair.answer &&
      hops[n - 3] === lastPair.ask
    ) {
      hops.pop();
      lastPair.ask.times = lastPair.answer.times = (lastPair.answer.times ?? 1) + 1;
      return;
    }
    const answer = push(vendor, {
      from: 'edge',
      to: 'browser',
      status: response.status,
      label,
      kept,
    });
    lastPair = { key, ask: asked.ask, answer };
  }

  return {
    drain,
    request,
    response,
    telemetry,
    /** A demo control's effect, as a note. */
    note(vendor, label) {
      drain();
      push(vendor, { from: 'edge', to: 'vendor', kind: 'control', label });
    },
    /** The hops of `vendor` (all when undefined), newest last. */
    list(vendor) {
      drain();
      return vendor ? hops.filter((h) => h.vendor === vendor) : hops.slice();
    },
    clear() {
      drain();
      hops.length = 0;
      lastPair = undefined;
    },
  };
}

/** An error code as shown: one of the known codes, else a fixed word (it came from a URL). */
const clean = (code) => (ERRORS.has(code) ? code : 'other');
