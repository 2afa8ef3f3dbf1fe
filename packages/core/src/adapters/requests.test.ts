// Request builders against the exact requests in the vendors' docs (../shared/vendor-docs).
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../errors';
import { firstDollarApp, firstDollarPartner } from './first-dollar';
import { firstOrionOAuth, firstOrionV1 } from './first-orion';
import { oauth2 } from './oauth2';
import { orangeLogic, orangeLogicClientCredentials } from './orange-logic';

const json = (body: string | undefined) => JSON.parse(body ?? 'null') as unknown;

describe('First Dollar', () => {
  it('Partner client_credentials is the documented JSON request (sandbox)', () => {
    const req = firstDollarPartner({
      clientId: '<your-client-id>',
      clientSecret: '<your-client-secret>',
    }).buildRequest({ type: 'client_credentials' });
    expect(req.url).toBe('https://api.dev.firstdollar.com/v0/auth/token');
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/json');
    expect(json(req.body)).toEqual({
      grant_type: 'client_credentials',
      client_id: '<your-client-id>',
      client_secret: '<your-client-secret>',
    });
  });

  it('Partner refresh is the documented body, production host, and the form option matches fd-mcp-server', () => {
    const prod = firstDollarPartner({
      clientId: 'c',
      clientSecret: 's',
      environment: 'production',
    });
    const req = prod.buildRequest({ type: 'refresh_token', refreshToken: '<your-refresh-token>' });
    expect(req.url).toBe('https://api.firstdollar.com/v0/auth/token');
    expect(json(req.body)).toEqual({
      grant_type: 'refresh_token',
      refresh_token: '<your-refresh-token>',
    });
    const form = firstDollarPartner({
      clientId: 'c',
      clientSecret: 's',
      bodyFormat: 'form',
    }).buildRequest({ type: 'client_credentials' });
    expect(form.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(form.body).toBe('grant_type=client_credentials&client_id=c&client_secret=s');
  });

  it('OAuth App: consent URL, code exchange and refresh as documented', () => {
    const app = firstDollarApp({
      appId: 'app_1',
      clientId: '<your-client-id>',
      clientSecret: '<your-client-secret>',
    });
    expect(app.authorizationUrl()).toBe('https://my.dev.firstdollar.com/oauth/app/app_1/');
    expect(
      firstDollarApp({
        appId: 'a',
        clientId: 'c',
        clientSecret: 's',
        environment: 'production',
      }).authorizationUrl(),
    ).toBe('https://my.firstdollar.com/oauth/app/a/');
    const code = app.buildRequest({ type: 'authorization_code', code: '<authorization-code>' });
    expect(json(code.body)).toEqual({
      grant_type: 'authorization_code',
      code: '<authorization-code>',
      client_id: '<your-client-id>',
      client_secret: '<your-client-secret>',
    });
    expect(json(app.buildRequest({ type: 'refresh_token', refreshToken: 'r' }).body)).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'r',
    });
    expect(() => app.buildRequest({ type: 'client_credentials' })).toThrow(ConfigurationError);
  });
});

describe('First Orion', () => {
  it('v2: standard Basic of apikey:secretkey and a grant_type form', () => {
    const req = firstOrionOAuth({ apiKey: 'apikey', secretKey: 'secretkey' }).buildRequest({
      type: 'client_credentials',
    });
    expect(req.url).toBe('https://api.firstorion.com/v2/auth');
    expect(req.headers.authorization).toBe(`Basic ${btoa('apikey:secretkey')}`);
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req.body).toBe('grant_type=client_credentials');
  });

  it('v1: X-SERVICE / X-API-KEY / X-SECRET-KEY, lab host, refresh formats', () => {
    const adapter = firstOrionV1({
      apiKey: 'api_key_here',
      secretKey: 'secret_key_here',
      environment: 'lab',
    });
    const req = adapter.buildRequest({ type: 'client_credentials' });
    expect(req.url).toBe('https://api.forp-lab.com/v1/auth');
    expect(req.headers).toMatchObject({
      'x-service': 'auth',
      'x-api-key': 'api_key_here',
      'x-secret-key': 'secret_key_here',
      'content-type': 'application/json',
    });
    expect(req.body).toBeUndefined();
    const refresh = adapter.buildRequest({ type: 'refresh_token', refreshToken: 'rt' });
    expect(refresh.url).toBe('https://api.forp-lab.com/v1/auth/refresh');
    expect(refresh.headers).toMatchObject({
      'x-service': 'auth',
      'x-api-key': 'api_key_here',
      'x-refresh-token': 'rt',
    });
    expect(refresh.headers['x-secret-key']).toBeUndefined();
    const body = firstOrionV1({ apiKey: 'k', secretKey: 's', refresh: 'body' }).buildRequest({
      type: 'refresh_token',
      refreshToken: 'rt',
    });
    expect(json(body.body)).toEqual({ refresh_token: 'rt' });
    const never = firstOrionV1({ apiKey: 'k', secretKey: 's', refresh: false }).buildRequest({
      type: 'refresh_token',
      refreshToken: 'rt',
    });
    expect(never.url).toBe('https://api.firstorion.com/v1/auth');
    expect(adapter.authScheme).toBe('raw');
    expect(adapter.refreshWindow).toBe(600);
    expect(adapter.retryInterval).toBe(60);
  });
});

