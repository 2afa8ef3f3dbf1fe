/**
 * First Dollar: `POST /v0/auth/token` (client_credentials, authorization_code, refresh_token), and
 * the routes of GraphQL (`first-dollar-graphql.ts`) and the consent page (`first-dollar-consent.ts`).
 * @internal
 */
import type { EmuRequest, Route } from './route';
import type { EmulatorState, Grant } from './state';
import type { FirstDollarApp } from './types';
import { consent } from './first-dollar-consent';
import { graphql } from './first-dollar-graphql';
import {
  json,
  oauthError,
  parseBody,
  randomToken,
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
