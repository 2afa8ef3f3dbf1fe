/**
 * Orange Logic: `GET /oauth2/auth` (auto-consent, or a consent page with `consentPage`), `POST /webapi/security/oauth2/token_48I_v1`
 * (the refresh token travels in `code`), client credentials
 * (`POST /webapi/security/clientcredentialsauthentication/authenticate_46H_v1`) and a protected
 * `GET /webapi/echo`.
 * @internal
 */
import { consentPage, decisionOf, deniedRedirect } from './consent-page';
import type { EmuRequest, Route } from './route';
import type { EmulatorState, Grant } from './state';
import {
  bearerToken,
  json,
  oauthError,
  mediaType,
  parseBody,
  parseForm,
  parseJsonObject,
  randomToken,
  redirect,
  safeEqual,
  sniffField,
  stringFields,
} from './util';

export const ORANGE_LOGIC_TOKEN_PATH = '/webapi/security/oauth2/token_48I_v1';
/** Client credentials (from public integrations, not the official excerpt). */
export const ORANGE_LOGIC_CLIENT_CREDENTIALS_PATH =
  '/webapi/security/clientcredentialsauthentication/authenticate_46H_v1';

export function orangeLogicRoutes(s: EmulatorState): Route[] {
  return [
    {
      vendor: 'orangeLogic',
      path: '/oauth2/auth',
      methods: ['GET', 'POST'],
      handle: (r) => authorize(s, r),
    },
    {
      vendor: 'orangeLogic',
      path: ORANGE_LOGIC_TOKEN_PATH,
      methods: ['POST'],
      grant: (r) => sniffField(r.text, 'grant_type') ?? 'authorization_code',
      handle: (r) => token(s, r),
    },
    {
      vendor: 'orangeLogic',
      path: ORANGE_LOGIC_CLIENT_CREDENTIALS_PATH,
      methods: ['POST'],
      grant: () => 'client_credentials',
      handle: (r) => clientCredentials(s, r),
    },
    { vendor: 'orangeLogic', path: '/webapi/echo', methods: ['GET'], handle: (r) => echo(s, r) },
  ];
}

const PERMISSIONS = [
  'Search and read your assets through the Orange Logic API, as you',
  'Stay connected for up to 30 days without asking again',
];

/**
 * `GET /oauth2/auth`: consents at once (a redirect with a code), or, with `orangeLogic.consentPage`,
 * shows the consent page whose form POSTs a `decision` here: `deny` redirects with
 * `error=access_denied` (RFC 6749 §4.1.2.1). `state` is echoed on every redirect.
 */
function authorize(s: EmulatorState, r: EmuRequest): Response {
  const q = r.url.searchParams;
  const client = s.olClients.find((c) => c.clientId === q.get('client_id'));
  if (!client) return oauthError(400, 'invalid_client', 'Unknown client_id');
  // Never redirect to an unregistered URI: answer the error to the browser instead.
  if (q.get('redirect_uri') !== client.redirectUri)
    return oauthError(400, 'invalid_request', 'redirect_uri does not match the registered one');
  const target = new URL(client.redirectUri);
  const state = q.get('state');
  let user = q.get('user') || 'user_1';
  if (q.get('response_type') !== 'code') {
    target.searchParams.set('error', 'unsupported_response_type');
  } else if (r.method === 'GET' && s.olConsentPage && q.get('auto') !== '1') {
    return consentPage({
      vendor: 'Orange Logic',
      app: client.name ?? client.clientId,
      action: r.path + r.url.search,
      user,
      redirectUri: client.redirectUri,
      permissions: PERMISSIONS,
    });
  } else {
    if (r.method === 'POST') {
      const form = parseForm(r.text);
      const decision = form.ok ? decisionOf(form.fields) : undefined;
      if (!form.ok || decision === undefined)
        return oauthError(400, 'invalid_request', 'Malformed consent form');
      if (decision === 'deny') return deniedRedirect(client.redirectUri, state);
      if (form.fields.user) user = form.fields.user;
    }
    s.grantConsent(client.clientId, user);
    target.searchParams.set(
      'code',
      s.issueCode({
        vendor: 'orangeLogic',
        kind: 'ol',
        clientId: client.clientId,
        userId: user,
        sub: user,
      }),
    );
  }
  if (state !== null) target.searchParams.set('state', state);
  return redirect(target);
}

