#!/usr/bin/env node
// Bundle-size benchmark: esbuild (bundle, minify, platform browser, format esm) of the scenario
// entries in bench/scenarios/, measured minified / gzip (level 9) / brotli (quality 11).
//
//   node bench/size.mjs            print the table
//   node bench/size.mjs --check    also exit 1 when a grantkit budget is missed
//   node bench/size.mjs --json     print the rows as JSON
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const scenarios = join(here, 'scenarios');

export const SCENARIOS = {
  a: '(a) client_credentials only',
  b: '(b) auth URL + code exchange + refresh',
  c: '(c) everything (export *)',
};

/** Scenarios a library cannot do with its public API, and why. */
const NOT_SUPPORTED = {
  'oidc-client-ts': { a: 'no client_credentials grant (browser OIDC user flows only)' },
  '@auth0/auth0-spa-js': {
    a: 'no client_credentials grant (SPA SDK; M2M tokens are server-side only)',
  },
  arctic: { a: 'no client_credentials grant (authorization-code flows only)' },
};

const LIBRARIES = [
  { name: 'grantkit', file: 'grantkit' },
  { name: 'oauth4webapi', file: 'oauth4webapi' },
  { name: '@badgateway/oauth2-client', file: 'badgateway' },
  { name: 'oidc-client-ts', file: 'oidc-client-ts' },
  { name: '@auth0/auth0-spa-js', file: 'auth0-spa-js' },
  { name: 'arctic', file: 'arctic' },
];

/**
 * The grantkit budgets, gzip bytes of **grantkit's own code**: each budgeted entry bundled again with
 * ky and jose external (issue #18: ky stays, and ky 2 alone is ~8.9 KB gzip, so the whole-bundle
 * targets were retired). The whole bundles are still measured and reported beside the other libraries.
 * `--check` (run by `npm test`) enforces `ceiling` where one is set (a target missed for a known reason:
 * it only stops growth), else the budget itself.
 */
export const BUDGETS = {
  'core-cc': {
    label: 'core client_credentials, own code (ky external) ≤ 7.5 KB gzip',
    gzip: 7680,
  },
  react: {
    label: 'react ≤ 3 KB gzip (react, react-dom, react-query, idb-keyval external)',
    gzip: 3072,
  },
  // The edge's own code: @grantkit/core (budgeted above), ky and jose external. Issue #18's "5.4 KB" is
  // the tree of 2026-11-25 (77d065f: 5,369 B by this measure), before #11, #14, #15 and #16 added code;
  // 9,380 B after the behaviour-neutral cuts of 2026-11-30 (bench/README.md says what each feature costs).
  // The 5.5 KB target is reported as missed and the ceiling (9,380 B + ~1%) stops growth meanwhile.
  edge: {
    label: 'edge, own code (core, ky, jose external) ≤ 5.5 KB gzip',
    gzip: 5632,
    ceiling: 9472,
  },
  // The stores' entries with the core they need (core/shared, core/redis or core/deno-kv), ky external:
  // 8,673–8,903 / 8,874–9,106 B when set (core was growing under other issues that hour).
  redis: {
    label:
      'edge/redis, own code (sessions + coordinator + the core they need; ky, redis external) ≤ 10 KB gzip',
    gzip: 10_240,
  },
  'deno-kv': {
    label:
      'edge/deno-kv, own code (sessions + coordinator + the core they need; ky external) ≤ 10 KB gzip',
    gzip: 10_240,
  },
};

/** What each budgeted entry leaves out when its own code is measured (besides the row's externals). */
const OWN_EXTERNAL = ['ky', 'jose'];

