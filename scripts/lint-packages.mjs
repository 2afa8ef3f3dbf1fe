// publint --strict and @arethetypeswrong/cli on every built package: what a consumer installs must resolve.
import { execFileSync } from 'node:child_process';

const bin = (name) => new URL(`../node_modules/.bin/${name}`, import.meta.url).pathname;
let failed = false;
for (const name of ['core', 'edge', 'react']) {
  const dir = new URL(`../packages/${name}/`, import.meta.url).pathname;
  for (const [tool, args] of [
    ['publint', ['--strict', dir]],
    // ESM-only packages: the CJS-importing-ESM note is expected, everything else must be green.
    ['attw', ['--pack', dir, '--profile', 'esm-only', '--format', 'table-flipped']],
  ]) {
    try {
      console.log(
        execFileSync(bin(tool), args, {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        }).trim(),
      );
    } catch (error) {
      failed = true;
      console.error(`✗ ${tool} @grantkit/${name}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
    }
  }
}
process.exit(failed ? 1 : 0);
