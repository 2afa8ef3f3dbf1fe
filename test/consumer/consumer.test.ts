// What a stranger receives: the three packages packed (`npm pack`, so `prepack` builds them), then
// installed from those tarballs only into a fresh project in a temp directory, outside the workspace
// (no symlinks, no workspace node_modules). From there: a Node ESM script, the README snippets
// type-checked against the packed types (nodenext and bundler), a Worker bundled as wrangler would
// and run in workerd without nodejs_compat, Deno importing core by npm specifier, and a Vite-built
// React SPA served with the edge handler, driven through login → consent → data → logout in Chromium.
// The vendor is the emulator of @grantkit/core/testing, on 127.0.0.1; the npm registry is the only
// other network use (the public dependencies).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, lstat, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { Miniflare, Response as MfResponse, type Request as MfRequest } from 'miniflare';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createVendorEmulator, TEST_CREDENTIALS } from '@grantkit/core/testing';
import { listenEmulator } from '@grantkit/core/testing/node';
import { available, chromiumPath, credentials, hasChromium, root } from '../runtimes/harness';
import { extractSnippets, PRELUDE } from './snippets';

const run = promisify(execFile);
const names = ['core', 'edge', 'react'] as const;
const fixtures = new URL('./fixtures/', import.meta.url);
const STEP = 15_000;

/** The environment of a command run in the consumer project: none of the workspace's npm settings. */
const cleanEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!/^npm_/i.test(key) || /^npm_config_(registry|cache|userconfig)$/i.test(key))
      env[key] = value;
  return env;
};
/** The version the workspace uses, so the consumer gets the same public dependencies (and npm's cache serves them). */
const versionOf = async (name: string) =>
  JSON.parse(await readFile(join(root, 'node_modules', name, 'package.json'), 'utf8'))
    .version as string;

let work: string;
let project: string;
const tarballs: Record<string, { file: string; files: { path: string; size: number }[] }> = {};

beforeAll(async () => {
  const started = Date.now();
  work = await mkdtemp(join(tmpdir(), 'grantkit-consumer-'));
  const packs = join(work, 'tarballs');
  await mkdir(packs);
  // `npm pack` runs each package's prepack (a clean build of its dist/), the three at once.
  await Promise.all(
    names.map(async (name) => {
      const { stdout } = await run(
        'npm',
        ['pack', '--workspace', `packages/${name}`, '--pack-destination', packs, '--json'],
        { cwd: root, timeout: 240_000, maxBuffer: 1 << 24 },
      );
      const [info] = JSON.parse(stdout.slice(stdout.indexOf('['))) as {
        filename: string;
        files: { path: string; size: number }[];
      }[];
      tarballs[name] = { file: join(packs, info!.filename), files: info!.files };
    }),
  );
  const packed = Date.now();

  project = join(work, 'app');
  await cp(new URL('app/', fixtures), project, { recursive: true });
  for (const file of ['worker.mjs', 'deno.mjs', 'node.mjs'])
    await cp(new URL(file, fixtures), join(project, file));
  await writeFile(
    join(project, 'package.json'),
    JSON.stringify({ name: 'grantkit-consumer', private: true, type: 'module' }, null, 2),
  );
  // Public dependencies at the workspace's versions: the peers, the types, and what README snippets
  // import beside grantkit (node-redis for the shared store, vitest for the emulator's test example).
  const publicDeps = await Promise.all(
    [
      'react',
      'react-dom',
      '@tanstack/react-query',
      '@types/react',
      '@types/react-dom',
      '@types/node',
      'redis',
      'vitest',
      // The optional OpenTelemetry peer of @grantkit/*/otel, and the SDK parts its README snippets use.
      '@opentelemetry/api',
      '@opentelemetry/sdk-trace-base',
      '@opentelemetry/sdk-metrics',
    ].map(async (name) => `${name}@${await versionOf(name)}`),
  );
  await run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      ...names.map((name) => tarballs[name]!.file),
      ...publicDeps,
    ],
    { cwd: project, env: cleanEnv(), timeout: 240_000 },
  );
  console.log(
    `consumer: packed in ${((packed - started) / 1000).toFixed(1)}s, installed in ${((Date.now() - packed) / 1000).toFixed(1)}s (${work})`,
  );
}, 480_000);

afterAll(async () => {
  if (work && !process.env.GRANTKIT_KEEP_CONSUMER) await rm(work, { recursive: true, force: true });
});

