/**
 * Every exported factory of @grantkit/core with bad options (issue #14, "Options are checked, errors
 * name the thing"): a misspelled option is reported with the closest name, a wrong type is refused
 * naming the factory and the option, a secret never appears in a message, and the documented
 * options are accepted. `createAuthHandler` has its own file in edge (options.test.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  createGraphQLClient,
  createTokenClient,
  firstDollarApp,
  firstDollarGraphQLEndpoint,
  firstDollarHosts,
  firstDollarPartner,
  firstOrionOAuth,
  firstOrionV1,
  memoryStorage,
  oauth2,
  orangeLogic,
  orangeLogicClientCredentials,
  type FirstDollarEnvironment,
} from '@grantkit/core';
import { createVendorEmulator, TEST_CREDENTIALS } from '@grantkit/core/testing';
import { createSharedStore, type SharedEngine } from '@grantkit/core/shared';
import {
  redisEngine,
  redisShared,
  redisTokenStorage,
  type RedisClientLike,
} from '@grantkit/core/redis';
import {
  denoKvEngine,
  denoKvShared,
  denoKvTokenStorage,
  type DenoKvLike,
} from '@grantkit/core/deno-kv';

type Options = Record<string, unknown>;
const CANARY = 'CANARY-options-secret-7f3a';
const SECRET = 'options-test-store-secret-0123456789abcdef';
const T = TEST_CREDENTIALS;

/** The message of the ConfigurationError `call` throws (fails the test when it throws none, or another error). */
function refusal(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    const { message } = error as Error;
    expect(message).not.toContain('CANARY');
    return message;
  }
  throw new Error('accepted');
}

const noop = () => {};
const redis: RedisClientLike = {
  get: async () => null,
  eval: async () => null,
  evalSha: async () => null,
};
const kv = {
  get: async () => ({ value: null, versionstamp: null }),
  atomic: () => ({}),
} as unknown as DenoKvLike;
const engine = redisEngine(redis) satisfies SharedEngine;
const partner = firstDollarPartner(T.firstDollarPartner);

interface Factory {
  /** The name errors give. */
  name: string;
  make: (options: Options) => unknown;
  /** The fewest options it takes. */
  minimal: Options;
  /** Every documented option, with a value the docs allow. */
  full: Options;
  /** A misspelling of an option, and the option it should suggest. */
  typo: [misspelled: string, meant: string];
  /** Values the docs rule out, each with the option it is given to. */
  bad: [option: string, value: unknown][];
}

const storeOptions = {
  secret: [SECRET, `${SECRET}-older`],
  prefix: 'app:',
  storeTimeout: 500,
  lockTtl: 1000,
  waitTimeout: 5000,
  clockSkew: 0,
};
const storeBad: [string, unknown][] = [
  ['secret', `${CANARY}`],
  ['secret', [CANARY]],
  ['secret', []],
  ['secret', 42],
  ['prefix', 7],
  ['storeTimeout', 0],
  ['storeTimeout', '1s'],
  ['lockTtl', 10],
  ['waitTimeout', -1],
  ['clockSkew', -5],
];

