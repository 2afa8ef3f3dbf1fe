#!/usr/bin/env node
// `npm run bench`: (1) bundle size, (2) hot path, (3) refresh storms, (4) edge overhead in workerd,
// (5) memory, (6) many servers on Redis (renewal lock + write time, proxied req/s vs cookie-only). Prints the size table and one summary table, and writes bench/results.json. Each of
// (2)–(5) runs in its own child process.
//
//   node bench/run.mjs                  everything (what `npm run bench` runs after the build)
//   node bench/run.mjs hotpath memory   only those parts: size, hotpath, storms, memory, edge, redis,
//                                       telemetry (a word of a part's name also works); the table then
//                                       lists only their rows, and bench/results.json is not written.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUDGETS, measureSizes, sizeTable } from './size.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const started = Date.now();

function version(name) {
  for (const dir of [join(root, 'node_modules', name), join(here, 'node_modules', name)]) {
    try {
      return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
    } catch {
      // try the next place
    }
  }
  return undefined;
}

function child(script, args = [], timeoutMs = 300_000) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...args, join(here, 'lib', script)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${script} timed out after ${timeoutMs / 1000} s`));
    }, timeoutMs);
    proc.on('close', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('@@RESULT '));
      if (code !== 0 || !line) reject(new Error(`${script} exited with ${code}\n${out}`));
      else resolve(JSON.parse(line.slice('@@RESULT '.length)));
    });
  });
}

const only = process.argv.slice(2).map((a) => a.toLowerCase());
const ALIASES = { hotpath: 'hot path', storms: 'refresh storms', redis: 'many servers' };
/** Whether the part named `name` runs (every part without arguments). */
const selected = (name) =>
  only.length === 0 || only.some((a) => name.toLowerCase().includes(ALIASES[a] ?? a));

async function step(name, fn) {
  if (!selected(name)) return { skipped: 'not selected' };
  const t0 = Date.now();
  process.stderr.write(`bench: ${name}...`);
  try {
    const value = await fn();
    process.stderr.write(` ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    return value;
  } catch (error) {
    process.stderr.write(` failed\n${error?.stack ?? error}\n`);
    return { error: String(error?.message ?? error) };
  }
}

// (1) size
const sizes = await step('size', measureSizes);
if (!sizes.skipped) {
  console.log(
    '(1) Bundle size: esbuild --bundle --minify --platform=browser --format=esm; gzip -9; brotli q11\n',
  );
  console.log(Array.isArray(sizes) ? sizeTable(sizes) : `size failed: ${sizes.error}`);
  console.log('');
}

// (2) hot path, (3) storms, (5) memory
const hot = await step('hot path', () => child('hotpath.mjs'));
const storms = await step('refresh storms', () => child('storms.mjs'));
const memory = await step('memory', () => child('memory.mjs', ['--expose-gc']));
const edge = await step('edge overhead (workerd)', () => child('edge.mjs', [], 360_000));
const shared = await step('many servers (Redis)', () => child('redis.mjs'));
const telemetry = await step('telemetry (OpenTelemetry on a renewal)', () =>
  child('telemetry.mjs'),
);
const vault = await step('vault keep-alive (Redis)', () => child('vault.mjs', [], 360_000));

/* ------------------------------------------------------------------ targets */

const targets = [];
const target = (id, label, value, limit, pass, note) =>
  targets.push({ id, label, value, limit, pass, ...(note ? { note } : {}) });
const sizeRows = Array.isArray(sizes) ? sizes : [];
for (const [id, budget] of Object.entries(BUDGETS)) {
  const rows = sizeRows.filter((r) => r.budget === id);
  const worst = rows.reduce(
    (a, r) => (a === undefined || (r.ownGzip ?? Infinity) > (a.ownGzip ?? Infinity) ? r : a),
    undefined,
  );
  target(
    `size.${id}`,
    budget.label,
    worst?.ownGzip ?? null,
    budget.gzip,
    rows.length > 0 && rows.every((r) => r.pass),
    worst ? `${worst.library} ${worst.label}` : 'not measured',
  );
}
const ns = (name) => hot.results?.[name]?.ns ?? null;
const FLOOR = 'settled promise after Date.now() (floor)';
const hotRatio =
  ns('grantkit getAccessToken()') && ns(FLOOR) ? ns('grantkit getAccessToken()') / ns(FLOOR) : null;
