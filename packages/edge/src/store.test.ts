import { expect, it } from 'vitest';
import { memorySessionStore } from './store';

const tokens = (n: number) => ({
  accessToken: `at-${n}`,
  tokenType: 'Bearer',
  expiresAt: 1_000_000 + n,
});

it('memorySessionStore: a session expires after its ttl, and the oldest goes first past maxSessions', async () => {
  let t = 0;
  const store = memorySessionStore({ maxSessions: 2, now: () => t });
  await store.set('a', tokens(1), 10);
  await store.set('b', tokens(2), 10);
  expect(await store.get('a')).toEqual(tokens(1));
  t = 9_999;
  expect(await store.get('b')).toEqual(tokens(2));
  t = 10_000;
  expect(await store.get('a')).toBeUndefined();
  await store.set('c', tokens(3), 10);
  await store.set('d', tokens(4), 10);
  expect(await store.get('c')).toEqual(tokens(3));
  expect(await store.get('b')).toBeUndefined(); // expired, then evicted
  await store.set('e', tokens(5), 10); // evicts c, the oldest write
  expect([await store.get('c'), await store.get('d'), await store.get('e')]).toEqual([
    undefined,
    tokens(4),
    tokens(5),
  ]);
  await store.delete('d');
  expect(await store.get('d')).toBeUndefined();
});
