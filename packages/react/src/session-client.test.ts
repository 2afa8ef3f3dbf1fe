import type { SessionSummary } from '@grantkit/edge';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { app, createEdge } from '../test/edge-fixture';
import { createSessionClient, GrantkitHttpError } from './session-client';
import type { GrantkitSession } from './types';

// The browser's session type stays in step with the edge's (type-only: checked by `npm run typecheck`).
const sameShape: GrantkitSession = {} as SessionSummary;
void sameShape;

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe('createSessionClient against a real edge', () => {
  it('reports no session, then the session of a login; never a token', async () => {
    const edge = createEdge();
    const client = createSessionClient({ fetch: edge.fetch });
    expect(await client.getSession()).toEqual({ authenticated: false });
    await edge.loggedIn();
    const session = await client.getSession();
    expect(session).toEqual({ authenticated: true, expiresAt: expect.any(Number) });
    expect(JSON.stringify(session)).not.toMatch(/token/i);
  });

  it('login() saves nothing but returnTo and goes to the edge login route', async () => {
    const assign = vi.spyOn(window.location, 'assign').mockImplementation(() => {});
    const client = createSessionClient({ basePath: '/auth/', fetch: createEdge().fetch });
    await client.login({ returnTo: '/inbox?x=1' });
    expect(assign).toHaveBeenCalledWith('/auth/login?returnTo=%2Finbox%3Fx%3D1');
  });

  it('exchange(code) posts once per code, however often it is called', async () => {
    const edge = createEdge();
    const client = createSessionClient({ fetch: edge.fetch });
    const other = createSessionClient({ fetch: edge.fetch });
    const code = await edge.consent('/auth/login?returnTo=/spa');
    const results = await Promise.all([
      client.exchange(code),
      client.exchange(code),
      other.exchange(code),
    ]);
    expect(results.map((r) => r.returnTo)).toEqual(['/spa', '/spa', '/spa']);
    expect(results[0]).toMatchObject({ authenticated: true });
    expect(edge.requests.filter((r) => r === 'POST /auth/exchange')).toHaveLength(1);
    expect(await client.getSession()).toMatchObject({ authenticated: true });
  });

  it('graphql() answers through the proxy; a revoked consent becomes consentRequired, kept until a login', async () => {
    const edge = createEdge();
    const client = createSessionClient({ fetch: edge.fetch });
    const seen: GrantkitSession[] = [];
    const stop = client.subscribe((s) => seen.push(s));
    await edge.loggedIn();
    expect(await client.graphql('query { ping }')).toEqual({ ping: 'pong' });

    edge.emulator.revokeConsent(app.appId);
    edge.emulator.revokeAccessTokens();
    const error = await client.graphql('query { ping }').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GrantkitHttpError);
    expect(error).toMatchObject({
      name: 'GrantkitHttpError',
      status: 401,
      code: 'consent_required',
    });
    expect(seen.at(-1), JSON.stringify(seen)).toEqual({
      authenticated: false,
      consentRequired: true,
    });
    expect(await client.getSession()).toEqual({ authenticated: false, consentRequired: true });

    const code = await edge.consent('/auth/login');
    await client.exchange(code);
    expect(seen.at(-1)).toMatchObject({ authenticated: true });
    expect(seen.at(-1)).not.toHaveProperty('consentRequired');
    expect(seen.at(-1)).not.toHaveProperty('returnTo');
    stop();
  });

  it('graphql errors without data throw graphql_error; an expired session is unauthenticated', async () => {
    const edge = createEdge();
    const client = createSessionClient({ fetch: edge.fetch });
    await expect(client.graphql('query { ping }')).rejects.toMatchObject({
      status: 401,
      code: 'unauthenticated',
    });
    await edge.loggedIn();
    await expect(client.graphql('query { nope }')).rejects.toMatchObject({
      status: 200,
      code: 'graphql_error',
      message: expect.stringContaining('nope'),
    });
  });

  it('refresh() runs inside the Web Lock of its base path when there is one', async () => {
    const edge = createEdge();
    await edge.loggedIn();
    const names: string[] = [];
    vi.stubGlobal('navigator', {
      locks: {
        request: (name: string, fn: () => unknown) => (names.push(name), Promise.resolve(fn())),
      },
    });
    const client = createSessionClient({ fetch: edge.fetch });
    expect(await client.refresh()).toMatchObject({ authenticated: true });
    // Another edge on this origin has a lock of its own: its refresh never waits for this one.
    await createSessionClient({ basePath: '/partner/auth/', fetch: edge.fetch })
      .refresh()
      .catch(() => {});
    expect(names).toEqual(['grantkit-refresh:/auth', 'grantkit-refresh:/partner/auth']);
    expect(edge.emulator.count({ grant: 'refresh_token' })).toBe(1);
  });

  it('tells logins and logouts only to the tabs of the same base path (BroadcastChannel)', async () => {
    const edge = createEdge();
    await edge.loggedIn();
    const heard: string[] = [];
    const tab = (name: string, basePath: string) =>
      createSessionClient({ basePath, fetch: edge.fetch }).subscribe((session) =>
        heard.push(`${name} ${session.authenticated}`),
      );
    const stops = [tab('same', '/auth/'), tab('partner', '/partner/auth')];
    // A message to the partner tabs, sent after ours: once it arrived, ours would have too.
    const partnerChannel = new BroadcastChannel('grantkit:/partner/auth');
    const sender = createSessionClient({ fetch: edge.fetch });
    stops.push(sender.subscribe(() => {}));
    await sender.logout();
    await new Promise((resolve) => setTimeout(resolve, 20));
    partnerChannel.postMessage({ authenticated: true });
    await vi.waitFor(() => expect(heard).toContain('partner true'));
    expect(heard).toEqual(['same false', 'partner true']);
    partnerChannel.close();
    for (const stop of stops) stop();
  });

  it('request() reaches any proxied API with the CSRF header and a JSON body', async () => {
    const edge = createEdge('orangeLogic');
    const client = createSessionClient({ fetch: edge.fetch });
    await expect(client.request('/api/echo')).rejects.toMatchObject({
      status: 401,
      code: 'unauthenticated',
    });
    await edge.fetch(await edge.authorize('/auth/login?returnTo=/'));
    expect(await client.getSession()).toMatchObject({ authenticated: true });
    expect(await client.request('/api/echo?x=1')).toEqual({ ok: true, sub: 'user_1' });
    // A path must start with '/': anything else does not type-check.
    const offOrigin = () => {
      // @ts-expect-error not a path
      void client.request('https://evil.example/api');
      // @ts-expect-error a relative path
      void client.request('api/echo');
    };
    void offOrigin;
    // A JSON body; an answer that is not JSON reads as undefined.
    const fetch = vi.fn(async () => new Response(null, { status: 204 }));
    const plain = createSessionClient({ fetch: fetch as typeof globalThis.fetch });
    await expect(plain.request('/api/x', { method: 'PUT', body: { a: 1 } })).resolves.toBe(
      undefined,
    );
    expect(fetch).toHaveBeenCalledWith('/api/x', {
      method: 'PUT',
      headers: { 'x-grantkit-csrf': '1', 'content-type': 'application/json' },
      body: '{"a":1}',
    });
  });

  it('logout() clears the session and tells the other tabs (BroadcastChannel)', async () => {
    const edge = createEdge();
    await edge.loggedIn();
    const tabA = createSessionClient({ fetch: edge.fetch });
    const tabB = createSessionClient({ fetch: edge.fetch });
    const stopA = tabA.subscribe(() => {});
    const heard = new Promise<GrantkitSession>((resolve) => {
      const stopB = tabB.subscribe((s) => (stopB(), resolve(s)));
    });
    expect(await tabA.logout()).toEqual({ authenticated: false });
    expect(await heard).toEqual({ authenticated: false });
    expect(await tabB.getSession()).toEqual({ authenticated: false });
    stopA();
  });

  it('names the failure of a non-JSON error answer', async () => {
    const edge = createEdge();
    edge.setDown(true);
    await expect(createSessionClient({ fetch: edge.fetch }).getSession()).rejects.toMatchObject({
      status: 502,
      code: 'http_error',
    });
  });
});