const FACTORIES: Factory[] = [
  {
    name: 'firstDollarPartner',
    make: (o) => firstDollarPartner(o as never),
    minimal: { clientId: 'id', clientSecret: CANARY },
    full: {
      clientId: 'id',
      clientSecret: CANARY,
      environment: 'production',
      apiBaseUrl: 'http://127.0.0.1:8787/',
      bodyFormat: 'form',
      refreshWindow: 0,
    },
    typo: ['clientSecert', 'clientSecret'],
    bad: [
      ['clientId', ''],
      ['clientSecret', 42],
      ['environment', 'prod'],
      ['apiBaseUrl', 'api.firstdollar.com'],
      ['apiBaseUrl', 'ftp://api.example'],
      ['bodyFormat', 'xml'],
      ['refreshWindow', -1],
      ['refreshWindow', '60'],
    ],
  },
  {
    name: 'firstDollarApp',
    make: (o) => firstDollarApp(o as never),
    minimal: { appId: 'app_1', clientId: 'id', clientSecret: CANARY },
    full: {
      appId: 'app_1',
      clientId: 'id',
      clientSecret: CANARY,
      environment: 'sandbox',
      apiBaseUrl: 'https://api.example',
      consentBaseUrl: 'https://my.example',
      redirectUri: 'https://app.example/auth/callback',
      bodyFormat: 'json',
      refreshWindow: 120,
      refreshWithClientCredentials: true,
    },
    typo: ['consentBaseURL', 'consentBaseUrl'],
    bad: [
      ['appId', undefined],
      ['environment', 'prod'],
      ['consentBaseUrl', '/consent'],
      ['redirectUri', 'callback'],
      ['refreshWithClientCredentials', 'yes'],
      ['clientSecret', { value: CANARY }],
    ],
  },
  {
    name: 'firstDollarGraphQLEndpoint',
    make: (o) => firstDollarGraphQLEndpoint(o as never),
    minimal: {},
    full: { environment: 'production', apiBaseUrl: 'https://api.example', appId: 'app_1' },
    typo: ['enviroment', 'environment'],
    bad: [
      ['environment', 'prod'],
      ['apiBaseUrl', 'not a url'],
      ['appId', 7],
    ],
  },
  {
    name: 'firstOrionOAuth',
    make: (o) => firstOrionOAuth(o as never),
    minimal: { apiKey: 'key', secretKey: CANARY },
    full: {
      apiKey: 'key',
      secretKey: CANARY,
      environment: 'lab',
      baseUrl: 'https://api.example',
      authScheme: 'raw',
      refreshWindow: 30,
    },
    typo: ['secretkey', 'secretKey'],
    bad: [
      ['apiKey', null],
      ['secretKey', ''],
      ['environment', 'sandbox'],
      ['baseUrl', 'api.firstorion.com'],
      ['authScheme', 'bearer'],
      ['refreshWindow', Number.NaN],
    ],
  },
  {
    name: 'firstOrionV1',
    make: (o) => firstOrionV1(o as never),
    minimal: { apiKey: 'key', secretKey: CANARY },
    full: {
      apiKey: 'key',
      secretKey: CANARY,
      environment: 'production',
      baseUrl: 'https://api.example',
      authScheme: 'Bearer',
      refresh: false,
      refreshWindow: 600,
      retryInterval: 60,
    },
    typo: ['refesh', 'refresh'],
    bad: [
      ['refresh', true],
      ['refresh', 'query'],
      ['retryInterval', 0],
      ['refreshWindow', -600],
      ['authScheme', 'Basic'],
    ],
  },
  {
    name: 'orangeLogic',
    make: (o) => orangeLogic(o as never),
    minimal: {
      siteUrl: 'https://acme.orangelogic.com',
      clientId: 'id',
      clientSecret: CANARY,
      redirectUri: 'https://app.example/callback',
    },
    full: {
      siteUrl: 'https://acme.orangelogic.com',
      clientId: 'id',
      clientSecret: CANARY,
      redirectUri: 'https://app.example/callback',
      tokenPath: '/oauth2/token',
      authorizePath: '/oauth2/authorize',
      bodyFormat: 'form',
      refreshWindow: 300,
    },
    typo: ['siteURL', 'siteUrl'],
    bad: [
      ['siteUrl', 'acme.orangelogic.com'],
      ['redirectUri', undefined],
      ['tokenPath', 'oauth2/token'],
      ['authorizePath', 5],
      ['bodyFormat', 'JSON'],
    ],
  },
  {
    name: 'orangeLogicClientCredentials',
    make: (o) => orangeLogicClientCredentials(o as never),
    minimal: { siteUrl: 'https://acme.orangelogic.com', clientId: 'id', clientSecret: CANARY },
    full: {
      siteUrl: 'https://acme.orangelogic.com',
      clientId: 'id',
      clientSecret: CANARY,
      tokenPath: '/api/cc',
      refreshWindow: 300,
    },
    typo: ['clientSecet', 'clientSecret'],
    bad: [
      ['siteUrl', 'acme.orangelogic.com'],
      ['clientSecret', ''],
      ['tokenPath', 'api/cc'],
      ['refreshWindow', -1],
    ],
  },
  {
    name: 'oauth2',
    make: (o) => oauth2(o as never),
    minimal: { clientId: 'id', tokenEndpoint: 'https://id.example/token' },
    full: {
      clientId: 'id',
      clientSecret: CANARY,
      tokenEndpoint: 'https://id.example/token',
      authorizationEndpoint: 'https://id.example/authorize',
      redirectUri: 'com.example.app:/callback',
      scope: 'openid offline_access',
      revocationEndpoint: 'https://id.example/revoke',
      clientAuth: 'client_secret_post',
      clientCredentials: true,
      defaultTtl: 600,
      refreshWindow: 0,
      retryInterval: 10,
    },
    typo: ['tokenEndpont', 'tokenEndpoint'],
    bad: [
      ['tokenEndpoint', '/token'],
      ['clientSecret', ''],
      ['redirectUri', '/callback'],
      ['clientAuth', 'private_key_jwt'],
      ['clientCredentials', 1],
      ['defaultTtl', 0],
      ['retryInterval', Infinity],
    ],
  },
  {
    name: 'createTokenClient',
    make: (o) => createTokenClient(o as never),
    minimal: { adapter: partner },
    full: {
      adapter: partner,
      storage: memoryStorage(),
      key: 'fd:partner:acme',
      now: Date.now,
      clockSkew: 0,
      signal: new AbortController().signal,
      onTokens: noop,
      onAuthFailed: noop,
      renew: async () => ({ accessToken: 'a', expiresAt: Date.now() + 60_000 }),
      fetch: globalThis.fetch,
      timeout: 5000,
      retry: { limit: 0, maxRetryAfter: 30_000, backoffLimit: 0 },
    },
    typo: ['onAuthFail', 'onAuthFailed'],
    bad: [
      ['adapter', undefined],
      ['adapter', { id: 'x' }],
      ['storage', { get: noop }],
      ['key', ''],
      ['timeout', '10s'],
      ['timeout', -1],
      ['clockSkew', -1],
      ['retry', { limit: -1 }],
      ['retry', { limit: 1.5 }],
      ['signal', 'abort'],
      ['fetch', CANARY],
      ['onTokens', true],
    ],
  },
  {
    name: 'createGraphQLClient',
    make: (o) => createGraphQLClient(o as never),
    minimal: {
      tokenClient: createTokenClient({ adapter: partner }),
      endpoint: 'https://api.example/graphql',
    },
    full: {
      tokenClient: { fetch: globalThis.fetch },
      endpoint: 'https://api.example/graphql',
      retries: 0,
      retryDelay: 0,
    },
    typo: ['endPoint', 'endpoint'],
    bad: [
      ['tokenClient', undefined],
      ['tokenClient', {}],
      ['endpoint', '/graphql'],
      ['retries', 1.5],
      ['retryDelay', -300],
    ],
  },
  {
    name: 'createVendorEmulator',
    make: (o) => createVendorEmulator(o as never),
    minimal: {},
    full: {
      now: 0,
      accessTokenTtl: { firstDollar: 60, oauth2: 120 },
      refreshTokenTtl: { orangeLogic: 3600 },
      firstDollar: {
        partners: [T.firstDollarPartner],
        apps: [T.firstDollarApp],
        graphql: () => undefined,
      },
      firstOrion: { keys: [T.firstOrion], refreshUnsupported: true },
      orangeLogic: { clients: [T.orangeLogic], consentPage: true },
      oauth2: { clients: [{ ...T.oauth2, redirectUris: [T.oauth2.redirectUri] }] },
      latency: () => 0,
      tokenPrefix: 'CANARY-7f3a-',
      compress: 'gzip',
    },
    typo: ['tokenPrefx', 'tokenPrefix'],
    bad: [
      ['now', '2024-01-01'],
      ['accessTokenTtl', { firstDolar: 60 }],
      ['accessTokenTtl', { firstDollar: -1 }],
      ['firstDollar', { partners: [{ clientId: 'x' }] }],
      ['firstOrion', { keys: 'k' }],
      ['tokenPrefix', 'has space'],
      ['compress', 'zstd'],
      ['latency', 100],
    ],
  },
  {
    name: 'createSharedStore',
    make: (o) => createSharedStore(engine, o as never),
    minimal: { secret: SECRET },
    full: storeOptions,
    typo: ['lockTTL', 'lockTtl'],
    bad: storeBad,
  },
  {
    name: 'redisShared',
    make: (o) => redisShared(redis, o as never),
    minimal: { secret: SECRET },
    full: storeOptions,
    typo: ['storeTimout', 'storeTimeout'],
    bad: storeBad,
  },
  {
    name: 'redisTokenStorage',
    make: (o) => redisTokenStorage(redis, o as never),
    minimal: { secret: SECRET },
    full: storeOptions,
    typo: ['secrets', 'secret'],
    bad: storeBad,
  },
  {
    name: 'denoKvShared',
    make: (o) => denoKvShared(kv, o as never),
    minimal: { secret: SECRET },
    full: { ...storeOptions, kvPrefix: ['app', 1, 2n, true, new Uint8Array([1])] },
    typo: ['kvprefix', 'kvPrefix'],
    bad: [...storeBad, ['kvPrefix', 'app'], ['kvPrefix', [{}]]],
  },
  {
    name: 'denoKvTokenStorage',
    make: (o) => denoKvTokenStorage(kv, o as never),
    minimal: { secret: SECRET },
    full: { ...storeOptions, kvPrefix: ['app'] },
    typo: ['waitTimout', 'waitTimeout'],
    bad: [...storeBad, ['kvPrefix', null]],
  },
  {
    name: 'denoKvEngine',
    make: (o) => denoKvEngine(kv, o as never),
    minimal: {},
    full: { kvPrefix: ['grantkit'] },
    typo: ['prefix', 'kvPrefix'],
    bad: [['kvPrefix', 'grantkit']],
  },
];

