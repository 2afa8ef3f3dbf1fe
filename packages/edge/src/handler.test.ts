import { expect, it } from 'vitest';
import { memorySessionStore } from '@grantkit/edge';
// @ts-expect-error plain ESM suite shared with the workerd and Deno runs
import { runEdgeSuite } from '../../../test/edge/suite.mjs';

type Result = { name: string; ok: boolean; error?: string };

it('the edge handler suite passes in Node (sessions in the encrypted cookie)', async () => {
  const results = (await runEdgeSuite()) as Result[];
  expect(results.filter((r) => !r.ok)).toEqual([]);
  expect(results.length).toBeGreaterThan(10);
});

it('the edge handler suite passes in Node with a server-side session store', async () => {
  const results = (await runEdgeSuite({ handlerOptions: { sessions: memorySessionStore() } })) as Result[];
  expect(results.filter((r) => !r.ok)).toEqual([]);
  expect(results.map((r) => r.name)).toContain('server-side sessions: the cookie holds no token, and a cookie replayed after logout is not logged in');
});
