/**
 * Generic OAuth 2.0 server (RFC 6749, PKCE RFC 7636, revocation RFC 7009): `GET /oauth2/authorize`,
 * `POST /oauth2/token`, `POST /oauth2/revoke`, `GET /oauth2/userinfo`.
 * @internal
 */
import type { EmuRequest, Route } from './route';
import type { EmulatorState, Grant } from './state';
import type { OAuth2Client } from './types';
import {
  bearerToken,
  decodeBasic,
  json,
  mediaType,
  oauthError,
  parseForm,
  randomToken,
  redirect,
  s256,
  safeEqual,
  sniffField,
} from './util';

export function oauth2Routes(s: EmulatorState): Route[] {
  return [
    {
      vendor: 'oauth2',
      path: '/oauth2/authorize',
      methods: ['GET'],
      handle: (r) => authorize(s, r),
    },
    {
      vendor: 'oauth2',
      path: '/oauth2/token',
      methods: ['POST'],
      grant: (r) => sniffField(r.text, 'grant_type'),
      handle: (r) => token(s, r),
    },
    { vendor: 'oauth2', path: '/oauth2/revoke', methods: ['POST'], handle: (r) => revoke(s, r) },
    { vendor: 'oauth2', path: '/oauth2/userinfo', methods: ['GET'], handle: (r) => userinfo(s, r) },
  ];
}

/** The registered token endpoint authentication method of a client. */
export function authMethod(c: OAuth2Client): NonNullable<OAuth2Client['tokenEndpointAuthMethod']> {
  return (
    c.tokenEndpointAuthMethod ?? (c.clientSecret === undefined ? 'none' : 'client_secret_basic')
  );
}

const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

function authorize(s: EmulatorState, r: EmuRequest): Response {
  const q = r.url.searchParams;
  for (const k of new Set(q.keys()))
    if (q.getAll(k).length > 1)
      return oauthError(400, 'invalid_request', `Parameter "${k}" is repeated`);
  const client = s.oauth2Clients.find((c) => c.clientId === q.get('client_id'));
  if (!client) return oauthError(400, 'invalid_client', 'Unknown or missing client_id');
  const given = q.get('redirect_uri');
  const redirectUri =
    given ?? (client.redirectUris.length === 1 ? client.redirectUris[0] : undefined);
  // RFC 6749 §4.1.2.1: never redirect to an unverified URI.
  if (redirectUri === undefined || !client.redirectUris.includes(redirectUri)) {
    return oauthError(400, 'invalid_request', 'redirect_uri is missing or not registered');
  }
  const target = new URL(redirectUri);
  const state = q.get('state');
  const fail = (error: string, description: string) => {
    target.searchParams.set('error', error);
    target.searchParams.set('error_description', description);
    if (state !== null) target.searchParams.set('state', state);
    return redirect(target);
  };
  if (q.get('response_type') !== 'code')
    return fail('unsupported_response_type', 'response_type must be code');
  const challenge = q.get('code_challenge') ?? undefined;
  if (challenge === undefined) {
    if (authMethod(client) === 'none')
      return fail('invalid_request', 'Public clients must send a PKCE code_challenge');
  } else {
    if (q.get('code_challenge_method') !== 'S256')
      return fail('invalid_request', 'code_challenge_method must be S256');
    if (!CHALLENGE.test(challenge))
      return fail('invalid_request', 'code_challenge must be 43 base64url characters');
  }
  const user = q.get('user') || 'user_1';
  s.grantConsent(client.clientId, user);
  const code = s.issueCode({
    vendor: 'oauth2',
    kind: 'oauth2',
    clientId: client.clientId,
    userId: user,
    sub: user,
    scope: q.get('scope') ?? undefined,
    codeChallenge: challenge,
    redirectUri: given ?? undefined,
  });
  target.searchParams.set('code', code);
  if (state !== null) target.searchParams.set('state', state);
  return redirect(target);
}

type Authenticated = { client: OAuth2Client; form: Record<string, string> } | { error: Response };

