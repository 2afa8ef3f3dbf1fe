import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import type { DurableObjectNamespaceLike } from '@grantkit/edge/cloudflare';

const src = (p: string) => fileURLToPath(new URL(`../../packages/${p}`, import.meta.url));

/**
 * Real Durable Objects (workerd's, through miniflare) for tests that run in Node: the
 * `SharedEngineObject` class, bundled from the edge's source, bound as ENGINE, its storage persisted
 * to a temporary directory so `rawFiles()` reads back every byte the objects stored.
 */
export async function engineObjects(): Promise<{
  namespace: DurableObjectNamespaceLike;
  rawFiles(): Promise<string[]>;
  dispose(): Promise<void>;
}> {
  const { outputFiles } = await build({
    stdin: {
      contents: `export { SharedEngineObject } from ${JSON.stringify(src('edge/src/cloudflare/engine.ts'))};
export default {
  fetch(request, env) {
    const url = new URL(request.url);
    const name = url.searchParams.get('object');
    return env.ENGINE.get(env.ENGINE.idFromName(name)).fetch(new Request(url.origin + url.pathname, request));
  },
};`,
      resolveDir: src('edge/src/cloudflare'),
      loader: 'ts',
    },
    alias: {
      '@grantkit/core/shared': src('core/src/shared/index.ts'),
      '@grantkit/core': src('core/src/index.ts'),
    },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    write: false,
    logLevel: 'silent',
  });
  const dir = await mkdtemp(join(tmpdir(), 'grantkit-do-'));
  const mf = new Miniflare({
    modules: true,
    script: outputFiles[0]!.text,
    compatibilityDate: '2026-07-01',
    durableObjects: { ENGINE: 'SharedEngineObject' },
    durableObjectsPersist: dir,
  });
  await mf.ready;
  // The objects are reached through the Worker's entry (one HTTP request per call, much faster than
  // miniflare's object proxy): the Worker forwards each call to the object named in the query.
  const namespace: DurableObjectNamespaceLike = {
    idFromName: (name) => name,
    get: (name) => ({
      fetch: async (input, init) => {
        const url = new URL(input);
        url.searchParams.set('object', name as unknown as string);
        const answer = await mf.dispatchFetch(url.href, init as never);
        return new Response(await answer.arrayBuffer(), {
          status: answer.status,
          headers: [...answer.headers] as [string, string][],
        });
      },
    }),
  };
  const files = async (at: string): Promise<string[]> => {
    const out: string[] = [];
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) out.push(...(await files(path)));
      else out.push(path);
    }
    return out;
  };
  return {
    namespace,
    async rawFiles() {
      return Promise.all((await files(dir)).map((f) => readFile(f, 'latin1')));
    },
    async dispose() {
      await mf.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