describe.each(FACTORIES)('$name', ({ name, make, minimal, full, typo, bad }) => {
  it('accepts the documented options, the fewest and every one', () => {
    expect(() => make(minimal)).not.toThrow();
    expect(() => make(full)).not.toThrow();
  });

  it('reports a misspelled option with the closest name, without quoting its value', () => {
    const [misspelled, meant] = typo;
    expect(refusal(() => make({ ...minimal, [misspelled]: CANARY }))).toBe(
      `${name}: unknown option "${misspelled}" (did you mean "${meant}"?)`,
    );
  });

  it.each(
    bad.map(([option, value]) => ({
      option,
      value,
      shown: typeof value === 'string' ? JSON.stringify(value) : String(value),
    })),
  )('refuses $option: $shown naming the option', ({ option, value }) => {
    const message = refusal(() => make({ ...minimal, [option]: value }));
    // The option itself, or (an object option) the misspelled option inside it.
    if (message.startsWith(`${name}: unknown option "${option}.`)) return;
    expect(message.startsWith(`${name}: "${option}`), message).toBe(true);
    expect(message).toMatch(/ must be | is required: /);
  });

  it('refuses options that are not an object', () => {
    if (Object.keys(minimal).length === 0) return; // no required option: `make(undefined)` takes the defaults
    expect(refusal(() => make(undefined as never))).toBe(
      `${name}: the options must be an object, not undefined`,
    );
    expect(refusal(() => make(CANARY as never))).toBe(
      `${name}: the options must be an object, not a string`,
    );
  });
});

