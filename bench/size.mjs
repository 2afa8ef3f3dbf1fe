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
 * The grantkit budgets, gzip bytes. `ceiling` is what `--check` (run by `npm test`) enforces where the
 * target is missed for a known reason: ky 2 alone is ~8.9 KB gzip, over the whole core target (see the
 * README's Performance section). A ceiling only stops growth; the report still shows the target as missed.
 */
export const BUDGETS = {
  // 14,336 → 14,592 in this round: issue #16 (telemetry: the token client's calls into an optional
  // `telemetry` object around token calls, renewals, fallbacks and revocations, and the HTTP attempt
  // count: +132 B gzip measured; the event building and OpenTelemetry stay out, in `eventTelemetry`
  // (tree-shaken when unused) and `@grantkit/core/otel`).
  // 14,592 → 15,360 with issue #14: every factory checks every option by name (checkOptions ~0.9 KB
  // gzip, the rules the rest; 554 B were found to pay part of it back, jose's decodeJwt among them).
  'core-cc': {
    label: 'core client_credentials (incl. ky) ≤ 7.5 KB gzip',
    gzip: 7680,
    ceiling: 15_360,
  },
  react: {
    label: 'react ≤ 3 KB gzip (react, react-dom, react-query, idb-keyval external)',
    gzip: 3072,
  },
  // 16 → 17 KB with issue #14's option checks (~1.3 KB gzip in these bundles).
  redis: {
    label:
      'edge/redis ≤ 17 KB gzip (sessions + coordinator on Redis with the core they need, ky included; redis external)',
    gzip: 17_408,
  },
  'deno-kv': {
    label:
      'edge/deno-kv ≤ 17 KB gzip (sessions + coordinator on Deno KV with the core they need, ky included)',
    gzip: 17_408,
  },
  // 27 KB → 32 KB in this round: issue #11 (bounded and streamed proxy bodies, redaction of tokens
  // echoed in proxied error answers, decoded-answer headers, login CSRF, per-purpose keys: ~2 KB gzip),
  // #14 (every option checked, by name: ~0.5 KB) and #12 (errors rebuilt as their own class: ~0.5 KB).
  edge: { label: 'edge ≤ 14 KB gzip (incl. jose)', gzip: 14336, ceiling: 32_768 },
};

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
      });
      if (lib.name === 'grantkit' && scenario === 'a') {
        rows.push({
          library: 'grantkit',
          scenario: "a'",
          label: "(a') client_credentials, firstDollarPartner adapter",
          file: join(scenarios, 'grantkit-a-firstdollar.mjs'),
          budget: 'core-cc',
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
  });
  rows.push({
    library: '@grantkit/edge',
    scenario: 'edge',
    label: 'edge package (jose bundled)',
    file: join(scenarios, 'grantkit-edge.mjs'),
    budget: 'edge',
  });
  rows.push({
    library: '@grantkit/edge/redis',
    scenario: 'redis',
    label: 'edge/redis + core/redis + core/shared (redis external)',
    file: join(scenarios, 'grantkit-edge-redis.mjs'),
    external: ['redis'],
    budget: 'redis',
  });
  rows.push({
    library: '@grantkit/edge/deno-kv',
    scenario: 'deno-kv',
    label: 'edge/deno-kv + core/deno-kv + core/shared',
    file: join(scenarios, 'grantkit-edge-deno-kv.mjs'),
    budget: 'deno-kv',
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

/** Measures every row: { library, scenario, label, min, gzip, brotli, budget, limit, pass, unsupported, error }. */
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
      } catch (error) {
        out.error = String(error?.errors?.[0]?.text ?? error?.message ?? error);
      }
    }
    if (row.budget) {
      out.budget = row.budget;
      out.limit = BUDGETS[row.budget].gzip;
      out.pass = out.gzip !== undefined && out.gzip <= out.limit;
    }
    rows.push(out);
  }
  return rows;
}

const kb = (n) => (n === undefined ? '' : `${(n / 1024).toFixed(2)} KB`);

export function sizeTable(rows) {
  const lines = [];
  const head = ['library', 'scenario', 'min', 'gzip', 'brotli', 'budget (gzip)'];
  const body = rows.map((r) => [
    r.library,
    r.label,
    r.unsupported ? `n/a: ${r.unsupported}` : r.error ? `error: ${r.error}` : kb(r.min),
    r.unsupported || r.error ? '' : `${kb(r.gzip)} (${r.gzip} B)`,
    r.unsupported || r.error ? '' : kb(r.brotli),
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
    lines.push('', 'Minified bytes by package in the budgeted bundles:');
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
    const failed = rows.filter((r) => r.budget && !(r.gzip !== undefined && r.gzip <= enforced(r)));
    for (const r of failed)
      console.error(
        `size limit exceeded: ${r.library} ${r.label}: ${r.gzip ?? r.error} > ${enforced(r)} B gzip`,
      );
    for (const r of rows.filter((r) => r.budget && !r.pass && !failed.includes(r)))
      console.warn(
        `target missed (within ceiling ${enforced(r)} B): ${r.library} ${r.label}: ${r.gzip} B`,
      );
    if (failed.length === 0) console.log('\nSize limits held.');
    process.exitCode = failed.length || process.exitCode ? 1 : 0;
  }
}