/** Every row to measure: library, scenario, entry file, externals, budget id. */
export function entries() {
  const rows = [];
  for (const lib of LIBRARIES) {
    for (const scenario of Object.keys(SCENARIOS)) {
      const reason = NOT_SUPPORTED[lib.name]?.[scenario];
      const file = join(scenarios, `${lib.file}-${scenario}.mjs`);
      rows.push({
        library: lib.name,
        scenario,
        file: reason ? undefined : file,
        unsupported: reason,
        budget: lib.name === 'grantkit' && scenario === 'a' ? 'core-cc' : undefined,
        own: lib.name === 'grantkit' && scenario === 'a' ? OWN_EXTERNAL : undefined,
      });
      if (lib.name === 'grantkit' && scenario === 'a') {
        rows.push({
          library: 'grantkit',
          scenario: "a'",
          label: "(a') client_credentials, firstDollarPartner adapter",
          file: join(scenarios, 'grantkit-a-firstdollar.mjs'),
          budget: 'core-cc',
          own: OWN_EXTERNAL,
        });
      }
    }
  }
  rows.push({
    library: '@grantkit/react',
    scenario: 'react',
    label: 'react package (peers + idb-keyval external)',
    file: join(scenarios, 'grantkit-react.mjs'),
    external: ['react', 'react-dom', 'react/*', '@tanstack/react-query', 'idb-keyval'],
    budget: 'react',
    own: OWN_EXTERNAL,
  });
  rows.push({
    library: '@grantkit/edge',
    scenario: 'edge',
    label: 'edge package (jose bundled)',
    file: join(scenarios, 'grantkit-edge.mjs'),
    budget: 'edge',
    own: [...OWN_EXTERNAL, '@grantkit/core', '@grantkit/core/*'],
  });
  rows.push({
    library: '@grantkit/edge/redis',
    scenario: 'redis',
    label: 'edge/redis + core/redis + core/shared (redis external)',
    file: join(scenarios, 'grantkit-edge-redis.mjs'),
    external: ['redis'],
    budget: 'redis',
    own: OWN_EXTERNAL,
  });
  rows.push({
    library: '@grantkit/edge/deno-kv',
    scenario: 'deno-kv',
    label: 'edge/deno-kv + core/deno-kv + core/shared',
    file: join(scenarios, 'grantkit-edge-deno-kv.mjs'),
    budget: 'deno-kv',
    own: OWN_EXTERNAL,
  });
  return rows;
}

