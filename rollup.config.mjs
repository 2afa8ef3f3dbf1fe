// Builds every package to ESM + one bundled .d.ts per entry. Dependencies stay external:
// a user's bundler dedupes ky, jose and react, and edge imports core by its package name.
import esbuild from 'rollup-plugin-esbuild';
import { dts } from 'rollup-plugin-dts';

/** package → entry name → source file (relative to the package). */
const packages = {
  core: {
    index: 'src/index.ts',
    testing: 'src/testing/index.ts',
    'testing-node': 'src/testing/node.ts',
    shared: 'src/shared/index.ts',
    redis: 'src/redis/index.ts',
    'deno-kv': 'src/deno-kv/index.ts',
    vault: 'src/vault/index.ts',
    otel: 'src/otel/index.ts',
  },
  edge: {
    index: 'src/index.ts',
    cloudflare: 'src/cloudflare/index.ts',
    redis: 'src/redis/index.ts',
    'deno-kv': 'src/deno-kv/index.ts',
    otel: 'src/otel/index.ts',
  },
  react: { index: 'src/index.ts' },
};

const external = (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0');

export default Object.entries(packages).flatMap(([name, entries]) => {
  const input = Object.fromEntries(
    Object.entries(entries).map(([k, v]) => [k, `packages/${name}/${v}`]),
  );
  return [
    {
      input,
      external,
      plugins: [esbuild({ target: 'es2022', jsx: 'automatic', tsconfig: 'tsconfig.base.json' })],
      // Per-file 'use client' directives cannot survive bundling; the react bundle (hooks and a
      // provider, client-only) carries one at its top instead, for React Server Components users.
      onwarn: (warning, warn) =>
        name === 'react' &&
        (warning.code === 'MODULE_LEVEL_DIRECTIVE' || warning.code === 'SOURCEMAP_ERROR')
          ? undefined
          : warn(warning),
      output: {
        dir: `packages/${name}/dist`,
        format: 'es',
        entryFileNames: '[name].js',
        chunkFileNames: '[name]-[hash].js',
        ...(name === 'react' ? { banner: "'use client';" } : {}),
      },
    },
    {
      input,
      external,
      plugins: [dts({ tsconfig: 'tsconfig.base.json', compilerOptions: { paths: {} } })],
      output: {
        dir: `packages/${name}/dist`,
        format: 'es',
        entryFileNames: '[name].d.ts',
        chunkFileNames: '[name]-[hash].d.ts',
      },
    },
  ];
});
