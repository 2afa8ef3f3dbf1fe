/**
 * `@grantkit/core/shared`: the engine-agnostic half of grantkit's distributed stores. Token sets
 * sealed at rest (AES-GCM, keys from your secrets, rotation), a refresh lock with an owner token,
 * compare-and-swap writes, and store calls with timeouts (`store_unavailable`). An engine
 * (`@grantkit/core/redis`, or your own {@link SharedEngine}) supplies eight atomic calls.
 *
 * @example
 * ```ts
 * import { createTokenClient, firstDollarPartner } from '@grantkit/core';
 * import { createSharedStore } from '@grantkit/core/shared';
 * const shared = createSharedStore(myEngine, { secret: process.env.TOKEN_SECRET! });
 * const client = createTokenClient(shared.options({ adapter: firstDollarPartner({ clientId, clientSecret }), key: 'fd:partner:acme' }));
 * ```
 *
 * @module
 */
export type { SharedEngine } from './engine';
export { createSealer, secretsOf, SEALED_PREFIX, type Sealer } from './seal';
export {
  createSharedStore,
  sharedStoreRules,
  vendorRefresh,
  type MissingEntry,
  type SharedStore,
  type SharedStoreOptions,
  type VendorRefresh,
} from './store';