describe('what the issue named', () => {
  it("environment: 'prod' is refused, not read as the sandbox", () => {
    const env = 'prod' as FirstDollarEnvironment;
    expect(refusal(() => firstDollarPartner({ ...T.firstDollarPartner, environment: env }))).toBe(
      'firstDollarPartner: "environment" must be one of "sandbox", "production", not "prod"',
    );
    expect(refusal(() => firstDollarApp({ ...T.firstDollarApp, environment: env }))).toMatch(
      /^firstDollarApp: "environment" must be one of "sandbox", "production", not "prod"$/,
    );
    expect(refusal(() => firstDollarGraphQLEndpoint({ environment: env }))).toMatch(
      /^firstDollarGraphQLEndpoint: "environment"/,
    );
    expect(refusal(() => firstDollarHosts(env))).toBe(
      'firstDollarHosts: "environment" must be one of "sandbox", "production", not "prod"',
    );
    expect(firstDollarHosts().api).toBe('https://api.dev.firstdollar.com');
    expect(firstDollarHosts('production').api).toBe('https://api.firstdollar.com');
  });

  it('createTokenClient() without options is a ConfigurationError, not a destructuring TypeError', () => {
    expect(refusal(() => (createTokenClient as () => unknown)())).toBe(
      'createTokenClient: the options must be an object, not undefined',
    );
    expect(refusal(() => createTokenClient({} as never))).toMatch(
      /^createTokenClient: "adapter" is required: an adapter/,
    );
  });

  it('a long enum value is not quoted (it could be a secret put in the wrong option)', () => {
    expect(
      refusal(() =>
        firstDollarPartner({
          ...T.firstDollarPartner,
          environment: `${CANARY}-${'x'.repeat(40)}` as never,
        }),
      ),
    ).toBe(
      'firstDollarPartner: "environment" must be one of "sandbox", "production", not a string',
    );
  });

  it('oauth2: a client authentication that needs a secret, without one', () => {
    expect(
      refusal(() =>
        oauth2({
          clientId: 'id',
          tokenEndpoint: 'https://id.example/token',
          clientAuth: 'client_secret_basic',
        }),
      ),
    ).toBe('oauth2: "clientAuth" "client_secret_basic" needs a "clientSecret"');
  });

  it('exchangeCode on a client_credentials-only adapter is a ConfigurationError, and nothing is sent', async () => {
    let calls = 0;
    const client = createTokenClient({
      adapter: partner,
      fetch: async () => (calls++, Response.json({})),
    });
    await expect(client.exchangeCode('code')).rejects.toThrow(
      new ConfigurationError(
        'exchangeCode: the first-dollar-partner adapter has no authorization-code flow',
      ),
    );
    const orion = createTokenClient({
      adapter: firstOrionOAuth(T.firstOrion),
      fetch: async () => (calls++, Response.json({})),
    });
    await expect(orion.exchangeCode('code')).rejects.toBeInstanceOf(ConfigurationError);
    expect(calls).toBe(0);
  });

  it('a network error names the host it tried, never the path, query string or a credential', async () => {
    const down = async () => {
      throw new TypeError('fetch failed');
    };
    const adapter = oauth2({
      clientId: 'id',
      clientSecret: CANARY,
      clientCredentials: true,
      tokenEndpoint: `https://user:${CANARY}@id.example:8443/token?key=${CANARY}`,
    });
    const client = createTokenClient({ adapter, fetch: down, retry: { limit: 0 } });
    await expect(client.getAccessToken()).rejects.toMatchObject({
      code: 'network_error',
      message: 'The request to id.example:8443 got no response (network error)',
    });

    const api = createTokenClient({
      adapter: partner,
      fetch: async (input) =>
        new Request(input).url.includes('/v0/auth/token')
          ? Response.json({ access_token: 'a', expires_in: 3600 })
          : down(),
    });
    await expect(api.fetch(`https://api.example/graphql?token=${CANARY}`)).rejects.toMatchObject({
      code: 'network_error',
      message: 'The request to api.example got no response (network error)',
    });
  });

  it('memoryStorage takes no options', () => {
    expect(memoryStorage.length).toBe(0);
  });
});

