// Each package's JSR config (packages/<name>/deno.json) derived from its package.json, so the two
// cannot drift: the same name, version and license; one JSR export per package.json export, pointing
// at the TypeScript source that rollup.config.mjs builds that export from; `imports` mapping every
// dependency to the same range (npm:, or jsr: for our own packages).
//   node scripts/jsr-config.mjs           checks (npm test): exits 1 and says what differs
//   node scripts/jsr-config.mjs --write   rewrites the deno.json files (the release runs it after
//                                         `changeset version`; run it after adding an export)
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const names = ['core', 'edge', 'react'];
const { default: configs } = await import(new URL('../rollup.config.mjs', import.meta.url).href);

/**
 * Deno's npm: specifiers take one simple range (`^1.2.3`, `~1.2`, `1.2.3`, `*`), not `>=` or `||`.
 * An open-ended peer range (`>=18`) becomes `*`: the user's own copy (their react, their redis)
 * is the one used, as with npm.
 */
function denoRange(range) {
  if (/^[\^~]?\d+(\.\d+){0,2}(-[\w.]+)?$|^\*$/.test(range)) return range;
  if (/^>=\s*\d+(\.\d+){0,2}$/.test(range)) return '*';
  throw new Error(`no Deno npm: range for ${range}: use ^, ~, an exact version or >=`);
}

/** The JSR config a package's package.json and rollup inputs call for. */
export function jsrConfig(name) {
  const pkg = JSON.parse(readFileSync(`${root}packages/${name}/package.json`, 'utf8'));
  const build = configs.find((config) => config.output.dir === `packages/${name}/dist` && config.output.entryFileNames === '[name].js');
  if (!build) throw new Error(`rollup.config.mjs has no JS build of packages/${name}`);
  const exports = {};
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (subpath === './package.json') continue;
    const file = typeof target === 'string' ? target : target.default;
    const entry = /^\.\/dist\/(.+)\.js$/.exec(file ?? '')?.[1];
    const source = entry && build.input[entry];
    if (!source) throw new Error(`@grantkit/${name} exports ${subpath} → ${file}, which no rollup input of packages/${name} builds`);
    exports[subpath] = `./${source.slice(`packages/${name}/`.length)}`;
  }
  const imports = {};
  for (const [dep, range] of Object.entries({ ...pkg.dependencies, ...pkg.peerDependencies }).sort(([a], [b]) => a.localeCompare(b))) {
    imports[dep] = dep.startsWith('@grantkit/') ? `jsr:${dep}@${range}` : `npm:${dep}@${denoRange(range)}`;
  }
  return {
    name: pkg.name,
    version: pkg.version,
    license: pkg.license,
    exports,
    imports,
    // react's JSX; core and edge need no DOM beyond what Deno has (fetch, WebCrypto, Request).
    ...(name === 'react' ? { compilerOptions: { jsx: 'react-jsx', jsxImportSource: 'react', lib: ['ES2022', 'DOM', 'DOM.Iterable'] } } : {}),
    publish: { include: ['src/**/*.ts', 'src/**/*.tsx', 'README.md', 'LICENSE', 'CHANGELOG.md'], exclude: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'src/**/*.test-d.ts'] },
  };
}

const write = process.argv.includes('--write');
let stale = 0;
for (const name of names) {
  const file = `${root}packages/${name}/deno.json`;
  const want = `${JSON.stringify(jsrConfig(name), null, 2)}\n`;
  const have = existsSync(file) ? readFileSync(file, 'utf8') : '';
  if (have === want) continue;
  if (write) {
    writeFileSync(file, want);
    console.log(`wrote packages/${name}/deno.json`);
  } else {
    stale++;
    console.error(`✗ packages/${name}/deno.json differs from what package.json calls for (an export, the version or a dependency changed): run node scripts/jsr-config.mjs --write`);
  }
}
if (stale) process.exit(1);
if (!write) console.log('✓ deno.json (JSR) of core, edge, react match their package.json');
