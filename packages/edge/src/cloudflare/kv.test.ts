// Workers KV values sealed at rest: what kvSessionStore / kvTokenStorage put in a real Workers KV
// namespace (workerd's, through miniflare), read back raw.
import { afterAll, describe, expect, it } from 'vitest';
import { createTokenClient, firstDollarApp } from '@grantkit/core';
import { createVendorEmulator, TEST_CREDENTIALS } from '@grantkit/core/testing';
import { kvSessionStore, kvTokenStorage } from './kv';
import { workersKv } from '../../../../test/stores/workers-kv';

const SECRET = 'kv-sealing-test-secret-0123456789abcdefgh';
const app = TEST_CREDENTIALS.firstDollarApp;

const opened: { dispose(): Promise<void> }[] = [];
afterAll(async () => {
  for (const ns of opened) await ns.dispose();
});
async function namespace() {
  const ns = await workersKv();
  opened.push(ns);
  return { kv: ns.kv, data: { get: ns.raw, set: ns.putRaw } };
}
async function tokens() {
  const emu = createVendorEmulator();
  const client = createTokenClient({
    adapter: firstDollarApp({ ...app, apiBaseUrl: 'https://api.dev.firstdollar.com' }),
    fetch: emu.fetch,
  });
  return client.exchangeCode(emu.issueCode('firstDollar', app.appId));
}

describe('Workers KV sealed at rest', () => {
  it('a session is sealed: no token in the namespace; it opens with the secret, under its own key only', async () => {
    const { kv, data } = await namespace();
    const set = await tokens();
    const store = kvSessionStore(kv, { secret: SECRET });
    await store.set('s1', set, 3600);
    const raw = (await data.get('grantkit:session:s1'))!;
    expect(raw.startsWith('gk1.')).toBe(true);
    expect(raw).not.toContain(set.refreshToken!);
    expect(raw).not.toContain(set.accessToken.split('.')[1]!);
    expect(await store.get('s1')).toEqual(set);
    await data.set('grantkit:session:s2', raw); // moved to another session id: does not open
    expect(await store.get('s2')).toBeUndefined();
    expect(
      await kvSessionStore(kv, { secret: 'another-kv-secret-0123456789abcdefghij' }).get('s1'),
    ).toBeUndefined();
    expect(
      await kvSessionStore(kv, { secret: ['rotated-kv-secret-0123456789abcdefghij', SECRET] }).get(
        's1',
      ),
    ).toEqual(set);
    expect(() => kvSessionStore(kv, {} as never)).toThrow(/"secret" is required/); // no store writes tokens in clear
  });

  it('a value written unsealed before is still read, and sealed at its next write', async () => {
    const { kv, data } = await namespace();
    const set = await tokens();
    await data.set('grantkit:session:old', JSON.stringify(set));
    const store = kvSessionStore(kv, { secret: SECRET });
    expect(await store.get('old')).toEqual(set);
    await store.set('old', set, 60);
    expect((await data.get('grantkit:session:old'))!.startsWith('gk1.')).toBe(true);
  });

  it('kvTokenStorage seals too, and requires its secret', async () => {
    const { kv, data } = await namespace();
    const set = await tokens();
    await kvTokenStorage(kv, { secret: SECRET }).set('grantkit:partner', set);
    expect((await data.get('grantkit:partner'))!.startsWith('gk1.')).toBe(true);
    expect(await kvTokenStorage(kv, { secret: SECRET }).get('grantkit:partner')).toEqual(set);
    expect(() => kvTokenStorage(kv, undefined as never)).toThrow(/"secret" is required/);
    expect(() => kvTokenStorage(kv, { secret: 'short' })).toThrow(/32 bytes/);
  });
});
