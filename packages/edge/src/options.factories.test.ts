/**
 * Every exported factory of @grantkit/edge but createAuthHandler (options.test.ts) with bad options
 * (issue #14): a misspelled option is reported with the closest name, a wrong type is refused naming
 * the factory and the option, a secret never appears in a message, the documented options are
 * accepted.
 */
import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  firstDollarApp,
  firstDollarPartner,
  memoryStorage,
} from '@grantkit/core';
import type { DenoKvLike } from '@grantkit/core/deno-kv';
import type { RedisClientLike } from '@grantkit/core/redis';
import { TEST_CREDENTIALS } from '@grantkit/core/testing';
import { createPartnerClient, memorySessionStore } from '@grantkit/edge';
import {
  durableObjectCoordinator,
  kvSessionStore,
  kvTokenStorage,
  sessionRefresher,
  type DurableObjectStateLike,
  type KVNamespaceLike,
} from '@grantkit/edge/cloudflare';
import { denoKvCoordinator, denoKvSessionStore } from '@grantkit/edge/deno-kv';
import { redisCoordinator, redisSessionStore } from '@grantkit/edge/redis';

type Options = Record<string, unknown>;
const CANARY = 'CANARY-edge-options-secret-9c1d';
const SECRET = 'edge-options-test-secret-0123456789abcdef';

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
const denoKv = {
  get: async () => ({ value: null, versionstamp: null }),
  atomic: () => ({}),
} as unknown as DenoKvLike;
const kv: KVNamespaceLike = { get: async () => null, put: async () => {}, delete: async () => {} };
const app = firstDollarApp(TEST_CREDENTIALS.firstDollarApp);
const sessions = memorySessionStore();
let keys = 0;

interface Factory {
  name: string;
  make: (options: Options) => unknown;
  minimal: Options;
  full: Options;
  typo: [misspelled: string, meant: string];
  bad: [option: string, value: unknown][];
}

const storeFull = {
  secret: [SECRET, `${SECRET}-older`],
  prefix: 'app:session:',
  storeTimeout: 500,
  lockTtl: 1000,
  waitTimeout: 5000,
  clockSkew: 0,
};
const storeBad: [string, unknown][] = [
  ['secret', CANARY],
  ['secret', [CANARY]],
  ['prefix', 1],
  ['storeTimeout', '1s'],
  ['lockTtl', 50],
];
const clientFull = {
  adapter: app,
  fetch: globalThis.fetch,
  timeout: 5000,
  retry: { limit: 1 },
  now: Date.now,
  onAuthFailed: noop,
};
const clientBad: [string, unknown][] = [
  ['adapter', undefined],
  ['timeout', '10s'],
  ['retry', { limt: 1 }],
  ['onAuthFailed', CANARY],
  ['storage', memoryStorage()],
  ['key', 'k'],
];

