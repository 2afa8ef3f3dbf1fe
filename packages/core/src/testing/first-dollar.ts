/**
 * First Dollar: `POST /v0/auth/token` (client_credentials, authorization_code, refresh_token),
 * GraphQL (`/graphql`, `/app/<appId>/graphql`) and the consent page `/oauth/app/<appId>/`.
 * @internal
 */
import type { EmuRequest, Route } from './route';
import type { EmulatorState, Grant } from './state';
import type { FirstDollarApp } from './types';
import {
  bearerToken,
  escapeHtml,
  html,
  json,
  mediaType,
  oauthError,
  parseBody,
  parseForm,
  parseJsonObject,
  randomToken,
  redirect,
  safeEqual,
  sniffField,
  stringFields,
} from './util';

const CONSENT_REVOKED =
  'The user revoked consent or the app scopes changed; send the user to the consent page again';

export function firstDollarRoutes(s: EmulatorState): Route[] {
  return [
    {
      vendor: 'firstDollar',
      path: '/v0/auth/token',
      methods: ['POST'],
      grant: (r) => sniffField(r.text, 'grant_type'),
      handle: (r) => token(s, r),
    },
    {
      vendor: 'firstDollar',
      path: '/graphql',
      methods: ['POST'],
      handle: (r) => graphql(s, r, undefined),
    },
    {
      vendor: 'firstDollar',
      path: /^\/app\/([^/]+)\/graphql$/,
      methods: ['POST'],
      handle: (r) => graphql(s, r, r.params[0]),
    },
    {
      vendor: 'firstDollar',
      path: /^\/oauth\/app\/([^/]+)\/?$/,
      methods: ['GET', 'POST'],
      handle: (r) => consent(s, r),
    },
  ];
}

/** Finds an app by app id or client id. */
export function findFirstDollarApp(s: EmulatorState, id: string): FirstDollarApp | undefined {
  return s.fdApps.find((a) => a.appId === id || a.clientId === id);
}

async function token(s: EmulatorState, r: EmuRequest): Promise<Response> {
  const parsed = parseBody(r.headers, r.text);
  if (!parsed) return oauthError(415, 'invalid_request', 'Content-Type must be application/json');
  if (!parsed.ok) return oauthError(400, 'invalid_request', parsed.reason);
  const body = parsed.fields;
  const grantType = stringFields(body, ['grant_type']);
  if (!grantType.ok) return oauthError(400, 'invalid_request', grantType.reason);

  switch (grantType.values.grant_type) {
    case 'client_credentials': {
      const f = stringFields(body, ['client_id', 'client_secret']);
      if (!f.ok) return oauthError(400, 'invalid_request', f.reason);
      const partner = s.fdPartners.find((p) => p.clientId === f.values.client_id);
      if (
        !partner ||
        !safeEqual(partner.clientSecret, f.values.client_secret) ||
        s.consentRevoked({ clientId: partner.clientId })
      ) {
        return oauthError(401, 'invalid_client', 'Invalid client credentials');
      }
      return issue(s, {
        vendor: 'firstDollar',
        kind: 'fd-partner',
        clientId: partner.clientId,
        sub: partner.clientId,
        grantId: randomToken(12),
      });
    }
    case 'authorization_code': {
      const f = stringFields(body, ['code', 'client_id', 'client_secret']);
      if (!f.ok) return oauthError(400, 'invalid_request', f.reason);
      const app = s.fdApps.find((a) => a.clientId === f.values.client_id);
      if (!app || !safeEqual(app.clientSecret, f.values.client_secret)) {
        return oauthError(401, 'invalid_client', 'Invalid client credentials');
      }
      const code = s.codes.get(f.values.code);
      if (!s.live(code) || code.vendor !== 'firstDollar' || code.appId !== app.appId) {
        return oauthError(
          400,
          'invalid_grant',
          'The authorization code is invalid, expired or already used',
        );
      }
      code.used = true;
      if (s.consentRevoked(code)) return oauthError(401, 'invalid_grant', CONSENT_REVOKED);
      return issue(s, { ...code, kind: 'fd-app', used: undefined, exp: undefined });
    }
    case 'refresh_token': {
      const f = stringFields(body, ['refresh_token'], ['client_id', 'client_secret']);
      if (!f.ok) return oauthError(400, 'invalid_request', f.reason);
      const { client_id: id, client_secret: secret } = f.values;
      if ((id === undefined) !== (secret === undefined)) {
        return oauthError(
          400,
          'invalid_request',
          'Send both client_id and client_secret, or neither',
        );
      }
      const old = s.refresh.get(f.values.refresh_token);
      if (!s.live(old) || old.vendor !== 'firstDollar') {
        return oauthError(
          401,
          'invalid_grant',
          'The refresh token is invalid, expired or already used',
        );
      }
      if (id !== undefined && secret !== undefined) {
        const owner =
          old.kind === 'fd-partner'
            ? s.fdPartners.find((p) => p.clientId === old.clientId)
            : s.fdApps.find((a) => a.appId === old.appId);
        if (!owner || owner.clientId !== id || !safeEqual(owner.clientSecret, secret)) {
          return oauthError(401, 'invalid_client', 'Invalid client credentials');
        }
      }
      if (s.consentRevoked(old)) return oauthError(401, 'invalid_grant', CONSENT_REVOKED);
      old.used = true;
      return issue(s, { ...old, used: undefined, exp: undefined });
    }
    default:
      return oauthError(
        400,
        'unsupported_grant_type',
        'grant_type must be client_credentials, authorization_code or refresh_token',
      );
  }
}

