// The release, one command (`npm run release`, from a clean main with the pending changesets):
//   1. changeset version     bumps versions, writes each CHANGELOG.md, keeps internal ranges in step
//   2. the JSR configs follow (scripts/jsr-config.mjs --write), the lockfile follows
//   3. npm run build && npm test   (the consumer test packs what is about to be published)
//   4. a release commit + changeset tags (@grantkit/core@x.y.z ...)
//   5. npm publish --provenance of core, edge, react (prepack builds each one clean), then
//      deno publish of each to JSR (TypeScript sources, no slow types)
//   6. prints the git push to run
// `--dry-run` (npm run release:dry, in npm test and CI): no versioning, commit or test; runs
// `npm publish --dry-run` of each package and `deno publish --dry-run` of each package.
// Provenance needs a CI with an OIDC token (GitHub Actions: `permissions: id-token: write`);
// locally pass --no-provenance.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withDenoConfigs } from './jsr-config.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const dry = process.argv.includes('--dry-run');
const provenance = !process.argv.includes('--no-provenance');
const order = ['core', 'edge', 'react']; // dependencies first: edge's jsr:@grantkit/core must exist
const bin = (name) => `${root}node_modules/.bin/${name}`;
const npmRegistry = execFileSync('npm', ['config', 'get', 'registry'], {
  cwd: root,
  encoding: 'utf8',
}).trim();
const env = {
  ...process.env,
  DENO_NO_UPDATE_CHECK: '1',
  NPM_CONFIG_REGISTRY: process.env.NPM_CONFIG_REGISTRY ?? npmRegistry,
};

function run(command, args, cwd = root) {
  console.log(
    `\n$ ${[command, ...args].join(' ')}${cwd === root ? '' : `   (in ${cwd.slice(root.length)})`}`,
  );
  try {
    execFileSync(command, args, { cwd, env, stdio: 'inherit' });
  } catch (error) {
    console.error(
      `\n✗ release${dry ? ' dry run' : ''}: ${[command, ...args].join(' ')} failed (exit ${error.status ?? error.signal})`,
    );
    process.exitCode = 1;
    throw new Error('release stopped');
  }
}
const version = (name) =>
  JSON.parse(readFileSync(`${root}packages/${name}/package.json`, 'utf8')).version;

if (!dry) {
  if (execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' }).trim())
    throw new Error('release: commit or remove your changes first (git status is not clean)');
  run(bin('changeset'), ['version']);
  run('node', ['scripts/jsr-config.mjs', '--write']); // jsr.json versions follow package.json
  run('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund']);
  run('npm', ['run', 'build']);
  run('npm', ['test']);
  const files = order.flatMap((name) => [
    `packages/${name}/package.json`,
    `packages/${name}/CHANGELOG.md`,
    `packages/${name}/jsr.json`,
  ]);
  run('git', ['add', '--', ...files, 'package-lock.json', '.changeset']);
  run('git', [
    'commit',
    '-m',
    `Release ${order.map((name) => `@grantkit/${name}@${version(name)}`).join(', ')}`,
    '--',
    ...files,
    'package-lock.json',
    '.changeset',
  ]);
}

for (const name of order) {
  // npm runs the package's prepack: a clean build of its dist/.
  run('npm', [
    'publish',
    '--workspace',
    `packages/${name}`,
    '--access',
    'public',
    ...(dry ? ['--dry-run'] : provenance ? ['--provenance'] : []),
  ]);
}
await withDenoConfigs(() => {
  for (const name of order) {
    // Deno unfurls the extensionless relative imports (--sloppy-imports) into the published files.
    // --allow-dirty: the deno.json beside jsr.json exists only for this step (scripts/jsr-config.mjs).
    run(
      bin('deno'),
      ['publish', '--sloppy-imports', '--allow-dirty', ...(dry ? ['--dry-run'] : [])],
      `${root}packages/${name}`,
    );
  }
});

if (!dry) {
  run(bin('changeset'), ['tag']);
  console.log('\nPublished. Now: git push --follow-tags');
} else {
  console.log(
    `\n✓ release dry run: npm and JSR accept ${order.map((name) => `@grantkit/${name}@${version(name)}`).join(', ')}`,
  );
}