async function bundle(file, external = []) {
  const result = await build({
    entryPoints: [file],
    bundle: true,
    minify: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    metafile: true,
    external,
    logLevel: 'silent',
    legalComments: 'none',
    // Measure the built packages (dist), not the root tsconfig's `paths` to src.
    tsconfigRaw: {},
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const inputs = Object.values(result.metafile.outputs)[0].inputs;
  const parts = {};
  for (const [path, { bytesInOutput }] of Object.entries(inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path) ?? /packages\/([^/]+)\//.exec(path);
    const name = m ? (path.includes('node_modules') ? m[1] : `@grantkit/${m[1]}`) : 'entry';
    parts[name] = (parts[name] ?? 0) + bytesInOutput;
  }
  return {
    code: result.outputFiles[0].contents,
    parts: Object.entries(parts)
      .filter(([, b]) => b > 0)
      .sort((x, y) => y[1] - x[1]),
  };
}

/**
 * Measures every row: { library, scenario, label, min, gzip, brotli, unsupported, error } of the whole
 * bundle, and for a budgeted row { ownMin, ownGzip, budget, limit, pass }: its own code's bytes, the
 * budget's gzip bytes and whether they are within it.
 */
export async function measureSizes() {
  const rows = [];
  for (const row of entries()) {
    const out = {
      library: row.library,
      scenario: row.scenario,
      label: row.label ?? SCENARIOS[row.scenario],
    };
    if (row.unsupported || !existsSync(row.file)) {
      out.unsupported = row.unsupported ?? 'no scenario file';
    } else {
      try {
        const { code, parts } = await bundle(row.file, row.external);
        if (row.budget) out.parts = Object.fromEntries(parts);
        out.min = code.length;
        out.gzip = gzipSync(code, { level: 9 }).length;
        out.brotli = brotliCompressSync(code, {
          params: {
            [constants.BROTLI_PARAM_QUALITY]: 11,
            [constants.BROTLI_PARAM_SIZE_HINT]: code.length,
          },
        }).length;
        if (row.own) {
          const own = await bundle(row.file, [...(row.external ?? []), ...row.own]);
          out.ownMin = own.code.length;
          out.ownGzip = gzipSync(own.code, { level: 9 }).length;
        }
      } catch (error) {
        out.error = String(error?.errors?.[0]?.text ?? error?.message ?? error);
      }
    }
    if (row.budget) {
      out.budget = row.budget;
      out.limit = BUDGETS[row.budget].gzip;
      out.pass = out.ownGzip !== undefined && out.ownGzip <= out.limit;
    }
    rows.push(out);
  }
  return rows;
}

const kb = (n) => (n === undefined ? '' : `${(n / 1024).toFixed(2)} KB`);

export function sizeTable(rows) {
  const lines = [];
  const head = ['library', 'scenario', 'min', 'gzip', 'brotli', 'own code gzip', 'budget'];
  const body = rows.map((r) => [
    r.library,
    r.label,
    r.unsupported ? `n/a: ${r.unsupported}` : r.error ? `error: ${r.error}` : kb(r.min),
    r.unsupported || r.error ? '' : `${kb(r.gzip)} (${r.gzip} B)`,
    r.unsupported || r.error ? '' : kb(r.brotli),
    r.ownGzip === undefined ? '' : `${kb(r.ownGzip)} (${r.ownGzip} B)`,
    r.budget ? `${r.pass ? 'PASS' : 'FAIL'} ≤ ${r.limit} B` : '',
  ]);
  const widths = head.map((h, i) =>
    Math.max(h.length, ...body.filter((b) => !b[2].startsWith('n/a')).map((b) => b[i].length)),
  );
  const fmt = (cells) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  lines.push(fmt(head), widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body)
    lines.push(
      b[2].startsWith('n/a')
        ? `${b[0].padEnd(widths[0])}  ${b[1].padEnd(widths[1])}  ${b[2]}`
        : fmt(b),
    );
  const budgeted = rows.filter((r) => r.budget && r.parts);
  if (budgeted.length) {
    lines.push(
      '',
      "Budgets count grantkit's own code (own code gzip: ky and jose external; edge: core too).",
      'Minified bytes by package in the whole budgeted bundles:',
    );
    for (const r of budgeted)
      lines.push(
        `  ${r.library} ${r.scenario}: ${Object.entries(r.parts)
          .map(([n, b]) => `${n} ${kb(b)}`)
          .join(', ')}`,
      );
  }
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes('--check');
  for (const pkg of ['core', 'react', 'edge']) {
    if (!existsSync(join(here, '..', 'packages', pkg, 'dist', 'index.js'))) {
      console.error(`packages/${pkg}/dist/index.js is missing: run \`npm run build\` first.`);
      process.exit(2);
    }
  }
  const rows = await measureSizes();
  if (process.argv.includes('--json')) console.log(JSON.stringify(rows, null, 2));
  else console.log(sizeTable(rows));
  if (check) {
    // Core's main entry never carries an engine: no shared-store code, no Redis script, no Deno KV engine (issue #13),
    // and no OpenTelemetry (issue #16: `@opentelemetry/api` is an optional peer of `@grantkit/core/otel` only).
    const core = rows.find((r) => r.library === 'grantkit' && r.scenario === 'c');
    const { code } = await bundle(join(scenarios, 'grantkit-c.mjs'));
    const text = new TextDecoder().decode(code);
    if (
      !core ||
      /grantkit shared store v1|redis\.call|needs a Deno\.Kv|opentelemetry|grantkit\.token\.duration/i.test(
        text,
      )
    ) {
      console.error(
        'core main entry (export *) bundles shared-store, Redis, Deno KV or OpenTelemetry code',
      );
      process.exitCode = 1;
    }
    // Nor does the edge's main entry: its OpenTelemetry spans live in `@grantkit/edge/otel` (issue #16).
    const edgeMain = new TextDecoder().decode(
      (await bundle(join(scenarios, 'grantkit-edge.mjs'))).code,
    );
    if (/opentelemetry|grantkit\.token\.duration|grantkit\.proxy\.duration/i.test(edgeMain)) {
      console.error('edge main entry bundles OpenTelemetry code');
      process.exitCode = 1;
    }
    const enforced = (r) => BUDGETS[r.budget].ceiling ?? r.limit;
    const failed = rows.filter(
      (r) => r.budget && !(r.ownGzip !== undefined && r.ownGzip <= enforced(r)),
    );
    for (const r of failed)
      console.error(
        `size limit exceeded: ${r.library} ${r.label}: own code ${r.ownGzip ?? r.error} > ${enforced(r)} B gzip`,
      );
    for (const r of rows.filter((r) => r.budget && !r.pass && !failed.includes(r)))
      console.warn(
        `target missed (within ceiling ${enforced(r)} B): ${r.library} ${r.label}: own code ${r.ownGzip} B`,
      );
    if (failed.length === 0) console.log('\nSize limits held.');
    process.exitCode = failed.length || process.exitCode ? 1 : 0;
  }
}
