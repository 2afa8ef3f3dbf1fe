import { Miniflare } from 'miniflare';
import type { KVNamespaceLike } from '@grantkit/edge/cloudflare';

/**
 * A real Workers KV namespace (workerd's, through miniflare) for tests that run in Node: the store
 * under test talks to workerd, and `list()` reads back every raw value it wrote.
 */
export async function workersKv(): Promise<{
  kv: KVNamespaceLike;
  raw(key: string): Promise<string | null>;
  putRaw(key: string, value: string): Promise<void>;
  dump(): Promise<Map<string, string>>;
  dispose(): Promise<void>;
}> {
  const mf = new Miniflare({
    modules: true,
    script: 'export default { fetch() { return new Response(null); } };',
    kvNamespaces: ['KV'],
    compatibilityDate: '2026-07-01',
  });
  // miniflare types the namespace loosely; these are the Workers KV calls the test uses.
  const ns = (await mf.getKVNamespace('KV')) as unknown as KVNamespaceLike & {
    list(): Promise<{ keys: { name: string }[] }>;
  };
  const kv: KVNamespaceLike = {
    get: (key) => ns.get(key),
    put: (key, value, options) => ns.put(key, value, options),
    delete: (key) => ns.delete(key),
  };
  return {
    kv,
    raw: (key) => ns.get(key),
    putRaw: (key, value) => ns.put(key, value),
    async dump() {
      const out = new Map<string, string>();
      for (const { name } of (await ns.list()).keys) out.set(name, (await ns.get(name)) ?? '');
      return out;
    },
    dispose: () => mf.dispose(),
  };
}
