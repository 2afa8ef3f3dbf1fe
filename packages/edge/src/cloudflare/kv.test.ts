// Workers KV values sealed at rest: what kvSessionStore / kvTokenStorage put in the namespace. The
// namespace here is a Map behind the three calls (workerd runs the stores for real in
// test/runtimes/workerd.test.ts); what is tested is the value written and read back.
import { describe, expect, it } from 'vitest';
import { createTokenClient, firstDollarApp } from '@grantkit/core';
import { createVendorEmulator, TEST_CREDENTIALS } from '@grantkit/core/testing';
import { kvSessionStore, kvTokenStorage, type KVNamespaceLike } from './kv';

const SECRET = 'kv-sealing-test-secret-0123456789abcdefgh';
const app = TEST_CREDENTIALS.firstDollarApp;

function namespace() {
  const data = new Map<string, string>();
  const kv: KVNamespaceLike = { get: async (k) => data.get(k) ?? null, put: async (k, v) => void data.set(k, v), delete: async (k) => void data.delete(k) };
  return { kv, data };
}
async function tokens() {
  const emu = createVendorEmulator();
  const client = createTokenClient({ adapter: firstDollarApp({ ...app, apiBaseUrl: 'https://api.dev.firstdollar.com' }), fetch: emu.fetch });
  return client.exchangeCode(emu.issueCode('firstDollar', app.appId));
}

describe('Workers KV sealed at rest', () => {
  it('a session is sealed: no token in the namespace; it opens with the secret, under its own key only', async () => {
    const { kv, data } = namespace();
    const set = await tokens();
    const store = kvSessionStore(kv, { secret: SECRET });
    await store.set('s1', set, 3600);
    const raw = data.get('grantkit:session:s1')!;
    expect(raw.startsWith('gk1.')).toBe(true);
    expect(raw).not.toContain(set.refreshToken!);
    expect(raw).not.toContain(set.accessToken.split('.')[1]!);
    expect(await store.get('s1')).toEqual(set);
    data.set('grantkit:session:s2', raw); // moved to another session id: does not open
    expect(await store.get('s2')).toBeUndefined();
    expect(await kvSessionStore(kv, { secret: 'another-kv-secret-0123456789abcdefghij' }).get('s1')).toBeUndefined();
    expect(await kvSessionStore(kv, { secret: ['rotated-kv-secret-0123456789abcdefghij', SECRET] }).get('s1')).toEqual(set);
    expect(await kvSessionStore(kv).get('s1')).toBeUndefined(); // sealed values need the secret
  });

  it('a value written unsealed before is still read, and sealed at its next write', async () => {
    const { kv, data } = namespace();
    const set = await tokens();
    data.set('grantkit:session:old', JSON.stringify(set));
    const store = kvSessionStore(kv, { secret: SECRET });
    expect(await store.get('old')).toEqual(set);
    await store.set('old', set, 60);
    expect(data.get('grantkit:session:old')!.startsWith('gk1.')).toBe(true);
  });

  it('kvTokenStorage seals too; without a secret it writes plain JSON (earlier versions)', async () => {
    const { kv, data } = namespace();
    const set = await tokens();
    await kvTokenStorage(kv, { secret: SECRET }).set('grantkit:partner', set);
    expect(data.get('grantkit:partner')!.startsWith('gk1.')).toBe(true);
    expect(await kvTokenStorage(kv, { secret: SECRET }).get('grantkit:partner')).toEqual(set);
    await kvTokenStorage(kv).set('plain', set);
    expect(JSON.parse(data.get('plain')!)).toEqual(set);
    expect(() => kvTokenStorage(kv, { secret: 'short' })).toThrow(/32 bytes/);
  });
});
