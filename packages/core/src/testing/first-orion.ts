/**
 * First Orion: v2 OAuth `POST /v2/auth`, v1 `POST /v1/auth` and `POST /v1/auth/refresh`, and a
 * protected `GET /v1/echo`. The emulator core adds `X-Forp-Meta-Request-Id` to every answer.
 * @internal
 */
import type { EmuRequest, Route } from './route';
import type { EmulatorState } from './state';
import {
  bearerToken,
  decodeBasic,
  json,
  mediaType,
  oauthError,
  parseForm,
  parseJsonObject,
  randomToken,
  safeEqual,
  sniffField,
} from './util';

export function firstOrionRoutes(s: EmulatorState): Route[] {
  return [
    {
      vendor: 'firstOrion',
      path: '/v2/auth',
      methods: ['POST'],
      grant: (r) => sniffField(r.text, 'grant_type'),
      handle: (r) => v2(s, r),
    },
    {
      vendor: 'firstOrion',
      path: '/v1/auth',
      methods: ['POST'],
      grant: () => 'api_key',
      handle: (r) => v1(s, r),
    },
    {
      vendor: 'firstOrion',
      path: '/v1/auth/refresh',
      methods: ['POST'],
      grant: () => 'refresh_token',
      handle: (r) => v1Refresh(s, r),
    },
    { vendor: 'firstOrion', path: '/v1/echo', methods: ['GET'], handle: (r) => echo(s, r) },
  ];
}

const BASIC_CHALLENGE = { 'www-authenticate': 'Basic realm="firstorion"' };

async function v2(s: EmulatorState, r: EmuRequest): Promise<Response> {
  if (mediaType(r.headers) !== 'application/x-www-form-urlencoded') {
    return oauthError(
      400,
      'invalid_request',
      'Content-Type must be application/x-www-form-urlencoded',
    );
  }
  // Standard Basic only: the unencoded `Basic apikey:secretkey` form is not valid base64 and fails here.
  const basic = decodeBasic(r.headers.get('authorization'));
  const key = basic && s.foKeys.find((k) => k.apiKey === basic.id);
  if (!basic || !key || !safeEqual(key.secretKey, basic.secret)) {
    return oauthError(
      401,
      'invalid_client',
      'Invalid or missing HTTP Basic credentials',
      BASIC_CHALLENGE,
    );
  }
  const form = parseForm(r.text);
  if (!form.ok) return oauthError(400, 'invalid_request', form.reason);
  const grant = form.fields.grant_type;
  if (!grant) return oauthError(400, 'invalid_request', '"grant_type" is required');
  if (grant !== 'client_credentials')
    return oauthError(400, 'unsupported_grant_type', 'grant_type must be client_credentials');
  const ttl = s.ttl.firstOrionV2;
  const access_token = await s.issueAccess(
    {
      vendor: 'firstOrion',
      kind: 'fo-v2',
      clientId: key.apiKey,
      sub: key.apiKey,
      grantId: randomToken(12),
    },
    ttl,
    { sub: key.apiKey, aud: 'firstorion-api' },
  );
  return json(
    200,
    { access_token, expires_in: ttl, token_type: 'Bearer' },
    { 'cache-control': 'no-store' },
  );
}

/** Checks `X-SERVICE: auth`; returns an error response or undefined. */
function checkService(r: EmuRequest): Response | undefined {
  const service = r.headers.get('x-service');
  if (service === null)
    return oauthError(400, 'invalid_request', 'The X-SERVICE header is required');
  if (service.trim() !== 'auth')
    return oauthError(400, 'invalid_request', 'X-SERVICE must be "auth"');
  return undefined;
}

async function v1(s: EmulatorState, r: EmuRequest): Promise<Response> {
  const bad = checkService(r);
  if (bad) return bad;
  const apiKey = r.headers.get('x-api-key') ?? '';
  const secret = r.headers.get('x-secret-key') ?? '';
  const key = s.foKeys.find((k) => k.apiKey === apiKey);
  if (!key || !safeEqual(key.secretKey, secret))
    return oauthError(401, 'invalid_client', 'Invalid or missing X-API-KEY / X-SECRET-KEY');
  return v1Issue(s, key.apiKey);
}

async function v1Refresh(s: EmulatorState, r: EmuRequest): Promise<Response> {
  if (s.foRefreshUnsupported) return oauthError(404, 'not_found', 'Not found');
  const bad = checkService(r);
  if (bad) return bad;
  let refreshToken = r.headers.get('x-refresh-token') ?? undefined;
  if (refreshToken === undefined && r.text.trim() !== '') {
    const body = parseJsonObject(r.text);
    if (!body.ok) return oauthError(400, 'invalid_request', body.reason);
    const v = body.fields.refresh_token;
    if (typeof v === 'string') refreshToken = v;
  }
  if (!refreshToken)
    return oauthError(400, 'invalid_request', 'The X-REFRESH-TOKEN header is required');
  const apiKey = r.headers.get('x-api-key');
  if (!apiKey) return oauthError(401, 'invalid_client', 'The X-API-KEY header is required');
  const old = s.refresh.get(refreshToken);
  if (!s.live(old) || old.kind !== 'fo-v1' || old.clientId !== apiKey) {
    return oauthError(
      401,
      'invalid_grant',
      'The refresh token is invalid, expired or already used',
    );
  }
  old.used = true;
  return v1Issue(s, apiKey);
}

async function v1Issue(s: EmulatorState, apiKey: string): Promise<Response> {
  const ttl = s.ttl.firstOrionV1;
  const g = {
    vendor: 'firstOrion',
    kind: 'fo-v1',
    clientId: apiKey,
    sub: apiKey,
    grantId: randomToken(12),
  } as const;
  const token = await s.issueAccess(g, ttl, { sub: apiKey, aud: 'firstorion-api' });
  const refresh_token = s.issueRefresh(g);
  const expires_at = Math.floor(s.now / 1000) + ttl;
  return json(
    200,
    { token, refresh_token, expires_in: ttl, token_type: 'Bearer', expires_at },
    { 'cache-control': 'no-store' },
  );
}

/** A protected resource: accepts `Authorization: <token>` (as the API guides send) or `Bearer <token>`. */
function echo(s: EmulatorState, r: EmuRequest): Response {
  const g = s.validAccess(bearerToken(r.headers, true), 'firstOrion');
  if (!g) return oauthError(401, 'invalid_token', 'The access token is invalid or expired');
  return json(200, { ok: true, sub: g.sub });
}
