import { expect, it } from 'vitest';
// @ts-expect-error plain ESM suite shared with the workerd and Deno runs
import { runEdgeSuite } from '../../../test/edge/suite.mjs';

it('the edge handler suite passes in Node', async () => {
  const results = (await runEdgeSuite()) as { name: string; ok: boolean; error?: string }[];
  expect(results.filter((r) => !r.ok)).toEqual([]);
  expect(results.length).toBeGreaterThan(10);
});
