/**
 * `@grantkit/edge/cloudflare`: Cloudflare glue (KV store, Durable Object).
 *
 * @module
 */

/** The subset of a Workers KV namespace grantkit uses. @example `const kv: KVNamespaceLike = env.SESSIONS;` */
export interface KVNamespaceLike {
  get(key: string): Promise<string | null>;
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>;
  delete(key: string): Promise<void>;
}