target(
  'hot.ratio',
  'grantkit getAccessToken() ≤ 1.05× a settled promise after Date.now() (median ns ratio)',
  hotRatio,
  1.05,
  hotRatio !== null && hotRatio <= 1.05,
);
// Issue #18: the edge builds a token client per session; a live one costs at most 1 KB (its own adapter
// included, as badgateway's row includes its OAuth2Client).
const perClient = memory.libs?.grantkit?.perClientBytes ?? null;
target(
  'memory.client',
  'heap per live grantkit TokenClient ≤ 1 KB (10,000 alive, each with its own adapter)',
  perClient,
  1024,
  perClient !== null && perClient <= 1024,
);
const gk = (scenario) => storms.scenarios?.[scenario]?.grantkit ?? {};
target(
  'storm.expiry',
  `${storms.callers ?? 1000} concurrent callers at expiry: exactly 1 token request`,
  gk('expiry').tokenRequests ?? null,
  1,
  gk('expiry').tokenRequests === 1 && gk('expiry').failures === 0,
);
target(
  'storm.401',
  `${storms.callers ?? 1000} requests answered 401 over 0–200 ms: exactly 1 token request`,
  gk('unauthorized').tokenRequests ?? null,
  1,
  gk('unauthorized').tokenRequests === 1 && gk('unauthorized').failures === 0,
);
const singleUseFailures = ['expiry', 'unauthorized', 'singleUseWaves'].reduce(
  (n, s) => n + (gk(s).failures ?? NaN),
  0,
);
target(
  'storm.singleUse',
  'failures with single-use refresh tokens (all storms)',
  Number.isNaN(singleUseFailures) ? null : singleUseFailures,
  0,
  singleUseFailures === 0,
);

// Issue #16: a renewal with OpenTelemetry on costs at most 5% more; the cached path reports nothing.
const telemetryRatio = telemetry.renewal?.ratio ?? null;
target(
  'telemetry.renewal',
  'renewal with OpenTelemetry tracing + metrics ≤ 1.05× without (telemetry cost in process over a loopback renewal)',
  telemetryRatio,
  1.05,
  telemetryRatio !== null && telemetryRatio <= 1.05,
  telemetry.renewal
    ? `loopback wall ${telemetry.renewal.loopbackRatio.toFixed(3)}×, CPU ${telemetry.renewal.cpuRatio.toFixed(3)}× (noisy)`
    : undefined,
);
target(
  'telemetry.cached',
  'events on the cached-token path with telemetry on',
  telemetry.cached?.events ?? null,
  0,
  telemetry.cached?.events === 0,
);
const edgeRatio = edge.proxy?.isolate?.ratio ?? null;
target(
  'edge.proxy',
  `edge GraphQL proxy ≤ ${edge.target ?? 1.1}× bare passthrough (workerd, time per request, median of interleaved pairs)`,
  edgeRatio,
  edge.target ?? 1.1,
  edgeRatio !== null && edgeRatio <= (edge.target ?? 1.1),
);
const edgeCpu = edge.proxy?.isolate?.cpu?.addedUs ?? null;
target(
  'edge.cpu',
  `edge GraphQL proxy adds ≤ ${edge.targetAddedCpuUs ?? 25} µs of workerd CPU per request over bare (same load)`,
  edgeCpu,
  edge.targetAddedCpuUs ?? 25,
  edgeCpu !== null && edgeCpu <= (edge.targetAddedCpuUs ?? 25),
);

// Issue #15: 1,000 connections kept alive by 2 processes on Redis, each renewed once, none twice.
target(
  'vault.keepalive',
  `vault keep-alive, ${vault.connections} connections, concurrency 8, 2 processes on Redis: each renewed once`,
  vault.vendorRefreshes ?? null,
  vault.connections,
  vault.vendorRefreshes === vault.connections &&
    vault.connectionsRefreshed === vault.connections &&
    vault.secondRunRenewed === 0,
);

// A run of some parts only: the targets of the parts that did not run are left out.
const partOf = { size: sizes, hot: hot, storm: storms, telemetry, edge, memory, vault };
for (let i = targets.length - 1; i >= 0; i--)
  if (partOf[targets[i].id.split('.')[0]]?.skipped) targets.splice(i, 1);

/* ------------------------------------------------------------------ the table */

const fmtBytes = (b) =>
  b === null || b === undefined ? 'n/a' : `${b} B (${(b / 1024).toFixed(2)} KB)`;
const fmtNs = (v) => (v === null || v === undefined ? 'n/a' : `${v.toFixed(1)} ns`);
const fmtMem = (b) => (b === undefined ? 'n/a' : `${b >= 0 ? '+' : ''}${(b / 1024).toFixed(1)} KB`);
const status = (id) => {
  const t = targets.find((x) => x.id === id);
  return t ? (t.pass ? 'PASS' : 'FAIL') : '';
};
const rows = [];
const add = (section, measure, result, tgt = '', st = '') =>
  rows.push([section, measure, String(result), tgt, st]);

