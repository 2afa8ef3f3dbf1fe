// The refresher Durable Object's protocol, in Node: the object under test is the real class; its
// state is a Map behind the three storage calls it uses (workerd runs the same class for real in
// test/runtimes/workerd.test.ts, across two isolates). The vendor is the core emulator.
import { describe, expect, it } from 'vitest';
import { createTokenClient, firstDollarApp, type TokenSet } from '@grantkit/core';
import { createVendorEmulator, TEST_CREDENTIALS } from '@grantkit/core/testing';
import { memorySessionStore } from '../store';
import {
  durableObjectCoordinator,
  sessionRefresher,
  type DurableObjectStateLike,
} from './durable-object';

const app = TEST_CREDENTIALS.firstDollarApp;
const BASE = 'https://api.dev.firstdollar.com';

function setup(options: { failDelete?: boolean } = {}) {
  const emu = createVendorEmulator();
  const adapter = firstDollarApp({ ...app, apiBaseUrl: BASE });
  const sessions = memorySessionStore();
  const writes: string[] = [];
  const store = {
    ...sessions,
    set: async (sid: string, tokens: TokenSet, ttl: number) =>
      void (writes.push(tokens.accessToken), await sessions.set(sid, tokens, ttl)),
  };
  const data = new Map<string, unknown>();
  const state: DurableObjectStateLike = {
    storage: {
      get: async <T>(key: string) => data.get(key) as T | undefined,
      put: async (key, value) => void data.set(key, structuredClone(value)),
      delete: async (key) => {
        if (options.failDelete) throw new Error('storage unavailable');
        return data.delete(key);
      },
    },
  };
  const Refresher = sessionRefresher(() => ({ adapter, fetch: emu.fetch, sessions: store }));
  const object = new Refresher(state, {});
  // One object for every session id here: each test uses one session.
  const coordinator = durableObjectCoordinator({
    idFromName: (name) => name,
    get: () => ({ fetch: (url, init) => object.fetch(new Request(url, init)) }),
  });
  const login = async () => {
    const client = createTokenClient({ adapter, fetch: emu.fetch });
    return client.exchangeCode(emu.issueCode('firstDollar', app.appId));
  };
  return { emu, coordinator, login, writes, data, sessions };
}

const refreshes = (emu: ReturnType<typeof createVendorEmulator>) =>
  emu.count({ grant: 'refresh_token' });

describe('sessionRefresher + durableObjectCoordinator', () => {
  it('50 concurrent callers with the same rejected token: 1 refresh, the store written once by the object', async () => {
    const { emu, coordinator, login, writes } = await setup();
    const t1 = await login();
    const all = await Promise.all(Array.from({ length: 50 }, () => coordinator.renew('s1', t1)));
    expect(refreshes(emu)).toBe(1);
    expect(new Set(all.map((r) => r.tokens.accessToken)).size).toBe(1);
    expect(all.every((r) => r.stored)).toBe(true);
    expect(writes).toEqual([all[0]!.tokens.accessToken]);
  });

  it('a caller holding an older set gets the replacement, even one that looks newer by expiry: no refresh with a spent refresh token', async () => {
    const { emu, coordinator, login } = await setup();
    const t1 = await login();
    const { tokens: t2 } = await coordinator.renew('s1', t1);
    // T1 with a later expiry than T2 (a vendor that shortened the lifetime on refresh).
    const late = await coordinator.renew('s1', { ...t1, expiresAt: t2.expiresAt + 600_000 });
    expect(late.tokens.accessToken).toBe(t2.accessToken);
    expect(late.tokens.refreshToken).toBe(t2.refreshToken);
    expect(refreshes(emu)).toBe(1);
  });

  it('after forget, no renewal comes back: not one in flight, not a caller with tokens the object never saw', async () => {
    const { emu, coordinator, login, writes, sessions } = await setup();
    const t1 = await login();
    emu.fault({ path: '/v0/auth/token', latencyMs: 100 });
    const inflight = coordinator.renew('s1', t1).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await coordinator.forget!('s1');
    expect(await inflight).toMatchObject({ code: 'reauthorization_required' });
    expect(writes).toEqual([]);
    expect(await sessions.get('s1')).toBeUndefined();
    const other = await login();
    await expect(coordinator.renew('s1', other)).rejects.toMatchObject({
      code: 'reauthorization_required',
    });
    expect(refreshes(emu)).toBe(1); // the one that was in flight, whose answer was dropped
  });

  it('a vendor refusal crosses the object as the typed error; forget reports a storage failure', async () => {
    const { emu, coordinator, login } = await setup({ failDelete: true });
    const t1 = await login();
    emu.revokeConsent(app.appId);
    await expect(coordinator.renew('s1', t1)).rejects.toMatchObject({ code: 'consent_required' });
    await expect(coordinator.forget!('s1')).rejects.toMatchObject({ code: 'invalid_response' });
  });
});
