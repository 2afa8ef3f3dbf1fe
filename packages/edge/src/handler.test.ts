import { expect, it } from 'vitest';
import { memorySessionStore } from '@grantkit/edge';
// @ts-expect-error plain ESM suite shared with the workerd and Deno runs
import { runEdgeSuite } from '../../../test/edge/suite.mjs';
import { describeEdgeSuite } from '../../../test/edge/named';

describeEdgeSuite('the edge handler suite in Node (sessions in the encrypted cookie)', {}, () =>
  runEdgeSuite(),
);
describeEdgeSuite(
  'the edge handler suite in Node with a server-side session store',
  { serverSide: true },
  () => runEdgeSuite({ handlerOptions: { sessions: memorySessionStore() } }),
);

it('cookie sessions: POST refresh writes the rotated tokens into the cookie (another isolate renews from it)', async () => {
  const { createAuthHandler, CSRF_HEADER } = await import('@grantkit/edge');
  const { createVendorEmulator, TEST_CREDENTIALS } = await import('@grantkit/core/testing');
  // @ts-expect-error plain ESM config shared with the suite
  const { suiteHandlerOptions } = await import('../../../test/edge/config.mjs');
  const app = TEST_CREDENTIALS.firstDollarApp;
  const emu = createVendorEmulator();
  const options = suiteHandlerOptions({ fetch: emu.fetch });
  const first = createAuthHandler(options);
  const second = createAuthHandler(options); // a fresh isolate: it knows only what the cookie says
  const origin = 'https://app.example';
  const same = {
    origin,
    [CSRF_HEADER]: '1',
    'sec-fetch-site': 'same-origin',
    'content-type': 'application/json',
  };
  const cookieOf = (res: Response, name: string) =>
    res.headers
      .getSetCookie()
      .find((c) => c.startsWith(`${name}=`))
      ?.split(';')[0];

  const login = (await first(new Request(`${origin}/auth/login`)))!;
  const intent = cookieOf(login, '__Host-grantkit-login')!;
  const callback = (await first(
    new Request(`${origin}/auth/callback?code=${emu.issueCode('firstDollar', app.appId)}`, {
      headers: { cookie: intent },
    }),
  ))!;
  const session = cookieOf(callback, '__Host-grantkit')!;
  const refreshed = (await first(
    new Request(`${origin}/auth/refresh`, {
      method: 'POST',
      headers: { ...same, cookie: session },
    }),
  ))!;
  expect(refreshed.status).toBe(200);
  const rotated = cookieOf(refreshed, '__Host-grantkit')!;

  emu.revokeAccessTokens(); // the second isolate must renew, with the refresh token its cookie holds
  const before = emu.count({ grant: 'refresh_token' });
  const ping = (await second(
    new Request(`${origin}/api/graphql`, {
      method: 'POST',
      headers: { ...same, cookie: rotated },
      body: JSON.stringify({ query: 'query { ping }' }),
    }),
  ))!;
  expect(ping.status).toBe(200);
  expect(await ping.json()).toEqual({ data: { ping: 'pong' } });
  expect(emu.count({ grant: 'refresh_token' }) - before).toBe(1);
});

it('an onError hook that rejects (an async log sink that is down) is ignored like one that throws', async () => {
  const { createAuthHandler } = await import('@grantkit/edge');
  const { createVendorEmulator } = await import('@grantkit/core/testing');
  // @ts-expect-error plain ESM config shared with the suite
  const { suiteHandlerOptions } = await import('../../../test/edge/config.mjs');
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const reported: unknown[] = [];
    const auth = createAuthHandler({
      ...suiteHandlerOptions({ fetch: createVendorEmulator().fetch }),
      onError: async (error: unknown) => {
        reported.push(error);
        throw new Error('log sink down');
      },
    });
    const origin = 'https://app.example';
    const login = (await auth(new Request(`${origin}/auth/login`)))!;
    const intent = login.headers.getSetCookie()[0]!.split(';')[0]!;
    const failed = (await auth(
      new Request(`${origin}/auth/callback?code=not-a-code`, { headers: { cookie: intent } }),
    ))!;
    expect(failed.status).toBe(302);
    expect(failed.headers.get('location')).toBe('/error?error=exchange_refused');
    expect(reported).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 20)); // Node reports an unhandled rejection after a turn
    expect(unhandled).toEqual([]);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
