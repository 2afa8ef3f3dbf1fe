// `prepack` of each package (npm pack / npm publish run it in the package's directory): a clean
// build of that package alone, so a tarball always holds a fresh dist/ and never a stale chunk left
// by an older build. Uses the root rollup.config.mjs, filtered to the package's outputs.
//   node ../../scripts/pack-build.mjs          (from packages/<name>)
import { rm } from 'node:fs/promises';
import { basename, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';

const root = fileURLToPath(new URL('../', import.meta.url));
const name = basename(process.cwd());
const dist = `packages/${name}/dist`;
if (relative(root, process.cwd()) !== `packages/${name}`)
  throw new Error(`pack-build: run it from packages/<name>, not ${process.cwd()}`);

const { default: configs } = await import(new URL('../rollup.config.mjs', import.meta.url).href);
const mine = configs.filter((config) => config.output.dir === dist);
if (mine.length === 0) throw new Error(`pack-build: rollup.config.mjs builds nothing into ${dist}`);

const started = Date.now();
process.chdir(root); // the config's paths are relative to the root
await rm(resolve(root, dist), { recursive: true, force: true });
for (const { output, ...input } of mine) {
  const bundle = await rollup({
    ...input,
    onwarn: input.onwarn ?? ((warning, warn) => warn(warning)),
  });
  await bundle.write(output);
  await bundle.close();
}
console.error(`pack-build: ${dist} built in ${((Date.now() - started) / 1000).toFixed(1)}s`);