async function token(s: EmulatorState, r: EmuRequest): Promise<Response> {
  const parsed = parseBody(r.headers, r.text);
  if (!parsed) return oauthError(415, 'invalid_request', 'Content-Type must be application/json');
  if (!parsed.ok) return oauthError(400, 'invalid_request', parsed.reason);
  const f = stringFields(parsed.fields, ['client_id', 'client_secret', 'code'], ['grant_type']);
  if (!f.ok) return oauthError(400, 'invalid_request', f.reason);
  const grantType = f.values.grant_type ?? 'authorization_code';
  if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
    return oauthError(
      400,
      'unsupported_grant_type',
      'grant_type must be authorization_code or refresh_token',
    );
  }
  const client = s.olClients.find((c) => c.clientId === f.values.client_id);
  if (!client || !safeEqual(client.clientSecret, f.values.client_secret)) {
    return oauthError(401, 'invalid_client', 'Invalid client credentials');
  }
  const store = grantType === 'authorization_code' ? s.codes : s.refresh;
  const old = store.get(f.values.code);
  if (!s.live(old) || old.vendor !== 'orangeLogic' || old.clientId !== client.clientId) {
    const what = grantType === 'authorization_code' ? 'authorization code' : 'refresh token';
    return oauthError(400, 'invalid_grant', `The ${what} is invalid, expired or already used`);
  }
  old.used = true;
  if (s.consentRevoked(old))
    return oauthError(
      400,
      'invalid_grant',
      'The user revoked consent; run the authorization again',
    );
  return issue(s, old);
}

/** Every call returns a new pair; the used refresh token dies (rotation). */
async function issue(s: EmulatorState, g: Grant): Promise<Response> {
  const base = {
    vendor: g.vendor,
    kind: g.kind,
    clientId: g.clientId,
    userId: g.userId,
    sub: g.sub,
    grantId: g.grantId,
  };
  const ttl = s.ttl.orangeLogic;
  const access_token = await s.issueAccess(base, ttl);
  const refresh_token = s.issueRefresh(base, s.refreshTtl.orangeLogic);
  return json(
    200,
    { access_token, refresh_token, expires_in: ttl, token_type: 'Bearer' },
    { 'cache-control': 'no-store' },
  );
}

/**
 * `POST …/authenticate_46H_v1`, as public integrations call it: a JSON body (only JSON) with
 * `client_id` and `client_secret` strings → `{ access_token, expires_in }`, no refresh token.
 */
async function clientCredentials(s: EmulatorState, r: EmuRequest): Promise<Response> {
  if (mediaType(r.headers) !== 'application/json')
    return oauthError(415, 'invalid_request', 'Content-Type must be application/json');
  const parsed = parseJsonObject(r.text);
  if (!parsed.ok) return oauthError(400, 'invalid_request', parsed.reason);
  const f = stringFields(parsed.fields, ['client_id', 'client_secret']);
  if (!f.ok) return oauthError(400, 'invalid_request', f.reason);
  const client = s.olClients.find((c) => c.clientId === f.values.client_id);
  if (
    !client ||
    !safeEqual(client.clientSecret, f.values.client_secret) ||
    s.consentRevoked({ clientId: client.clientId })
  )
    return oauthError(401, 'invalid_client', 'Invalid client credentials');
  const ttl = s.ttl.orangeLogic;
  const access_token = await s.issueAccess(
    {
      vendor: 'orangeLogic',
      kind: 'ol-client',
      clientId: client.clientId,
      sub: client.clientId,
      grantId: randomToken(12),
    },
    ttl,
  );
  return json(200, { access_token, expires_in: ttl }, { 'cache-control': 'no-store' });
}

function echo(s: EmulatorState, r: EmuRequest): Response {
  const g = s.validAccess(bearerToken(r.headers), 'orangeLogic');
  if (!g)
    return oauthError(401, 'invalid_token', 'No authenticated account', {
      'www-authenticate': 'Bearer error="invalid_token"',
    });
  return json(200, { ok: true, sub: g.sub });
}
