// Bundles the demo SPA with esbuild, from the built @grantkit/react (its package.json `exports`).
//   node examples/react-spa/build.mjs   → examples/react-spa/dist/app.js
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Builds the app. Without `outfile` the bundle is returned as text (the server keeps it in memory).
 * @param {{ outfile?: string, minify?: boolean }} [options]
 * @returns {Promise<string>}
 */
export async function buildApp({ outfile, minify = true } = {}) {
  const result = await build({
    entryPoints: [here('./src/main.tsx')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    minify,
    sourcemap: false,
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
    write: Boolean(outfile),
    ...(outfile ? { outfile } : { outdir: here('./dist') }),
  });
  return outfile ? outfile : result.outputFiles[0].text;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = await buildApp({ outfile: here('./dist/app.js') });
  console.log(`built ${out}`);
}
