// Setup file of the unit and reliability projects (vitest.config.ts `setupFiles`): issue #7, canary secrets.
//
// 1. Every vendor emulator created through `@grantkit/core/testing` issues canary-marked tokens and
//    codes (`tokenPrefix`, unless a test sets its own), so every token of the whole suite is a canary.
// 2. Every console.* line a test prints is captured (still printed) and scanned for canaries, emulator
//    JWTs, the TEST_CREDENTIALS secrets and the suites' session secrets, in every encoding
//    (canary-scan.ts). A hit fails the test that printed it; a hit outside a test fails the file.
//
// Not covered here: output a test silences itself with `vi.spyOn(console, …).mockImplementation`,
// and writes straight to process.stdout / stderr.
import { formatWithOptions } from 'node:util';
import { afterAll, afterEach, vi } from 'vitest';
import { TEST_CREDENTIALS } from '@grantkit/core/testing';
import { findLeaks, needlesFor, redact, type Needle } from './canary-scan';

vi.mock('@grantkit/core/testing', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@grantkit/core/testing')>();
  const { SUITE_TOKEN_PREFIX } = await import('./canary-scan');
  return {
    ...actual,
    createVendorEmulator: (options: Parameters<typeof actual.createVendorEmulator>[0] = {}) =>
      actual.createVendorEmulator({ tokenPrefix: SUITE_TOKEN_PREFIX, ...options }),
  };
});

const known: Needle[] = [
  ...needlesFor(
    'TEST_CREDENTIALS.firstDollarPartner.clientSecret',
    TEST_CREDENTIALS.firstDollarPartner.clientSecret,
  ),
  ...needlesFor(
    'TEST_CREDENTIALS.firstDollarApp.clientSecret',
    TEST_CREDENTIALS.firstDollarApp.clientSecret,
  ),
  ...needlesFor('TEST_CREDENTIALS.firstOrion.apiKey', TEST_CREDENTIALS.firstOrion.apiKey),
  ...needlesFor('TEST_CREDENTIALS.firstOrion.secretKey', TEST_CREDENTIALS.firstOrion.secretKey),
  ...needlesFor(
    'TEST_CREDENTIALS.orangeLogic.clientSecret',
    TEST_CREDENTIALS.orangeLogic.clientSecret,
  ),
  ...needlesFor('TEST_CREDENTIALS.oauth2.clientSecret', TEST_CREDENTIALS.oauth2.clientSecret),
  // Session-cookie secrets of test/edge/suite.mjs and packages/react/test/edge-fixture.ts.
  ...needlesFor('edge suite session secret', 'edge-suite-session-secret-0123456789abcdef'),
  ...needlesFor('react fixture session secret', 'react-tests-session-secret-0123456789abcdef'),
];

const METHODS = [
  'log',
  'info',
  'warn',
  'error',
  'debug',
  'trace',
  'dir',
  'table',
  'assert',
] as const;
// On globalThis: a worker may run several test files, each re-running this module, on one console.
const state = globalThis as { __grantkitConsoleLines?: string[] };
if (!state.__grantkitConsoleLines) {
  const lines: string[] = (state.__grantkitConsoleLines = []);
  for (const method of METHODS) {
    const original = console[method] as (...args: unknown[]) => void;
    (console as unknown as Record<string, unknown>)[method] = function captured(
      this: unknown,
      ...args: unknown[]
    ) {
      // console.assert(condition, ...data) prints only when the condition is falsy.
      const printed = method === 'assert' ? (args[0] ? [] : args.slice(1)) : args;
      if (printed.length)
        lines.push(formatWithOptions({ depth: 8, showHidden: false }, ...printed));
      return original.apply(this, args);
    };
  }
}

/** Scans (and forgets) what was printed since the last check; throws naming what leaked. */
function check(where: string): void {
  const lines = state.__grantkitConsoleLines!;
  const text = lines.join('\n');
  lines.length = 0;
  const leaks = findLeaks(text, known);
  if (leaks.length) {
    throw new Error(
      `Canary check: console output ${where} leaked ${leaks.join(', ')}:\n${redact(text, known).slice(0, 2000)}`,
    );
  }
}

afterEach(() => check('during this test'));
afterAll(() => check('outside a test'));
