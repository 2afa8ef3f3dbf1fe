import { expect, it } from 'vitest';
import { ConfigurationError, firstDollarApp, firstDollarPartner } from '@grantkit/core';
import { createVendorEmulator, TEST_CREDENTIALS } from '@grantkit/core/testing';
import {
  createAuthHandler,
  memorySessionStore,
  type AuthHandlerOptions,
  type SessionStore,
} from '@grantkit/edge';

const good: AuthHandlerOptions = {
  adapter: firstDollarApp(TEST_CREDENTIALS.firstDollarApp),
  secret: 'options-test-session-secret-0123456789',
};
const refused = (extra: Record<string, unknown>): string => {
  try {
    createAuthHandler({ ...good, ...extra } as AuthHandlerOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(Object.keys(extra))}`);
};

it('createAuthHandler refuses every option its docs rule out, naming the option and what is allowed', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [
      { adapter: firstDollarPartner(TEST_CREDENTIALS.firstDollarPartner) },
      /"adapter" must be an authorization-code adapter/,
    ],
    [{ adapter: undefined }, /"adapter" is required/],
    [{ secret: 'short' }, /"secret" must be a string of at least 32 bytes/],
    [{ secret: [] }, /"secret" must be/],
    [{ secret: ['x'.repeat(32), 'short'] }, /"secret" must be/],
    [{ basePath: 'auth' }, /"basePath" must be a path starting with "\/"/],
    [
      { cookie: { sameSite: 'None' } },
      /"cookie.sameSite" must be one of "Strict", "Lax", not "None"/,
    ],
    [{ cookie: { secure: 'yes' } }, /"cookie.secure" must be true or false/],
    [{ cookie: { name: 'a b;c' } }, /"cookie.name" must be letters, digits/],
    [{ cookie: { domain: 'x' } }, /unknown option "cookie.domain"/],
    [{ sessions: {} }, /"sessions" must be a SessionStore/],
    [{ coordinator: { forget() {} } }, /"coordinator" must be a RefreshCoordinator/],
    [{ sessionMaxAge: -1 }, /"sessionMaxAge" must be a positive number of seconds/],
    [
      { proxy: { '/auth/logout': 'https://api.example/x' } },
      /the proxy path "\/auth\/logout" is an auth route/,
    ],
    [{ errorRedirect: '//evil.example' }, /"errorRedirect" must be a path/],
    [{ errorRedirect: '/\\evil.example' }, /"errorRedirect" must be a path/],
    [{ errorRedirect: '/\t/evil.example' }, /"errorRedirect" must be a path/],
    [{ errorRedirect: 'https://app.example/oops\n' }, /"errorRedirect" must be a path/],
    [{ defaultReturnTo: '/a\r\nX: y' }, /"defaultReturnTo" must be a path/],
    [{ defaultReturnTo: 'https://evil.example/' }, /"defaultReturnTo" must be a path/],
    [
      { proxy: { 'api/graphql': 'https://api.example/graphql' } },
      /"proxy" must be an object of request paths/,
    ],
    [
      { proxy: { '/api/graphql': '/graphql' } },
      /"proxy" must be an object of request paths \(starting with "\/"\) to absolute http\(s\) upstream URLs/,
    ],
    [
      { proxy: { '/api/graphql': 'https://svc:hunter2@api.example/graphql' } },
      /"proxy" must be .* \(no user:password@, no #fragment\)/,
    ],
    [{ proxy: { '/api/graphql': 'https://api.example/graphql#x' } }, /"proxy" must be/],
    [{ proxy: { '/api/../graphql': 'https://api.example/graphql' } }, /"proxy" must be/],
    [{ proxy: { '/api/graphql?x=1': 'https://api.example/graphql' } }, /"proxy" must be/],
    [{ basePath: '/app/../auth' }, /"basePath" must be a path/],
    [
      { proxies: { '/api/graphql': 'https://api.example/graphql' } },
      /unknown option "proxies" \(did you mean "proxy"\?\)/,
    ],
    [
      { allowedOrigins: ['https://spa.example/path'] },
      /"allowedOrigins" must be an array of origins/,
    ],
    [{ allowedOrigins: 'https://spa.example' }, /"allowedOrigins" must be an array/],
    [{ fetch: 'fetch' }, /"fetch" must be a function/],
    [{ timeout: '10s' }, /"timeout" must be a positive number of milliseconds, not a string/],
    [{ upstreamTimeout: 0 }, /"upstreamTimeout" must be a positive number/],
    [{ retry: { limit: 1.5 } }, /"retry.limit" must be a non-negative whole number of retries/],
    [{ retry: { limt: 1 } }, /unknown option "retry.limt" \(did you mean "retry.limit"\?\)/],
    [{ maxBodyBytes: 1e3 + 0.5 }, /"maxBodyBytes" must be a positive whole number of bytes/],
    [{ onError: true }, /"onError" must be a function/],
    [{ next: {} }, /"next" must be a function/],
  ];
  for (const [extra, expected] of cases)
    expect(refused(extra), JSON.stringify(extra)).toMatch(expected);
});

it('createAuthHandler errors never quote the secret', () => {
  const secret = 'CANARY-too-short';
  expect(refused({ secret })).not.toContain('CANARY');
  expect(refused({ secret: [secret] })).not.toContain('CANARY');
  expect(refused({ proxy: { '/api': 'https://svc:CANARY@api.example/' } })).not.toContain('CANARY');
});

it('createAuthHandler accepts every documented option', () => {
  expect(() =>
    createAuthHandler({
      ...good,
      secret: ['options-test-session-secret-0123456789', 'options-test-older-secret-0123456789'],
      basePath: '/auth/',
      cookie: { name: 'app', secure: false, sameSite: 'Strict' },
      sessionMaxAge: 3600,
      errorRedirect: 'https://app.example/oops',
      defaultReturnTo: '/home',
      proxy: { '/api/graphql': 'https://api.example/graphql?x=1' },
      allowedOrigins: ['https://spa.example'],
      fetch: globalThis.fetch,
      timeout: 5000,
      upstreamTimeout: 10_000,
      retry: { limit: 0, maxRetryAfter: 0, backoffLimit: 100 },
      maxBodyBytes: 1024,
      onError: () => {},
      next: () => new Response(),
    }),
  ).not.toThrow();
});

it('options given through a prototype or as getters are used, not only checked', async () => {
  const emu = createVendorEmulator();
  const app = TEST_CREDENTIALS.firstDollarApp;
  const filed: string[] = [];
  const store = memorySessionStore();
  class Inherited {
    get adapter() {
      return firstDollarApp({ ...app, apiBaseUrl: 'https://api.dev.firstdollar.com' });
    }
    get secret() {
      return 'options-test-session-secret-0123456789';
    }
    sessions: SessionStore = {
      get: (sid) => store.get(sid),
      set: (sid, tokens, ttl) => (filed.push(sid), store.set(sid, tokens, ttl)),
      delete: (sid) => store.delete(sid),
    };
  }
  const options = Object.create(new Inherited()) as AuthHandlerOptions;
  (options as { fetch?: typeof fetch }).fetch = emu.fetch;
  const auth = createAuthHandler(options);
  const login = (await auth(new Request('https://app.example/auth/login')))!;
  expect(login.status).toBe(302); // the adapter, read through a getter
  const intent = login.headers.getSetCookie()[0]!.split(';')[0]!;
  const code = emu.issueCode('firstDollar', app.appId);
  const callback = (await auth(
    new Request(`https://app.example/auth/callback?code=${code}`, { headers: { cookie: intent } }),
  ))!;
  expect(callback.status).toBe(302);
  expect(filed).toHaveLength(1); // the session store, inherited: the tokens went there, not into the cookie
});