/** Parses the form body and authenticates the client per its registered method (RFC 6749 §2.3). */
function authenticate(s: EmulatorState, r: EmuRequest): Authenticated {
  if (mediaType(r.headers) !== 'application/x-www-form-urlencoded') {
    return {
      error: oauthError(
        400,
        'invalid_request',
        'Content-Type must be application/x-www-form-urlencoded',
      ),
    };
  }
  const parsed = parseForm(r.text);
  if (!parsed.ok) return { error: oauthError(400, 'invalid_request', parsed.reason) };
  const form = parsed.fields;
  const header = r.headers.get('authorization');
  const basic = header === null ? undefined : decodeBasic(header, true);
  const challenge = { 'www-authenticate': 'Basic realm="oauth2", charset="UTF-8"' };
  const invalidClient = (description: string, withChallenge: boolean) => ({
    error: oauthError(401, 'invalid_client', description, withChallenge ? challenge : undefined),
  });
  if (header !== null && !basic)
    return invalidClient('The Authorization header is not valid HTTP Basic', true);
  if (basic && form.client_secret !== undefined) {
    return {
      error: oauthError(400, 'invalid_request', 'Use exactly one client authentication method'),
    };
  }
  if (basic && form.client_id !== undefined && form.client_id !== basic.id) {
    return {
      error: oauthError(
        400,
        'invalid_request',
        'client_id does not match the Authorization header',
      ),
    };
  }
  const id = basic?.id ?? form.client_id;
  const client = id === undefined ? undefined : s.oauth2Clients.find((c) => c.clientId === id);
  if (!client) return invalidClient('Client authentication failed', basic !== undefined);
  const method = authMethod(client);
  const used = basic
    ? 'client_secret_basic'
    : form.client_secret !== undefined
      ? 'client_secret_post'
      : 'none';
  if (used !== method) {
    return invalidClient(
      `Client authentication failed: the client is registered for ${method}`,
      basic !== undefined || method === 'client_secret_basic',
    );
  }
  const secret = basic?.secret ?? form.client_secret;
  if (
    method !== 'none' &&
    (secret === undefined ||
      client.clientSecret === undefined ||
      !safeEqual(client.clientSecret, secret))
  ) {
    return invalidClient('Client authentication failed', basic !== undefined);
  }
  return { client, form };
}

async function token(s: EmulatorState, r: EmuRequest): Promise<Response> {
  const auth = authenticate(s, r);
  if ('error' in auth) return auth.error;
  const { client, form } = auth;
  const invalidGrant = (d: string) => oauthError(400, 'invalid_grant', d);
  switch (form.grant_type) {
    case undefined:
    case '':
      return oauthError(400, 'invalid_request', '"grant_type" is required');
    case 'authorization_code': {
      if (!form.code) return oauthError(400, 'invalid_request', '"code" is required');
      const code = s.codes.get(form.code);
      if (!s.live(code) || code.vendor !== 'oauth2' || code.clientId !== client.clientId) {
        return invalidGrant('The authorization code is invalid, expired or already used');
      }
      code.used = true;
      if (code.redirectUri !== undefined && form.redirect_uri !== code.redirectUri) {
        return invalidGrant('redirect_uri does not match the authorization request');
      }
      if (code.codeChallenge !== undefined) {
        if (!form.code_verifier)
          return oauthError(400, 'invalid_request', '"code_verifier" is required');
        if (!VERIFIER.test(form.code_verifier))
          return oauthError(400, 'invalid_request', 'code_verifier is malformed');
        if ((await s256(form.code_verifier)) !== code.codeChallenge)
          return invalidGrant('PKCE verification failed');
      } else if (form.code_verifier !== undefined) {
        return invalidGrant(
          'code_verifier sent but the authorization request had no code_challenge',
        );
      }
      if (s.consentRevoked(code)) return invalidGrant('The user revoked consent');
      return issue(s, code, true);
    }
    case 'refresh_token': {
      if (!form.refresh_token)
        return oauthError(400, 'invalid_request', '"refresh_token" is required');
      const old = s.refresh.get(form.refresh_token);
      if (!s.live(old) || old.vendor !== 'oauth2' || old.clientId !== client.clientId) {
        return invalidGrant('The refresh token is invalid, expired, revoked or already used');
      }
      if (s.consentRevoked(old)) return invalidGrant('The user revoked consent');
      let scope = old.scope;
      if (form.scope !== undefined) {
        const granted = new Set((old.scope ?? '').split(' ').filter(Boolean));
        const asked = form.scope.split(' ').filter(Boolean);
        if (asked.some((x) => !granted.has(x)))
          return oauthError(400, 'invalid_scope', 'The requested scope exceeds the original grant');
        scope = asked.join(' ');
      }
      old.used = true;
      return issue(s, { ...old, scope }, true);
    }
    case 'client_credentials': {
      if (authMethod(client) === 'none')
        return oauthError(
          400,
          'unauthorized_client',
          'Public clients cannot use client_credentials',
        );
      const g = {
        vendor: 'oauth2',
        kind: 'oauth2',
        clientId: client.clientId,
        sub: client.clientId,
        grantId: randomToken(12),
        scope: form.scope,
      } as const;
      return issue(s, g, false);
    }
    default:
      return oauthError(400, 'unsupported_grant_type', 'Unsupported grant_type');
  }
}