it('createVault checks every option: its token clients’, its store’s and its own', async () => {
  const { createVault, memoryEngine } = await import('./vault/index');
  const { firstDollarPartner } = await import('./index');
  const good = {
    engine: memoryEngine(),
    secret: 'vault-options-secret-0123456789abcdefghij',
    adapter: firstDollarPartner({ clientId: 'c', clientSecret: 's' }),
  };
  expect(() => createVault(good)).not.toThrow();
  const refused = (extra: Record<string, unknown>) => () =>
    createVault({ ...good, ...extra } as never);
  expect(refused({ cooldwn: 5 })).toThrow(
    /createVault: unknown option "cooldwn" \(did you mean "cooldown"\?\)/,
  );
  expect(refused({ failingDays: '3' })).toThrow(
    /createVault: "failingDays" must be a positive number of days, not a string/,
  );
  expect(refused({ engine: {} })).toThrow(/"engine" must be a SharedEngine/);
  expect(refused({ timeout: -1 })).toThrow(/"timeout" must be/);
  expect(refused({ secret: 'CANARY-short' })).toThrow(/"secret" must be/);
  expect(refused({ secret: 'CANARY-short' })).not.toThrow(/CANARY/);
  expect(refused({ storage: {} })).toThrow(/unknown option "storage"/);
});

it('listenEmulator checks its options', async () => {
  const { listenEmulator } = await import('./testing/server.node');
  const { createVendorEmulator } = await import('./testing/index');
  const emulator = createVendorEmulator();
  await expect(listenEmulator(emulator, { port: 70_000 })).rejects.toThrow(
    /listenEmulator: "port" must be a port number from 0 \(a free one\) to 65535, not a number/,
  );
  await expect(listenEmulator(emulator, { hots: '127.0.0.1' } as never)).rejects.toThrow(
    /listenEmulator: unknown option "hots"/,
  );
  const server = await listenEmulator(emulator, { port: 0 });
  await server.close();
});
