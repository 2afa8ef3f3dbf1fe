// Each example runs with the one command its README gives (read from the README itself, so the two
// cannot drift apart), against the vendor emulator.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { root } from './harness';

const run = promisify(execFile);

/** The README's first `sh` block; `npm run build &&` is dropped: npm test has built the packages already. */
async function readmeCommand(example: string): Promise<string> {
  const readme = await readFile(`${root}examples/${example}/README.md`, 'utf8');
  const command = /```sh\n([^\n]+)\n```/.exec(readme)?.[1];
  if (!command) throw new Error(`examples/${example}/README.md has no sh command`);
  return command.replace(/^npm run build && /, '');
}

const sh = (command: string, env: Record<string, string> = {}) =>
  run('bash', ['-c', command], { cwd: root, env: { ...process.env, ...env }, timeout: 60_000 });

it('examples/cloudflare-worker: login, consent, callback, proxy and a Durable Object refresh in workerd', async () => {
  const { stdout } = await sh(await readmeCommand('cloudflare-worker'));
  expect(stdout).toContain('session → {"authenticated":true');
  expect(stdout).toContain('POST /api/graphql → 200 {"data":{"ping":"pong"}}');
  expect(stdout).toContain('after revocation → 200 {"data":{"ping":"pong"}} (refreshes: 1)');
  expect(stdout).toContain('Cron Trigger (0 3 * * *) → ok (connections synced: 1)');
});

it("examples file a login into the vault only under the app's own user, or in an explicit single-user demo mode that a deploy does not set", async () => {
  // Review of #15: `connectionId: () => 'demo-user'` filed every login into ONE connection, so an
  // older session adopted the newest login's tokens (user A acting with user B's tokens).
  const constantId = /connectionId:\s*(?:async\s*)?\([^)]*\)\s*=>\s*['"`]/;
  for (const file of [
    'examples/cloudflare-worker/src/index.js',
    'examples/node/server.mjs',
    'packages/core/README.md',
    'packages/edge/README.md',
  ]) {
    expect(await readFile(`${root}${file}`, 'utf8'), file).not.toMatch(constantId);
  }
  // Without the demo mode, as deployed: the login works (its session renews through its own Durable
  // Object) but nothing is filed into the vault, so the nightly job finds no connection.
  const { stdout } = await sh(await readmeCommand('cloudflare-worker'), {
    GRANTKIT_DEMO_SINGLE_USER: '0',
  });
  expect(stdout).toContain('after revocation → 200 {"data":{"ping":"pong"}} (refreshes: 1)');
  expect(stdout).toContain('Cron Trigger (0 3 * * *) → ok (connections synced: 0)');
  const toml = await readFile(`${root}examples/cloudflare-worker/wrangler.toml`, 'utf8');
  expect(toml).not.toMatch(/^\s*GRANTKIT_DEMO_SINGLE_USER\s*=/m); // off on the deploy path
});

it('examples/deno: a Deno script importing core pings the emulator', async () => {
  const { stdout } = await sh(await readmeCommand('deno'), { DENO_NO_UPDATE_CHECK: '1' });
  expect(stdout).toContain('vendor emulator → {"ping":"pong"}');
  expect(stdout).toContain('nightly job → {"ran":true,"renewed":0,"synced":1}');
});

it('examples/node: the BFF starts on node:http beside the emulator', async () => {
  const { stdout } = await sh(await readmeCommand('node'), {
    GRANTKIT_DEMO_EXIT: '1',
    PORT: '18788',
  });
  expect(stdout).toContain('BFF on http://127.0.0.1:18788');
});

it("each example's first comment line gives the command of its README", async () => {
  const mains = {
    'cloudflare-worker': 'dev.mjs',
    deno: 'main.mjs',
    node: 'server.mjs',
    'react-spa': 'server.mjs',
  };
  for (const [example, main] of Object.entries(mains)) {
    const readme = await readFile(`${root}examples/${example}/README.md`, 'utf8');
    const command = /```sh\n([^\n]+)\n```/.exec(readme)?.[1];
    const header = (await readFile(`${root}examples/${example}/${main}`, 'utf8')).split('\n', 1)[0];
    expect(header, example).toContain(`\`${command}\``);
  }
});
