/**
 * `@grantkit/core/vault`: connections that outlive the session. Tokens of one adapter kept per app
 * id (your user id) on a shared engine (Redis, Deno KV, Durable Objects through
 * `durableObjectEngine` of `@grantkit/edge/cloudflare`, memory, your own), sealed at rest, renewed
 * once across every process, with each connection's health as data (`active`, `refresh_failing`
 * with a cooldown, `needs_reauthorization` with the reason), one event per state change, and a
 * keep-alive that renews refresh tokens before they lapse.
 *
 * A subpath of its own, on `@grantkit/core/shared`: the vault needs an engine's compare-and-swap and
 * lock, which core's main entry (browsers included) never bundles.
 *
 * @example
 * ```ts
 * import { createGraphQLClient, firstDollarApp, firstDollarGraphQLEndpoint } from '@grantkit/core';
 * import { redisEngine } from '@grantkit/core/redis';
 * import { createVault } from '@grantkit/core/vault';
 * const vault = createVault({ engine: redisEngine(redis), secret: process.env.TOKEN_SECRET!, adapter: firstDollarApp(app) });
 * await vault.put('user_42', tokens); // at the OAuth callback
 * // later, in any process:
 * const gql = createGraphQLClient({ tokenClient: vault.client('user_42'), endpoint });
 * await vault.keepAlive({ concurrency: 8 }); // nightly
 * ```
 *
 * @module
 */
export {
  createVault,
  type Connection,
  type ConnectionState,
  type KeepAliveOptions,
  type KeepAliveReport,
  type ReauthorizationReason,
  type Vault,
  type VaultEvent,
  type VaultOptions,
} from './vault';
export { memoryEngine } from './memory-engine';
export type { SharedEngine } from '../shared/engine';
