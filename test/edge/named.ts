import { beforeAll, describe, it } from 'vitest';
// @ts-expect-error plain ESM suite shared by every runtime
import { edgeCheckNames } from './suite.mjs';

/** One check's outcome, as `runEdgeSuite` reports it. */
export type EdgeResult = { name: string; ok: boolean; error?: string };

/**
 * Runs the edge suite once (`run`, in whatever runtime) and reports each of its checks as its own
 * named test, so a failure names the check and the runtime. `run` resolving `undefined` skips them
 * (a runtime missing outside CI).
 */
export function describeEdgeSuite(
  title: string,
  options: { serverSide?: boolean },
  run: () => Promise<EdgeResult[] | undefined>,
  timeout = 120_000,
): void {
  describe(title, () => {
    let outcome: Map<string, EdgeResult> | undefined;
    let failure: unknown;
    beforeAll(async () => {
      try {
        const results = await run();
        outcome = results && new Map(results.map((r) => [r.name, r]));
      } catch (error) {
        failure = error;
      }
    }, timeout);
    it.for(edgeCheckNames(options) as string[])('%s', (name, ctx) => {
      if (failure) throw failure;
      if (!outcome) return ctx.skip();
      const result = outcome.get(name);
      if (!result) throw new Error(`${name}: did not run`);
      if (!result.ok) throw new Error(result.error);
    });
  });
}