for (const [id, budget] of Object.entries(BUDGETS)) {
  const t = targets.find((x) => x.id === `size.${id}`);
  if (!t) continue;
  add(
    '(1) size',
    `grantkit ${id}, own code gzip`,
    fmtBytes(t?.value),
    `≤ ${budget.gzip} B`,
    status(`size.${id}`),
  );
}
const empty = ns('empty async fn');
for (const [name, r] of Object.entries(hot.results ?? {})) {
  const ratio = r.ns && empty ? ` (${(r.ns / empty).toFixed(2)}×)` : '';
  const isGk = name.startsWith('grantkit');
  add(
    '(2) hot path',
    name,
    r.ns === null
      ? r.note
      : `${fmtNs(r.ns)}${ratio}${isGk && ns(FLOOR) ? `, ${(r.ns / ns(FLOOR)).toFixed(2)}× the floor` : ''}`,
    isGk ? '≤ 1.05× floor' : '',
    isGk ? status('hot.ratio') : '',
  );
}
if (hot.error) add('(2) hot path', 'error', hot.error);
if (telemetry.renewal) {
  const t = telemetry.renewal;
  add(
    '(7) telemetry',
    `renewal, OpenTelemetry on / off (+${t.telemetryUs.toFixed(1)} µs on ${(t.offUs / 1000).toFixed(2)} ms; loopback ${t.loopbackRatio.toFixed(2)}×)`,
    `${t.ratio.toFixed(3)}×`,
    '≤ 1.05×',
    status('telemetry.renewal'),
  );
  add(
    '(7) telemetry',
    `cached getAccessToken with telemetry: events (${telemetry.cached.onNs.toFixed(1)} ns vs ${telemetry.cached.offNs.toFixed(1)} ns)`,
    String(telemetry.cached.events),
    '0',
    status('telemetry.cached'),
  );
}
if (telemetry.error) add('(7) telemetry', 'error', telemetry.error);
const stormLabels = {
  expiry: 'expiry, 1000 concurrent callers',
  unauthorized: '401 storm, 1000 requests, 0–200 ms',
  singleUseWaves: `single-use RT, ${storms.waves ?? 3} mixed waves`,
};
for (const [scenario, libs] of Object.entries(storms.scenarios ?? {})) {
  for (const [lib, r] of Object.entries(libs)) {
    const value = r.skipped
      ? `skipped: ${r.skipped.split(':')[0]}`
      : r.error
        ? `error: ${r.error}`
        : `${r.tokenRequests} token req, ${r.failures} failed${r.errors?.length ? ` (${r.errors.join('; ')})` : ''}`;
    const isGk = lib === 'grantkit';
    const tgt = !isGk ? '' : scenario === 'singleUseWaves' ? '0 failures' : '1 req, 0 failed';
    const st = !isGk
      ? ''
      : scenario === 'singleUseWaves'
        ? status('storm.singleUse')
        : status(scenario === 'expiry' ? 'storm.expiry' : 'storm.401');
    add('(3) storms', `${stormLabels[scenario] ?? scenario}: ${lib}`, value, tgt, st);
  }
}
if (storms.error) add('(3) storms', 'error', storms.error);
const fmtEdge = (v) =>
  v
    ? `${v.proxyRps.toFixed(0)} vs ${v.bareRps.toFixed(0)} req/s: ${v.ratio.toFixed(2)}× time/req (+${v.addedUsPerRequest.toFixed(0)} µs)`
    : 'n/a';
const fmtCpu = (c) =>
  c
    ? `${c.proxyUs.toFixed(0)} vs ${c.bareUs.toFixed(0)} µs: ${c.ratio.toFixed(2)}× (+${c.addedUs.toFixed(0)} µs)`
    : 'n/a';
