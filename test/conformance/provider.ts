// A real OAuth 2.0 / OpenID Connect server (oidc-provider 9) on 127.0.0.1 for the conformance test,
// plus the small "browser" that walks its authorization redirects: a cookie jar and manual redirects.
//
// Configuration the test needs, beyond oidc-provider's defaults:
// - `features.clientCredentials`, `features.revocation`, `features.introspection` (off by default);
// - `pkce.required` for every client (the default requires it only for public clients);
// - `issueRefreshToken` for every client allowed the refresh_token grant (the default also wants the
//   `offline_access` scope, which oidc-provider keeps only with `prompt=consent`), and
//   `rotateRefreshToken: true` (the default rotates only past 70 % of the token's life);
// - `interactions.url` + `devInteractions` off: login and consent are answered by `interact()` below
//   with `interactionDetails` / the Grant API / `interactionFinished`, without an HTML form;
// - a generated signing key and cookie keys, so it does not use its development defaults.
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/** Marked so that the canary scan of the suite catches it in any console output. */
export const CLIENT_SECRET = 'CANARY-conformance secret:+/=';
export const CLIENT_ID = 'grantkit-conformance';
export const POST_CLIENT_ID = 'grantkit-conformance-post';
export const PUBLIC_CLIENT_ID = 'grantkit-conformance-public';
export const REDIRECT_URI = 'http://app.test/auth/callback';
export const ACCOUNT_ID = 'user-42';

export interface RunningProvider {
  issuer: string;
  provider: Provider;
  /** Answer the next consent prompts with access_denied. */
  denyConsent: boolean;
  /** Errors oidc-provider reported as `server_error` (a conformance run expects none). */
  serverErrors: unknown[];
  close(): Promise<void>;
}

export async function startProvider(): Promise<RunningProvider> {
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) =>
    res.writeHead(503).end();
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) =>
    server.once('error', reject).listen(0, '127.0.0.1', resolve),
  );
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [REDIRECT_URI],
        response_types: ['code'],
        grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        client_id: POST_CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [],
        response_types: [],
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_post',
      },
      {
        client_id: PUBLIC_CLIENT_ID,
        redirect_uris: [REDIRECT_URI],
        response_types: ['code'],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'none',
      },
    ],
    findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub }) }),
    interactions: {
      url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      revocation: { enabled: true, allowedPolicy: ownTokensOnly },
      introspection: { enabled: true, allowedPolicy: ownTokensOnly },
    },
    pkce: { required: () => true },
    issueRefreshToken: (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    cookies: { keys: ['conformance-cookie-key-0123456789abcdef'] },
    jwks: {
      keys: [
        { ...privateKey.export({ format: 'jwk' }), kid: 'conformance', use: 'sig', alg: 'RS256' },
      ],
    },
  });

  const running: RunningProvider = {
    issuer,
    provider,
    denyConsent: false,
    serverErrors: [],
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
  provider.on('server_error', (_ctx, error) => running.serverErrors.push(error));

  const app = provider.callback();
  handler = (req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      interact(running, req, res).catch((error: unknown) => {
        running.serverErrors.push(error);
        if (!res.headersSent)
          res.writeHead(500, { 'content-type': 'text/plain' }).end('interaction failed');
      });
    } else app(req, res);
  };
  return running;
}

/** A client may revoke or introspect only the tokens issued to it. */
async function ownTokensOnly(
  _ctx: unknown,
  client: { clientId: string },
  token: { clientId: string },
): Promise<boolean> {
  return token.clientId === client.clientId;
}

/** The user's side of an interaction: logs `ACCOUNT_ID` in, then consents to what was asked (or denies). */
async function interact(
  running: RunningProvider,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { provider } = running;
  const details = await provider.interactionDetails(req, res);
  let result: Record<string, unknown>;
  if (details.prompt.name === 'login') {
    result = { login: { accountId: ACCOUNT_ID } };
  } else if (details.prompt.name === 'consent' && running.denyConsent) {
    result = { error: 'access_denied', error_description: 'The user denied the request' };
  } else if (details.prompt.name === 'consent') {
    const existing =
      details.grantId === undefined ? undefined : await provider.Grant.find(details.grantId);
    const grant =
      existing ??
      new provider.Grant({
        accountId: details.session?.accountId ?? ACCOUNT_ID,
        clientId: details.params.client_id,
      });
    const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = details.prompt.details;
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {}))
      grant.addResourceScope(indicator, scopes.join(' '));
    result = { consent: { grantId: await grant.save() } };
  } else {
    result = {
      error: 'access_denied',
      error_description: `unexpected prompt ${details.prompt.name}`,
    };
  }
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
}

/** A per-origin cookie jar: enough for one host's `Set-Cookie` (paths ignored, deletions honoured). */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const expired = attributes.some(
        (a) =>
          /^max-age=(0|-)/i.test(a) ||
          (/^expires=/i.test(a) && Date.parse(a.slice(8)) <= Date.now()),
      );
      if (value === '' || expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  get size(): number {
    return this.cookies.size;
  }

  /** A copy of the jar (to replay a request with the cookies of an earlier moment). */
  snapshot(): CookieJar {
    const copy = new CookieJar();
    for (const [name, value] of this.cookies) copy.cookies.set(name, value);
    return copy;
  }
}

/**
 * Follows the provider's redirects by hand (login and consent interactions included) until one
 * leaves the provider's origin; returns that URL (the client's redirect URI with `code` or `error`).
 */
export async function walkAuthorization(start: string, jar: CookieJar): Promise<URL> {
  let url = new URL(start);
  const origin = url.origin;
  for (let hop = 0; hop < 12; hop++) {
    const response = await fetch(url, {
      redirect: 'manual',
      headers: jar.size ? { cookie: jar.header() } : {},
    });
    jar.store(response);
    const location = response.headers.get('location');
    if (response.status < 300 || response.status > 399 || location === null) {
      throw new Error(
        `the provider answered ${response.status} at ${url.pathname}: ${(await response.text()).slice(0, 300)}`,
      );
    }
    await response.body?.cancel();
    url = new URL(location, url);
    if (url.origin !== origin) return url;
  }
  throw new Error('too many redirects');
}

/** RFC 7662 introspection as the confidential client: whether the server still accepts a token. */
export async function isActive(issuer: string, token: string): Promise<boolean> {
  const form = (value: string) => new URLSearchParams([['', value]]).toString().slice(1);
  const response = await fetch(`${issuer}/token/introspection`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${form(CLIENT_ID)}:${form(CLIENT_SECRET)}`).toString('base64')}`,
    },
    body: new URLSearchParams({ token }).toString(),
  });
  if (response.status !== 200) throw new Error(`introspection answered ${response.status}`);
  return ((await response.json()) as { active: boolean }).active;
}
