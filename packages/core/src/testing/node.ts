/**
 * `@grantkit/core/testing/node`: serves a {@link VendorEmulator} on a loopback HTTP port (Node only),
 * for browser end-to-end tests or clients that cannot take a custom `fetch`.
 *
 * @example
 * import { createVendorEmulator } from '@grantkit/core/testing';
 * import { listenEmulator } from '@grantkit/core/testing/node';
 *
 * const server = await listenEmulator(createVendorEmulator(), { port: 0 });
 * // point the client at `${server.url}/v0/auth/token` ...
 * await server.close();
 *
 * @module
 */
export { listenEmulator } from './server.node';
export type { EmulatorServer, ListenOptions } from './server.node';