if (edge.proxy) {
  const { isolate, http } = edge.proxy;
  add(
    '(4) edge',
    `proxy vs bare, in workerd (service-binding load, c=${isolate.concurrency})`,
    fmtEdge(isolate),
    `≤ ${edge.target}×`,
    status('edge.proxy'),
  );
  add(
    '(4) edge',
    '  workerd CPU per request, same load',
    fmtCpu(isolate.cpu),
    `+≤ ${edge.targetAddedCpuUs} µs`,
    status('edge.cpu'),
  );
  add('(4) edge', `proxy vs bare, loopback HTTP from Node (c=${http.concurrency})`, fmtEdge(http));
  add('(4) edge', '  workerd CPU per request, same load', fmtCpu(http.cpu));
  const us = (c) => `unseal ${c.openUs.toFixed(1)} µs, seal ${c.sealUs.toFixed(1)} µs`;
  add(
    '(4) edge',
    `session cookie (${edge.cookie.workerd.cookieBytes} B), workerd`,
    us(edge.cookie.workerd),
  );
  add('(4) edge', 'session cookie, Node', us(edge.cookie.node));
}
if (edge.error) add('(4) edge', 'error', edge.error);
for (const [lib, m] of Object.entries(memory.libs ?? {})) {
  const isGk = lib === 'grantkit';
  add(
    '(5) memory',
    `${lib}: heap per live client`,
    `${fmtMem(m.perClientBytes)} (${m.perClientBytes} B)`,
    isGk ? '≤ 1024 B' : '',
    isGk ? status('memory.client') : '',
  );
  add(
    '(5) memory',
    `${lib}: heap after ${memory.clients} clients dropped`,
    fmtMem(m.afterDropBytes),
  );
  add(
    '(5) memory',
    `${lib}: heap after ${memory.calls} hot-path calls`,
    fmtMem(m.afterHotPathBytes),
  );
}
if (memory.error) add('(5) memory', 'error', memory.error);
const ms = (v) => `${v.toFixed(2)} ms`;
if (shared.renewal) {
  const { alone, contended } = shared.renewal;
  add(
    '(6) redis',
    `renewal: lock + re-read + CAS write + unlock (vendor excluded), ${alone.n} one at a time`,
    `p50 ${ms(alone.p50)}, p99 ${ms(alone.p99)}`,
  );
  add(
    '(6) redis',
    `renewal: ${contended.clients} clients on one key at once, ${contended.rounds} rounds (incl. vendor)`,
    `p50 ${ms(contended.p50)}, p99 ${ms(contended.p99)}; ${contended.refreshes} refreshes`,
    `${contended.rounds} refreshes`,
    contended.refreshes === contended.rounds ? 'PASS' : 'FAIL',
  );
  const { redisRps, cookieRps, concurrency } = shared.proxy;
  add(
    '(6) redis',
    `proxied req/s, Redis session store vs cookie-only (in-process handler, c=${concurrency})`,
    `${redisRps.toFixed(0)} vs ${cookieRps.toFixed(0)} req/s (${(redisRps / cookieRps).toFixed(2)}×)`,
  );
}
if (shared.skipped && shared.skipped !== 'not selected')
  add('(6) redis', 'skipped', shared.skipped);
if (shared.error) add('(6) redis', 'error', shared.error);
if (vault.durationMs) {
  const { baseline: b } = vault;
  add(
    '(8) vault',
    `keep-alive, ${vault.connections} connections due, c=8, ${vault.processesThatRan} of 2 processes ran (Redis)`,
    `${(vault.durationMs / 1000).toFixed(2)} s, ${vault.renewalsPerSecond.toFixed(0)} renewals/s; ${vault.vendorRefreshes} vendor refreshes`,
    `${vault.connections} refreshes`,
    status('vault.keepalive'),
  );
  add(
    '(8) vault',
    `baseline: ${b.refreshes} refreshes by plain token clients (no vault), c=8, 1 process`,
    `${(b.durationMs / 1000).toFixed(2)} s, ${b.refreshesPerSecond.toFixed(0)} refreshes/s (vault ${vault.ratio.toFixed(2)}×)`,
  );
}
if (vault.skipped && vault.skipped !== 'not selected') add('(8) vault', 'skipped', vault.skipped);
if (vault.error) add('(8) vault', 'error', vault.error);

const head = ['section', 'measure', 'result', 'target', 'status'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) =>
  cells
    .map((c, i) => c.padEnd(widths[i]))
    .join('  ')
    .trimEnd();
console.log(
  '(2)–(6) Summary (hot path: ratios against the empty async fn; edge: proxy over bare; medians of interleaved rounds)\n',
);
console.log(line(head));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));

/* ------------------------------------------------------------------ results.json */

const libraries = Object.fromEntries(
  [
    '@grantkit/core',
    '@grantkit/edge',
    '@grantkit/react',
    'ky',
    'jose',
    'miniflare',
    'workerd',
    'oauth4webapi',
    '@badgateway/oauth2-client',
    'oidc-client-ts',
    '@auth0/auth0-spa-js',
    'arctic',
    'esbuild',
  ].map((n) => [n, version(n) ?? null]),
);
const cpus = os.cpus();
const results = {
  date: new Date().toISOString(),
  machine: {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cpuCount: cpus.length,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    totalMemoryBytes: os.totalmem(),
  },
  node: process.version,
  libraries,
  durationMs: Date.now() - started,
  targets,
  passed: targets.every((t) => t.pass),
  results: { size: sizes, hotPath: hot, storms, memory, edge, redis: shared, telemetry, vault },
};
if (only.length === 0)
  writeFileSync(join(here, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
const failed = targets.filter((t) => !t.pass);
console.log(
  `\n${targets.length - failed.length}/${targets.length} targets met${failed.length ? `; missed: ${failed.map((t) => t.id).join(', ')}` : ''}. ${only.length === 0 ? 'Wrote bench/results.json' : 'Some parts only: bench/results.json not written'} (${((Date.now() - started) / 1000).toFixed(1)} s).`,
);