/** Issues `{ access_token, refresh_token, expires_in }`, exactly the documented shape. */
async function issue(s: EmulatorState, g: Grant): Promise<Response> {
  const { vendor, kind, clientId, appId, userId, sub, grantId } = g;
  const base = { vendor, kind, clientId, appId, userId, sub, grantId };
  const ttl = s.ttl.firstDollar;
  const claims =
    kind === 'fd-partner'
      ? { sub, aud: 'firstdollar-partner-api', client_id: clientId }
      : { sub, aud: appId, app_id: appId, client_id: clientId };
  const access_token = await s.issueAccess(base, ttl, claims);
  const refresh_token = s.issueRefresh(base);
  return json(
    200,
    { access_token, refresh_token, expires_in: ttl },
    { 'cache-control': 'no-store' },
  );
}

const UNAUTHORIZED = { errors: [{ message: 'Unauthorized' }] };
const PING = /^\s*(?:query\s*(?:[_A-Za-z][_0-9A-Za-z]*)?\s*(?:\(\s*\))?\s*)?\{\s*ping\s*\}\s*$/;

async function graphql(
  s: EmulatorState,
  r: EmuRequest,
  appId: string | undefined,
): Promise<Response> {
  const g = s.validAccess(bearerToken(r.headers), 'firstDollar');
  const allowed =
    g && (appId === undefined ? g.kind === 'fd-partner' : g.kind === 'fd-app' && g.appId === appId);
  if (!allowed)
    return json(401, UNAUTHORIZED, { 'www-authenticate': 'Bearer error="invalid_token"' });
  if (mediaType(r.headers) !== 'application/json') {
    return json(415, { errors: [{ message: 'Content-Type must be application/json' }] });
  }
  const body = parseJsonObject(r.text);
  if (!body.ok) return json(400, { errors: [{ message: body.reason }] });
  const { query, variables } = body.fields;
  if (typeof query !== 'string' || query.trim() === '')
    return json(400, { errors: [{ message: 'Must provide query string.' }] });
  if (
    variables !== undefined &&
    variables !== null &&
    (typeof variables !== 'object' || Array.isArray(variables))
  ) {
    return json(400, { errors: [{ message: 'Variables must be an object.' }] });
  }
  if (PING.test(query)) return json(200, { data: { ping: 'pong' } });
  const vars = (variables ?? {}) as Record<string, unknown>;
  try {
    const data = await s.graphqlResolver?.(query, vars, {
      ...(appId !== undefined && { appId }),
      sub: g.sub,
    });
    if (data !== undefined) return json(200, { data });
  } catch (e) {
    return json(200, {
      data: null,
      errors: [{ message: e instanceof Error ? e.message : String(e) }],
    });
  }
  const field = /\{\s*([_A-Za-z][_0-9A-Za-z]*)/.exec(query)?.[1] ?? '?';
  return json(200, { errors: [{ message: `Cannot query field "${field}" on type "Query".` }] });
}

/** The consent page: GET shows a form, POST (or GET `?auto=1`) consents and redirects with a code. */
function consent(s: EmulatorState, r: EmuRequest): Response {
  const app = s.fdApps.find((a) => a.appId === r.params[0]);
  if (!app) return html(404, '<!doctype html><title>Not found</title><h1>Unknown app</h1>');
  let user = r.url.searchParams.get('user') || 'user_1';
  if (r.method === 'GET' && r.url.searchParams.get('auto') !== '1') {
    const a = escapeHtml(app.appId);
    return html(
      200,
      `<!doctype html><html><head><meta charset="utf-8"><title>Authorize ${a}</title></head><body>` +
        `<h1>Allow ${a} to access your First Dollar data?</h1>` +
        `<form method="post" action="${escapeHtml(r.path)}"><label>User <input name="user" value="${escapeHtml(user)}"></label> ` +
        `<button id="allow" type="submit">Allow</button></form></body></html>`,
    );
  }
  if (r.method === 'POST') {
    const form = parseForm(r.text);
    if (form.ok && form.fields.user) user = form.fields.user;
  }
  s.grantConsent(app.appId, user);
  s.grantConsent(app.clientId, user);
  const code = s.issueCode({
    vendor: 'firstDollar',
    kind: 'fd-app',
    clientId: app.clientId,
    appId: app.appId,
    userId: user,
    sub: user,
  });
  const target = new URL(app.redirectUri);
  target.searchParams.set('code', code);
  return redirect(target);
}
