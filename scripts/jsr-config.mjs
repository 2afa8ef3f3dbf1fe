// Each package's JSR config (packages/<name>/jsr.json) derived from its package.json, so the two
// cannot drift: the same name, version and license, and one JSR export per package.json export,
// pointing at the TypeScript source that rollup.config.mjs builds that export from.
// It is jsr.json, not deno.json, on purpose: a deno.json in a package directory makes every Deno run
// in this repository resolve `@grantkit/*` to that package's TypeScript sources (Deno treats npm
// workspace members with a deno.json as Deno workspace members), so the runtime suites would stop
// testing the built dist/. What only `deno publish` needs (an import map of the dependencies at the
// same ranges, npm: or jsr: for ours, and react's JSX settings) goes into a deno.json that
// scripts/release.mjs writes beside jsr.json for the publish and removes after (withDenoConfigs).
//   node scripts/jsr-config.mjs           checks (npm test): exits 1 and says what differs
//   node scripts/jsr-config.mjs --write   rewrites the jsr.json files (the release runs it after
//                                         `changeset version`; run it after adding an export)
import { readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
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
  const build = configs.find(
    (config) =>
      config.output.dir === `packages/${name}/dist` && config.output.entryFileNames === '[name].js',
  );
  if (!build) throw new Error(`rollup.config.mjs has no JS build of packages/${name}`);
  const exports = {};
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (subpath === './package.json') continue;
    const file = typeof target === 'string' ? target : target.default;
    const entry = /^\.\/dist\/(.+)\.js$/.exec(file ?? '')?.[1];
    const source = entry && build.input[entry];
    if (!source)
      throw new Error(
        `@grantkit/${name} exports ${subpath} → ${file}, which no rollup input of packages/${name} builds`,
      );
    exports[subpath] = `./${source.slice(`packages/${name}/`.length)}`;
  }
  const imports = {};
  for (const [dep, range] of Object.entries({ ...pkg.dependencies, ...pkg.peerDependencies }).sort(
    ([a], [b]) => a.localeCompare(b),
  )) {
    imports[dep] = dep.startsWith('@grantkit/')
      ? `jsr:${dep}@${range}`
      : `npm:${dep}@${denoRange(range)}`;
  }
  return {
    jsr: {
      name: pkg.name,
      version: pkg.version,
      license: pkg.license,
      exports,
      publish: {
        include: ['src/**/*.ts', 'src/**/*.tsx', 'README.md', 'LICENSE', 'CHANGELOG.md'],
        exclude: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'src/**/*.test-d.ts'],
      },
    },
    deno: {
      imports,
      // react's JSX and the DOM it runs in; core and edge need nothing beyond Deno's own globals.
      ...(name === 'react'
        ? {
            compilerOptions: {
              jsx: 'react-jsx',
              jsxImportSource: 'react',
              lib: ['ES2022', 'DOM', 'DOM.Iterable'],
            },
          }
        : {}),
    },
  };
}

/**
 * Runs `fn` with a deno.json (jsr.json + the import map + compiler options) beside each jsr.json,
 * removed afterwards. Only `deno publish` should see them (see the header).
 */
export async function withDenoConfigs(fn) {
  const files = names.map((name) => {
    const { jsr, deno } = jsrConfig(name);
    const file = `${root}packages/${name}/deno.json`;
    writeFileSync(file, `${JSON.stringify({ ...jsr, ...deno }, null, 2)}\n`);
    return file;
  });
  try {
    return await fn();
  } finally {
    for (const file of files) rmSync(file, { force: true });
  }
}

function main() {
  const write = process.argv.includes('--write');
  let stale = 0;
  for (const name of names) {
    const file = `${root}packages/${name}/jsr.json`;
    const want = `${JSON.stringify(jsrConfig(name).jsr, null, 2)}\n`;
    const have = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (have === want) continue;
    if (write) {
      writeFileSync(file, want);
      console.log(`wrote packages/${name}/jsr.json`);
    } else {
      stale++;
      console.error(
        `✗ packages/${name}/jsr.json differs from what package.json calls for (an export, the version or a dependency changed): run node scripts/jsr-config.mjs --write`,
      );
    }
  }
  if (stale) process.exit(1);
  if (!write) console.log('✓ jsr.json (JSR) of core, edge, react match their package.json');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
