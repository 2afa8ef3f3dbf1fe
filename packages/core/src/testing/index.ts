/**
 * `@grantkit/core/testing`: a strict, in-process emulator of the First Dollar, First Orion,
 * Orange Logic and generic OAuth 2.0 token endpoints, usable as a `fetch`. It shares no code with
 * the grantkit client, so it cannot agree with a client bug. For a loopback HTTP server (Node), see
 * `@grantkit/core/testing/node`.
 *
 * @example
 * import { createVendorEmulator, TEST_CREDENTIALS } from '@grantkit/core/testing';
 *
 * const emulator = createVendorEmulator();
 * emulator.fault({ path: '/v0/auth/token', status: 429, retryAfter: 1 });
 * // hand emulator.fetch to the client under test, then:
 * expect(emulator.count({ path: '/v0/auth/token' })).toBe(2);
 *
 * @module
 */
export { createVendorEmulator, isDroppedConnection } from './emulator';
export { TEST_CREDENTIALS } from './credentials';
export type {
  ContentCoding,
  EmulatedVendor,
  EmulatorOptions,
  Fault,
  FirstDollarApp,
  FirstDollarPartner,
  FirstOrionKey,
  GraphqlContext,
  GraphqlResolver,
  OAuth2Client,
  OrangeLogicClient,
  RequestFilter,
  RequestRecord,
  VendorEmulator,
} from './types';