it('each tarball holds dist/ and what a consumer reads (README, LICENSE, CHANGELOG), nothing else', async () => {
  for (const name of names) {
    const { files } = tarballs[name]!;
    const paths = files.map((f) => f.path).sort();
    console.log(
      `@grantkit/${name}: ${files.length} files, ${(files.reduce((n, f) => n + f.size, 0) / 1024).toFixed(1)} KB unpacked\n  ${files.map((f) => `${f.path} ${f.size}`).join('\n  ')}`,
    );
    expect(
      paths.filter(
        (p) =>
          !/^(dist\/[\w-]+\.(js|d\.ts)|LICENSE|README\.md|CHANGELOG\.md|package\.json)$/.test(p),
      ),
    ).toEqual([]);
    for (const required of [
      'LICENSE',
      'README.md',
      'CHANGELOG.md',
      'package.json',
      'dist/index.js',
      'dist/index.d.ts',
    ])
      expect(paths).toContain(required);
    // Every export target is in the tarball.
    const pkg = JSON.parse(
      await readFile(join(project, 'node_modules/@grantkit', name, 'package.json'), 'utf8'),
    ) as { exports: Record<string, string | Record<string, string>> };
    for (const target of Object.values(pkg.exports).flatMap((t) =>
      typeof t === 'string' ? [t] : Object.values(t),
    ))
      expect(paths).toContain(target.slice(2));
  }
});

