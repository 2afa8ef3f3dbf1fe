// IndexedDB itself is missing from happy-dom: idb-keyval is replaced by a Map here, so what is
// tested is grantkit's side (which keys it writes), not the database. Chromium runs the real one (e2e).
import { afterEach, expect, it, vi } from 'vitest';
import { createEdge } from '../test/edge-fixture';
import { createSessionClient } from './session-client';

const db = vi.hoisted(() => new Map<string, unknown>());
vi.mock('idb-keyval', () => ({
  get: async (key: string) => db.get(key),
  set: async (key: string, value: unknown) => void db.set(key, value),
  del: async (key: string) => void db.delete(key),
}));
afterEach(() => {
  db.clear();
  vi.restoreAllMocks();
});

it('two edges on one origin keep their stored session summary and returnTo apart', async () => {
  vi.spyOn(window.location, 'assign').mockImplementation(() => {});
  const edge = createEdge();
  await edge.loggedIn();
  const main = createSessionClient({ fetch: edge.fetch });
  const partner = createSessionClient({ basePath: '/partner/auth/', fetch: edge.fetch });
  await main.getSession();
  await partner.login({ returnTo: '/partner/inbox' });
  await vi.waitFor(() => expect(db.size).toBe(2));
  expect(await main.lastSession()).toEqual({ authenticated: true, expiresAt: expect.any(Number) });
  expect(await partner.lastSession()).toBeUndefined();
  expect([...db.keys()].sort()).toEqual([
    'grantkit:returnTo:/partner/auth',
    'grantkit:session:/auth',
  ]);
  expect(JSON.stringify([...db.values()])).not.toMatch(/token/i);
});