describe('Orange Logic', () => {
  const adapter = orangeLogic({
    siteUrl: 'https://acme.orangelogic.com/',
    clientId: 'cid',
    clientSecret: 'cs',
    redirectUri: 'https://app.example/cb',
  });
  it('authorize URL carries client_id, response_type, redirect_uri and state', () => {
    const url = new URL(adapter.authorizationUrl({ state: 'xyz' }));
    expect(url.origin + url.pathname).toBe('https://acme.orangelogic.com/oauth2/auth');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: 'cid',
      response_type: 'code',
      redirect_uri: 'https://app.example/cb',
      state: 'xyz',
    });
  });
  it('the refresh token travels in `code`', () => {
    const req = adapter.buildRequest({ type: 'refresh_token', refreshToken: 'rt' });
    expect(req.url).toBe('https://acme.orangelogic.com/webapi/security/oauth2/token_48I_v1');
    expect(json(req.body)).toEqual({
      client_id: 'cid',
      client_secret: 'cs',
      grant_type: 'refresh_token',
      code: 'rt',
    });
    expect(json(adapter.buildRequest({ type: 'authorization_code', code: 'ac' }).body)).toEqual({
      client_id: 'cid',
      client_secret: 'cs',
      grant_type: 'authorization_code',
      code: 'ac',
    });
  });
});

describe('Orange Logic client credentials', () => {
  it('posts exactly { client_id, client_secret } as JSON to the configurable path', () => {
    const adapter = orangeLogicClientCredentials({
      siteUrl: 'https://acme.orangelogic.com/',
      clientId: 'cid',
      clientSecret: 'cs',
    });
    expect(adapter).toMatchObject({
      id: 'orange-logic-client-credentials',
      grant: { type: 'client_credentials' },
    });
    const req = adapter.buildRequest({ type: 'client_credentials' });
    expect(req.url).toBe(
      'https://acme.orangelogic.com/webapi/security/clientcredentialsauthentication/authenticate_46H_v1',
    );
    expect(req.headers['content-type']).toBe('application/json');
    expect(json(req.body)).toEqual({ client_id: 'cid', client_secret: 'cs' });
    expect(() => adapter.buildRequest({ type: 'refresh_token', refreshToken: 'rt' })).toThrow(
      ConfigurationError,
    );
    const moved = orangeLogicClientCredentials({
      siteUrl: 'https://acme.orangelogic.com',
      clientId: 'cid',
      clientSecret: 'cs',
      tokenPath: '/api/cc',
    });
    expect(moved.buildRequest({ type: 'client_credentials' }).url).toBe(
      'https://acme.orangelogic.com/api/cc',
    );
  });
});

describe('generic OAuth 2.0', () => {
  it('client_secret_basic form-encodes id and secret (RFC 6749 §2.3.1)', () => {
    const req = oauth2({
      clientId: 'my client',
      clientSecret: 'p@ss:word',
      tokenEndpoint: 'https://id.example/token',
    }).buildRequest({ type: 'client_credentials' });
    expect(req.headers.authorization).toBe(`Basic ${btoa('my+client:p%40ss%3Aword')}`);
    expect(req.body).toBe('grant_type=client_credentials');
  });
  it('client_secret_post and a public client with PKCE', () => {
    const post = oauth2({
      clientId: 'c',
      clientSecret: 's',
      clientAuth: 'client_secret_post',
      tokenEndpoint: 'https://id.example/token',
    });
    expect(post.buildRequest({ type: 'refresh_token', refreshToken: 'r' }).body).toBe(
      'grant_type=refresh_token&refresh_token=r&client_id=c&client_secret=s',
    );
    const pub = oauth2({
      clientId: 'c',
      tokenEndpoint: 'https://id.example/token',
      authorizationEndpoint: 'https://id.example/authorize',
      redirectUri: 'https://app/cb',
    });
    const url = new URL(pub.authorizationUrl({ state: 'st', codeChallenge: 'ch' }));
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'c',
      redirect_uri: 'https://app/cb',
      state: 'st',
      code_challenge: 'ch',
      code_challenge_method: 'S256',
    });
    const req = pub.buildRequest({ type: 'authorization_code', code: 'ac', codeVerifier: 'v' });
    expect(req.headers.authorization).toBeUndefined();
    expect(req.body).toBe(
      'grant_type=authorization_code&code=ac&redirect_uri=https%3A%2F%2Fapp%2Fcb&code_verifier=v&client_id=c',
    );
  });
});

describe('configuration is validated at creation', () => {
  it.each([
    () => firstDollarPartner({ clientId: '', clientSecret: 's' }),
    () => firstDollarApp({ appId: 'a', clientId: 'c', clientSecret: 's', apiBaseUrl: 'ftp://x' }),
    () => firstOrionV1({ apiKey: 'k', secretKey: ' ' }),
    () =>
      orangeLogic({
        siteUrl: 'not a url',
        clientId: 'c',
        clientSecret: 's',
        redirectUri: 'https://a/cb',
      }),
    () =>
      oauth2({
        clientId: 'c',
        clientAuth: 'client_secret_basic',
        tokenEndpoint: 'https://id/token',
      }),
  ])('throws ConfigurationError (%#)', (make) => {
    expect(make).toThrow(ConfigurationError);
  });
});
