// Shared helpers of the runtime suite: bundling the scenario, and the CI rule that a missing
// runtime is a failure (GRANTKIT_CI=1, set by .ci/run) rather than a skip.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_CREDENTIALS } from '@grantkit/core/testing';
import { chromiumPath } from '../chromium';

export const credentials = {
  clientId: TEST_CREDENTIALS.firstDollarPartner.clientId,
  clientSecret: TEST_CREDENTIALS.firstDollarPartner.clientSecret,
};

export const fixture = (name: string) =>
  fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
export const root = fileURLToPath(new URL('../../', import.meta.url));

/** Bundles `entry` the way a Workers or browser build would (from the packages' dist/). */
export async function bundle(
  entry: string,
  platform: 'browser' | 'neutral',
  conditions: string[] = [],
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'grantkit-rt-'));
  const outfile = join(dir, 'bundle.js');
  await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform,
    outfile,
    conditions,
    mainFields: ['module', 'main'],
    logLevel: 'silent',
    absWorkingDir: root,
  });
  return outfile;
}

/** Whether a runtime can run here; in CI its absence fails the suite. */
export function available(name: string, present: boolean): boolean {
  if (present) return true;
  if (process.env.GRANTKIT_CI === '1')
    throw new Error(`${name} is missing, and GRANTKIT_CI=1 makes that a failure`);
  console.warn(`skipping ${name}: not installed (run .ci/run to install it)`);
  return false;
}

export { chromiumPath };
export const hasChromium = () => existsSync(chromiumPath);

export async function writeTemp(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'grantkit-rt-'));
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

export const expected = {
  core: { tokenIsJwt: true, cached: true, ping: 'pong' },
  edge: { partnerToken: true },
  react: { session: '/auth/session' },
};