async function issue(s: EmulatorState, g: Grant, withRefresh: boolean): Promise<Response> {
  const base = {
    vendor: g.vendor,
    kind: g.kind,
    clientId: g.clientId,
    userId: g.userId,
    sub: g.sub,
    grantId: g.grantId,
    scope: g.scope || undefined,
  };
  const ttl = s.ttl.oauth2;
  const body: Record<string, unknown> = {
    access_token: await s.issueAccess(base, ttl),
    token_type: 'Bearer',
    expires_in: ttl,
  };
  if (withRefresh) body.refresh_token = s.issueRefresh(base, s.refreshTtl.oauth2);
  if (base.scope) body.scope = base.scope;
  return json(200, body, { 'cache-control': 'no-store', pragma: 'no-cache' });
}

/** RFC 7009: 200 for unknown tokens too; revoking a refresh token revokes its whole grant. */
async function revoke(s: EmulatorState, r: EmuRequest): Promise<Response> {
  const auth = authenticate(s, r);
  if ('error' in auth) return auth.error;
  const { client, form } = auth;
  if (!form.token) return oauthError(400, 'invalid_request', '"token" is required');
  const hint = form.token_type_hint;
  if (hint !== undefined && hint !== 'access_token' && hint !== 'refresh_token') {
    return oauthError(
      400,
      'unsupported_token_type',
      'token_type_hint must be access_token or refresh_token',
    );
  }
  const asRefresh = s.refresh.get(form.token);
  const asAccess = s.access.get(form.token);
  const g = asRefresh ?? asAccess;
  if (g && g.vendor === 'oauth2') {
    if (g.clientId !== client.clientId)
      return oauthError(400, 'unauthorized_client', 'The token was issued to another client');
    if (asRefresh) s.revokeGrant(g.grantId);
    else s.access.delete(form.token);
  }
  return new Response(null, { status: 200, headers: { 'cache-control': 'no-store' } });
}

function userinfo(s: EmulatorState, r: EmuRequest): Response {
  const token = bearerToken(r.headers);
  if (token === undefined)
    return oauthError(401, 'invalid_request', 'Bearer token required', {
      'www-authenticate': 'Bearer realm="oauth2"',
    });
  const g = s.validAccess(token, 'oauth2');
  if (!g)
    return oauthError(401, 'invalid_token', 'The access token is invalid or expired', {
      'www-authenticate': 'Bearer realm="oauth2", error="invalid_token"',
    });
  return json(200, {
    sub: g.sub,
    client_id: g.clientId,
    ...(g.scope !== undefined && { scope: g.scope }),
  });
}