it('installed from the tarballs: real directories, not links into the workspace', async () => {
  const lock = JSON.parse(await readFile(join(project, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { resolved?: string; link?: boolean }>;
  };
  for (const name of names) {
    expect((await lstat(join(project, 'node_modules/@grantkit', name))).isSymbolicLink()).toBe(
      false,
    );
    const entry = lock.packages[`node_modules/@grantkit/${name}`];
    expect(entry?.link).toBeUndefined();
    expect(entry?.resolved).toMatch(/^file:.*\.tgz$/);
  }
  expect(Object.keys(lock.packages).filter((key) => lock.packages[key]!.link)).toEqual([]);
});

it('Node ESM: every export of every package loads; a Partner token call and a GraphQL ping', async () => {
  const { stdout } = await run(process.execPath, ['node.mjs'], {
    cwd: project,
    env: cleanEnv(),
    timeout: 60_000,
  });
  const result = JSON.parse(stdout.trim().split('\n').pop()!) as {
    entries: Record<string, number>;
    ping: string;
    partner: boolean;
  };
  console.log('node:', JSON.stringify(result));
  expect(result.ping).toBe('pong');
  expect(result.partner).toBe(true);
  for (const [entry, count] of Object.entries(result.entries))
    expect(count, entry).toBeGreaterThan(0);
  expect(Object.keys(result.entries)).toEqual(
    expect.arrayContaining([
      '@grantkit/core',
      '@grantkit/core/testing',
      '@grantkit/edge',
      '@grantkit/edge/cloudflare',
      '@grantkit/react',
    ]),
  );
});

it('TypeScript: every ts/tsx snippet of the packed READMEs type-checks (moduleResolution nodenext and bundler), and the SPA (bundler)', async () => {
  const dir = join(project, 'snippets');
  await mkdir(dir);
  let count = 0;
  for (const name of names) {
    for (const snippet of extractSnippets(
      await readFile(join(project, 'node_modules/@grantkit', name, 'README.md'), 'utf8'),
    )) {
      await writeFile(
        join(dir, `${name}-${String(snippet.line).padStart(4, '0')}.${snippet.lang}`),
        snippet.code,
      );
      count++;
    }
  }
  await writeFile(join(dir, 'prelude.d.ts'), PRELUDE);
  const common = {
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    target: 'ES2022',
    lib: ['ES2022', 'DOM', 'DOM.Iterable'],
    types: ['node'],
    jsx: 'react-jsx',
    isolatedModules: true,
    noUncheckedIndexedAccess: true,
  };
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  const results = await Promise.all(
    (['nodenext', 'bundler'] as const).map(async (resolution) => {
      const config = `tsconfig.${resolution}.json`;
      const compilerOptions =
        resolution === 'nodenext'
          ? { ...common, module: 'nodenext', moduleResolution: 'nodenext' }
          : { ...common, module: 'preserve', moduleResolution: 'bundler' };
      // The SPA's sources are bundler-style (extensionless imports): checked under bundler only.
      await writeFile(
        join(project, config),
        JSON.stringify(
          {
            compilerOptions,
            include: resolution === 'nodenext' ? ['snippets'] : ['snippets', 'src'],
          },
          null,
          2,
        ),
      );
      const { stdout } = await run(process.execPath, [tsc, '-p', config], {
        cwd: project,
        timeout: 180_000,
      }).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
      return { resolution, stdout };
    }),
  );
  for (const { resolution, stdout } of results)
    expect(stdout, `tsc (${resolution}) over ${count} README snippets`).toBe('');
  console.log(`types: ${count} README snippets + the SPA type-check under nodenext and bundler`);
  expect(count).toBeGreaterThan(10);
});

it('a Worker bundled from the tarballs (as wrangler would) handles the login and the code exchange in workerd, without nodejs_compat', async () => {
  const outfile = join(work, 'worker-bundle.js');
  await build({
    entryPoints: [join(project, 'worker.mjs')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    outfile,
    absWorkingDir: project,
    logLevel: 'silent',
  });
  const app = TEST_CREDENTIALS.firstDollarApp;
  const emulator = createVendorEmulator();
  const VENDOR = 'https://api.dev.firstdollar.com';
  const mf = new Miniflare({
    modules: true,
    script: await readFile(outfile, 'utf8'),
    compatibilityDate: '2026-07-01',
    bindings: {
      APP: JSON.stringify(app),
      VENDOR,
      SESSION_SECRET: 'consumer-worker-session-secret-0123456789',
    },
    outboundService: async (request: MfRequest) => {
      const answer = await emulator.handle(
        new Request(request.url, {
          method: request.method,
          headers: [...request.headers] as [string, string][],
          body: request.method === 'GET' ? null : await request.arrayBuffer(),
        }),
      );
      return new MfResponse(await answer.arrayBuffer(), {
        status: answer.status,
        headers: [...answer.headers],
      });
    },
  });
  try {
    const origin = 'http://localhost';
    const login = await mf.dispatchFetch(`${origin}/auth/login?returnTo=/home`, {
      redirect: 'manual',
    });
    expect(login.status).toBe(302);
    const cookie = login.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .join('; ');
    const code = emulator.issueCode('firstDollar', app.appId);
    const exchange = await mf.dispatchFetch(`${origin}/auth/exchange`, {
      method: 'POST',
      headers: {
        cookie,
        origin,
        'x-grantkit-csrf': '1',
        'sec-fetch-site': 'same-origin',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ code }),
    });
    const body = (await exchange.json()) as { authenticated: boolean; returnTo: string };
    console.log('workerd exchange:', exchange.status, JSON.stringify(body));
    expect(exchange.status).toBe(200);
    expect(body).toMatchObject({ authenticated: true, returnTo: '/home' });
    expect(exchange.headers.getSetCookie().some((line) => /HttpOnly/i.test(line))).toBe(true);
  } finally {
    await mf.dispose();
  }
});

it('Deno: core by npm specifier from the installed node_modules, a Partner token call against the emulator', async () => {
  const deno = join(root, 'node_modules/.bin/deno');
  if (!available('deno', existsSync(deno))) return;
  const server = await listenEmulator(createVendorEmulator(), { port: 0, host: '127.0.0.1' });
  try {
    const { stdout } = await run(
      deno,
      [
        'run',
        '--node-modules-dir=manual',
        '--no-remote',
        '--allow-net=127.0.0.1',
        '--allow-read',
        '--allow-env',
        'deno.mjs',
        server.url,
        JSON.stringify(credentials),
      ],
      {
        cwd: project,
        env: {
          ...cleanEnv(),
          DENO_NO_UPDATE_CHECK: '1',
          DENO_DIR: await mkdtemp(join(work, 'deno-')),
        },
        timeout: 90_000,
      },
    );
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    console.log('deno:', JSON.stringify(result));
    expect(result).toMatchObject({ tokenIsJwt: true, cached: true });
  } finally {
    await server.close();
  }
});

it('a React SPA built with Vite, served with the edge handler: login → consent → pong → logout in Chromium', async () => {
  if (!available('chromium', hasChromium())) return;
  await run(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build'], {
    cwd: project,
    env: cleanEnv(),
    timeout: 120_000,
  });
  expect((await readdir(join(project, 'dist/assets'))).some((file) => file.endsWith('.js'))).toBe(
    true,
  );
  const server: ChildProcess = spawn(process.execPath, ['server.mjs'], {
    cwd: project,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const profile = await mkdtemp(join(work, 'chromium-'));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('the consumer server did not start in 30 s')),
        30_000,
      );
      let out = '';
      server.stdout!.on('data', (chunk: Buffer) => {
        out += chunk;
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) {
          clearTimeout(timer);
          resolve((JSON.parse(line) as { url: string }).url);
        }
      });
      server.once('exit', (code) => reject(new Error(`the consumer server exited (${code})`)));
    });
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      args: [
        '--headless=new',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      timeout: 60_000,
    });
    try {
      context.setDefaultTimeout(STEP);
      const page = context.pages()[0] ?? (await context.newPage());
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(String(error)));
      const status = (value: string) => page.locator(`#status[data-status="${value}"]`).waitFor();
      await page.goto(url);
      await status('unauthenticated');
      await page.click('#login');
      await page.waitForURL((u) => u.pathname.startsWith('/oauth/app/')); // the emulator's consent page
      await page.click('#allow');
      await page.waitForURL(`${url}/`);
      await status('authenticated');
      await expect.poll(() => page.locator('#ping').textContent(), { timeout: STEP }).toBe('pong');
      expect(await page.evaluate(() => document.cookie)).toBe(''); // the session cookie is HttpOnly
      await page.click('#logout');
      await status('unauthenticated');
      await page.reload();
      await status('unauthenticated');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  } finally {
    server.kill('SIGTERM');
  }
});