const FACTORIES: Factory[] = [
  {
    name: 'createPartnerClient',
    make: (o) => createPartnerClient({ key: `options-test-${keys++}`, ...o } as never),
    minimal: { adapter: firstDollarPartner(TEST_CREDENTIALS.firstDollarPartner) },
    full: {
      adapter: firstDollarPartner(TEST_CREDENTIALS.firstDollarPartner),
      storage: memoryStorage(),
      clockSkew: 1,
      timeout: 5000,
      retry: { limit: 0 },
      onTokens: noop,
      onAuthFailed: noop,
    },
    typo: ['adaptor', 'adapter'],
    bad: [
      ['adapter', undefined],
      ['adapter', { id: CANARY }],
      ['timeout', '10s'],
      ['timeout', -1],
      ['clockSkew', -1],
      ['storage', {}],
    ],
  },
  {
    name: 'memorySessionStore',
    make: (o) => memorySessionStore(o as never),
    minimal: {},
    full: { maxSessions: 50_000, now: Date.now },
    typo: ['maxSession', 'maxSessions'],
    bad: [
      ['maxSessions', 0],
      ['maxSessions', 1.5],
      ['now', 0],
    ],
  },
  {
    name: 'kvSessionStore',
    make: (o) => kvSessionStore(kv, o as never),
    minimal: { secret: SECRET },
    full: { secret: [SECRET, `${SECRET}-older`], prefix: 'app:session:' },
    typo: ['secrets', 'secret'],
    bad: [
      ['secret', undefined],
      ['secret', CANARY],
      ['secret', []],
      ['prefix', 5],
    ],
  },
  {
    name: 'kvTokenStorage',
    make: (o) => kvTokenStorage(kv, o as never),
    minimal: { secret: SECRET },
    full: { secret: SECRET },
    typo: ['secert', 'secret'],
    bad: [
      ['secret', [CANARY, SECRET]],
      ['secret', 32],
    ],
  },
  {
    name: 'redisSessionStore',
    make: (o) => redisSessionStore(redis, o as never),
    minimal: { secret: SECRET },
    full: storeFull,
    typo: ['lockTTL', 'lockTtl'],
    bad: storeBad,
  },
  {
    name: 'redisCoordinator',
    make: (o) => redisCoordinator(redis, o as never),
    minimal: { secret: SECRET, adapter: app },
    full: { ...storeFull, ...clientFull },
    typo: ['waitTimout', 'waitTimeout'],
    bad: [...storeBad, ...clientBad],
  },
  {
    name: 'denoKvSessionStore',
    make: (o) => denoKvSessionStore(denoKv, o as never),
    minimal: { secret: SECRET },
    full: { ...storeFull, kvPrefix: ['app', 1] },
    typo: ['kvprefix', 'kvPrefix'],
    bad: [...storeBad, ['kvPrefix', 'app']],
  },
  {
    name: 'denoKvCoordinator',
    make: (o) => denoKvCoordinator(denoKv, o as never),
    minimal: { secret: SECRET, adapter: app },
    full: { ...storeFull, ...clientFull, kvPrefix: ['app'] },
    typo: ['storeTimout', 'storeTimeout'],
    bad: [...storeBad, ...clientBad, ['kvPrefix', [{}]]],
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
    if (message.startsWith(`${name}: unknown option "${option}`)) return; // an option this factory does not take, or one misspelled inside an object option
    expect(message.startsWith(`${name}: "${option}`), message).toBe(true);
    expect(message).toMatch(/ must be | is required: /);
  });
});

describe('Durable Object refresher', () => {
  const state = {
    storage: { get: async () => undefined, put: async () => {}, delete: async () => true },
  } as unknown as DurableObjectStateLike;
  const renew = async (Refresher: ReturnType<typeof sessionRefresher<unknown>>) => {
    const object = new Refresher(state, {});
    const response = await object.fetch(
      new Request('https://grantkit.refresher/renew', {
        method: 'POST',
        body: JSON.stringify({ sid: 's1', tokens: { accessToken: 'a', expiresAt: 0 } }),
      }),
    );
    return (await response.json()) as { error?: { code: string; message: string } };
  };

  it('sessionRefresher needs a function, and checks what it returns when the object first runs', async () => {
    expect(refusal(() => sessionRefresher({ adapter: app } as never))).toMatch(
      /^sessionRefresher: "configure" must be a function/,
    );
    const answer = await renew(
      sessionRefresher(() => ({ adapter: app, sessionMaxAge: -1, secret: CANARY }) as never),
    );
    expect(answer.error?.code).toBe('config_invalid');
    expect(answer.error?.message).toMatch(
      /^sessionRefresher: unknown option "secret"|^sessionRefresher: "sessionMaxAge" must be a positive number of seconds/,
    );
    expect(JSON.stringify(answer)).not.toContain('CANARY');
  });

  it('sessionRefresher accepts every documented option', () => {
    expect(() =>
      sessionRefresher(() => ({ ...clientFull, sessions, sessionMaxAge: 3600, onTokens: noop })),
    ).not.toThrow();
  });

  it('durableObjectCoordinator needs a namespace binding', () => {
    expect(refusal(() => durableObjectCoordinator(undefined as never))).toMatch(
      /^durableObjectCoordinator: "namespace" must be a Durable Object namespace binding/,
    );
    expect(refusal(() => durableObjectCoordinator({ get: noop } as never))).toMatch(
      /^durableObjectCoordinator: "namespace"/,
    );
    expect(() => durableObjectCoordinator({ get: noop, idFromName: noop } as never)).not.toThrow();
  });
});
