/**
 * Shared settings of the fuzz properties: a fixed seed (override with `FUZZ_SEED`), a run-count
 * multiplier (`FUZZ_RUNS`, e.g. 20 for a long run) and generators several files use.
 *
 * Reproduce a failure: fast-check prints `seed` and `path`; run
 * `FUZZ_SEED=<seed> FUZZ_PATH=<path> npx vitest run --project reliability test/fuzz/<file> -t '<test name>'`
 * (a path belongs to one property: filter to it).
 */
import fc from 'fast-check';
import { isGrantkitError } from '@grantkit/core';

export const SEED = process.env.FUZZ_SEED
  ? Number.parseInt(process.env.FUZZ_SEED, 10)
  : 0x6b_1d_70_07;
const MULTIPLIER = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : 1;
if (!Number.isInteger(SEED) || !(MULTIPLIER > 0))
  throw new Error('FUZZ_SEED must be an integer and FUZZ_RUNS a positive number');

/** Cases run in this process, per property name: the files print them so a run states its size. */
export const counted = new Map<string, number>();

/** fast-check parameters for `n` cases at the CI size (scaled by `FUZZ_RUNS`). */
export function params<T>(name: string, n: number): fc.Parameters<T> {
  const numRuns = Math.max(1, Math.round(n * MULTIPLIER));
  counted.set(name, numRuns);
  const p: fc.Parameters<T> = { seed: SEED, numRuns };
  if (process.env.FUZZ_PATH) p.path = process.env.FUZZ_PATH;
  return p;
}

/** Test timeout that grows with the multiplier. */
export const timeout = 60_000 * Math.max(1, MULTIPLIER);

/** Every `code` a GrantkitError may carry (errors.ts). */
export const ERROR_CODES = new Set([
  'config_invalid',
  'network_error',
  'timeout',
  'aborted',
  'oauth_error',
  'http_error',
  'invalid_response',
  'consent_required',
  'reauthorization_required',
  'client_rejected',
  'unauthorized',
  'graphql_error',
  'graphql_domain_error',
  'store_unavailable',
]);

/** Fails unless `error` is a GrantkitError with a known code whose message, string and JSON hold none of `secrets`. */
export function assertTypedAndClean(
  error: unknown,
  secrets: readonly string[],
): asserts error is Error & { code: string } {
  if (!isGrantkitError(error))
    throw new Error(
      `not a GrantkitError: ${String((error as Error)?.name)}: ${String((error as Error)?.message ?? error)}`,
    );
  if (!ERROR_CODES.has(error.code)) throw new Error(`unknown error code ${error.code}`);
  const shown = `${error.message}\n${String(error)}\n${JSON.stringify(error)}`;
  for (const secret of secrets)
    if (secret.length >= 6 && shown.includes(secret))
      throw new Error(`error ${error.code} shows a secret`);
}

/** Strings that stress parsers: unicode of every plane, controls, escapes, numbers, huge lengths. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string() },
  { weight: 2, arbitrary: fc.string({ unit: 'binary' }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme' }) },
  fc.constantFrom(
    '',
    ' ',
    '\n',
    '\r\n',
    '\u0000',
    'null',
    'undefined',
    'NaN',
    'Infinity',
    '-1',
    '0',
    '1e309',
    '__proto__',
    'constructor',
    '<html>',
  ),
  fc.string({
    unit: fc.constantFrom(
      'a',
      '%',
      '2',
      'F',
      '\u00e9',
      '\ud83d\ude00',
      '\ud800',
      ';',
      '=',
      ',',
      '"',
      '\\',
      '\t',
    ),
  }),
  fc.integer({ min: 1000, max: 20_000 }).map((n) => 'x'.repeat(n)),
  // Around the lengths code truncates at (64, 200, 256…), in every plane: a cut can split a surrogate pair.
  fc.string({ unit: 'binary', minLength: 50, maxLength: 300 }),
);

/** A JSON-ish value, including numbers JSON cannot carry faithfully. */
export const jsonish: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue(),
  fc.anything({ maxDepth: 2 }),
  fc.constantFrom(Number.MAX_VALUE, -Number.MAX_VALUE, 1e300, -1e300, 2 ** 53, Number.EPSILON, -0),
);

/**
 * JSON text nested thousands of levels deep, written directly (JSON.stringify would overflow):
 * JSON.parse reads it fine, so any recursive walk over a parsed answer must not overflow the stack.
 */
export const deepJson = (field: string, leaf = '1'): fc.Arbitrary<string> =>
  fc
    .record({
      depth: fc.integer({ min: 2_000, max: 30_000 }),
      shape: fc.constantFrom('array', 'object'),
    })
    .map(({ depth, shape }) =>
      shape === 'array'
        ? `{${field}${'['.repeat(depth)}${leaf}${']'.repeat(depth)}}`
        : `{${field}${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}}`,
    );
