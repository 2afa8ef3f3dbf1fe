// (4) Edge overhead in workerd (miniflare, no nodejs_compat). Runs as a child of run.mjs and prints one
// line `@@RESULT {json}`.
//  (a) The GraphQL proxy route of createAuthHandler (built @grantkit/edge, bundled by esbuild) against a
//      bare passthrough Worker, both forwarding to the same upstream Worker (the core emulator) in the
//      same workerd. The proxied request carries a valid session cookie from a real login, so each
//      request is: decrypt cookie → valid token → forward → respond, no refresh. Load: `concurrency`
//      requests in flight through mf.dispatchFetch, `requests` per round, rounds interleaved A B, B A, …
//      Two views: `isolate` (the target): a driver Worker in the same workerd sends the load through
//      service bindings, so only workerd runs the measured path; `http`: a keep-alive loopback HTTP
//      client in this Node process, whose own cost (one of two cores) bounds the rate and dilutes the
//      ratio. Both also report workerd's CPU µs per request (Linux /proc).
//  (b) Session cookie unseal (decrypt) and seal (encrypt) µs, in workerd and in Node.
// BENCH_EDGE_PROFILE=1 instead splits the proxy's cost: variants (cookie unseal only; core's
// client.fetch only) against bare, and a V8 CPU profile of the proxy Worker (self time by function).
// BENCH_EDGE_BEFORE=<a copy of packages/edge/dist> instead measures the proxy built from that copy
// (`before`) against the current build and against bare, in the same workerd, rounds interleaved: a
// change's effect side by side with the code before it.
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { Agent, request as httpRequest } from 'undici';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstDollarGraphQLEndpoint } from '@grantkit/core';
import { TEST_CREDENTIALS } from '@grantkit/core/testing';
import { measureCookieCrypto, median } from './edge-workers/cookie-crypto.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const ROUNDS = Number(process.env.BENCH_EDGE_ROUNDS ?? 15);
const CONCURRENCY = Number(process.env.BENCH_EDGE_CONCURRENCY ?? 16);
const ROUND_MS = Number(process.env.BENCH_EDGE_ROUND_MS ?? 400);
// '1': the variants against bare, then the CPU profile; 'cpu': the CPU profile only (quicker).
const PROFILE = ['1', 'cpu'].includes(process.env.BENCH_EDGE_PROFILE ?? '');
const PROFILE_ONLY = process.env.BENCH_EDGE_PROFILE === 'cpu';
const TARGET = 1.1; // issue #18: ≤ 1.10× a bare passthrough, and ≤ 25 µs of workerd CPU added
const TARGET_ADDED_CPU_US = 25;

const VENDOR = 'https://api.dev.firstdollar.com';
const SECRET = 'bench-edge-session-secret-0123456789abcdef';
const app = TEST_CREDENTIALS.firstDollarApp;
const UPSTREAM = firstDollarGraphQLEndpoint({ apiBaseUrl: VENDOR, appId: app.appId });
const PING = JSON.stringify({ query: 'query { ping }' });

/** The Worker script: the entry and everything it imports, from the packages' dist (not src). */
async function bundle(file, edgeDist) {
  const result = await build({
    // BENCH_EDGE_BEFORE: @grantkit/edge from another build's dist
    plugins: edgeDist
      ? [
          {
            name: 'edge-before',
            setup(b) {
              b.onResolve({ filter: /^@grantkit\/edge$/ }, () => ({
                path: join(edgeDist, 'index.js'),
              }));
            },
          },
        ]
      : [],
    entryPoints: [join(here, 'edge-workers', file)],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    nodePaths: [join(root, 'node_modules')], // for BENCH_EDGE_BEFORE's copy outside the tree
    tsconfigRaw: {}, // the root tsconfig's `paths` point at src; measure the built packages
    absWorkingDir: root,
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

const [proxyScript, bareScript, cookieScript, upstreamScript, driverScript] = await Promise.all(
  ['proxy.mjs', 'bare.mjs', 'cookie.mjs', 'upstream.mjs', 'driver.mjs'].map(bundle),
);
const compatibilityDate = '2026-07-01';
const appBindings = {
  APP_ID: app.appId,
  CLIENT_ID: app.clientId,
  CLIENT_SECRET: app.clientSecret,
  VENDOR,
  SECRET,
  UPSTREAM,
};
// BENCH_EDGE_PROFILE=1: variants that split the proxy's cost (by hand, not in `npm run bench`).
const BEFORE = process.env.BENCH_EDGE_BEFORE;
const variants = BEFORE
  ? [
      {
        name: 'before',
        modules: true,
        script: await bundle('proxy.mjs', BEFORE),
        compatibilityDate,
        routes: ['before.bench/*'],
        bindings: appBindings,
        outboundService: 'upstream',
      },
    ]
  : PROFILE
    ? [
        {
          name: 'decrypt',
          modules: true,
          script: await bundle('profile-decrypt.mjs'),
          compatibilityDate,
          bindings: appBindings,
          outboundService: 'upstream',
        },
        {
          name: 'client',
          modules: true,
          script: await bundle('profile-client.mjs'),
          compatibilityDate,
          bindings: appBindings,
          outboundService: 'upstream',
        },
      ]
    : [];
const INSPECTOR_PORT = 9329;
const mf = new Miniflare({
  ...(PROFILE ? { inspectorPort: INSPECTOR_PORT } : {}),
  workers: [
    {
      name: 'proxy',
      modules: true,
      script: proxyScript,
      compatibilityDate,
      routes: ['proxy.bench/*'],
      bindings: appBindings,
      outboundService: 'upstream',
    },
    {
      name: 'bare',
      modules: true,
      script: bareScript,
      compatibilityDate,
      routes: ['bare.bench/*'],
      bindings: { UPSTREAM },
      outboundService: 'upstream',
    },
    {
      name: 'cookie',
      modules: true,
      script: cookieScript,
      compatibilityDate,
      routes: ['cookie.bench/*'],
    },
    ...variants,
    {
      name: 'driver',
      modules: true,
      script: driverScript,
      compatibilityDate,
      routes: ['driver.bench/*'],
      serviceBindings: Object.fromEntries(
        ['proxy', 'bare', ...variants.map((v) => v.name)].map((n) => [n.toUpperCase(), n]),
      ),
    },
    {
      name: 'upstream',
      modules: true,
      script: upstreamScript,
      compatibilityDate,
      routes: ['control.bench/*'],
      bindings: {
        APP_ID: app.appId,
        ...(process.env.BENCH_EDGE_UPSTREAM === 'canned' ? { CANNED: '1' } : {}),
      },
    },
  ],
});

/**
 * CPU time of the workerd process (all its threads), ns, from Linux /proc schedstat; null elsewhere.
 * CPU per request is what bounds a Worker's requests per second once the runtime is saturated, and,
 * unlike wall time, another tenant of a shared machine does not inflate it.
 */
let workerdPid;
const findWorkerd = () => {
  try {
    const children = readdirSync(`/proc/${process.pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${process.pid}/task/${tid}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean),
    );
    return children.find((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'workerd');
  } catch {
    return undefined;
  }
};
function workerdCpuNs() {
  if (!workerdPid) return null;
  try {
    return readdirSync(`/proc/${workerdPid}/task`).reduce((sum, tid) => {
      try {
        return (
          sum +
          Number(readFileSync(`/proc/${workerdPid}/task/${tid}/schedstat`, 'utf8').split(' ')[0])
        );
      } catch {
        return sum; // a thread that just ended
      }
    }, 0);
  } catch {
    return null;
  }
}

const control = async (path) => (await mf.dispatchFetch(`http://control.bench${path}`)).text();
const cookiesOf = (response) =>
  Object.fromEntries(
    response.headers.getSetCookie().map((line) => line.split(';')[0].split(/=(.*)/s).slice(0, 2)),
  );

try {
  /* --------------------------------------------------------------- a session, through the consent flow */
  const login = await mf.dispatchFetch('http://proxy.bench/auth/login?returnTo=/', {
    redirect: 'manual',
  });
  await login.arrayBuffer();
  const intent = cookiesOf(login);
  const code = await control('/code');
  const callback = await mf.dispatchFetch(
    `http://proxy.bench/auth/callback?code=${encodeURIComponent(code)}`,
    {
      redirect: 'manual',
      headers: {
        cookie: Object.entries(intent)
          .map(([k, v]) => `${k}=${v}`)
          .join('; '),
      },
    },
  );
  await callback.arrayBuffer();
  const session = cookiesOf(callback)['__Host-grantkit'];
  if (callback.status !== 302 || !session)
    throw new Error(`login failed: callback ${callback.status}`);
  const accessToken = await control('/token'); // the same token the session holds, for the bare Worker's caller
  if (!accessToken) throw new Error('no access token seen at the upstream');

  const headers = {
    proxy: {
      cookie: `__Host-grantkit=${session}`,
      origin: 'http://proxy.bench',
      'sec-fetch-site': 'same-origin',
      'x-grantkit-csrf': '1',
      'content-type': 'application/json',
    },
    bare: {
      authorization: `Bearer ${accessToken}`,
      origin: 'http://bare.bench',
      'content-type': 'application/json',
    },
    decrypt: { cookie: `__Host-grantkit=${session}`, 'content-type': 'application/json' },
    client: { 'x-bench-token': accessToken, 'content-type': 'application/json' },
  };
  headers.before = { ...headers.proxy, origin: 'http://before.bench' };

  // HTTP view: a keep-alive HTTP/1.1 client on loopback into workerd's socket (miniflare routes by Host).
  // mf.dispatchFetch was tried first: it costs ~1 ms per call in Node (an empty Worker peaks at ~900
  // req/s through it), which would hide the edge handler's cost behind the harness's.
  const origin = await mf.ready;
  workerdPid = findWorkerd();
  const agent = new Agent({ connections: CONCURRENCY, pipelining: 1 });
  async function overHttp(name, total) {
    let started = 0;
    let failures = 0;
    let firstFailure;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: Math.min(CONCURRENCY, total) }, async () => {
        while (started < total) {
          started += 1;
          const response = await httpRequest(new URL('/api/graphql', origin), {
            method: 'POST',
            headers: { ...headers[name], host: `${name}.bench` },
            body: PING,
            dispatcher: agent,
          });
          const text = await response.body.text();
          if (
            response.statusCode !== 200 ||
            !text.includes('"pong"') ||
            response.headers['set-cookie'] !== undefined
          ) {
            failures += 1;
            firstFailure ??= `${response.statusCode} ${text.slice(0, 200)}`;
          }
        }
      }),
    );
    const ms = performance.now() - t0;
    if (failures)
      throw new Error(`${name}: ${failures}/${total} requests failed, first: ${firstFailure}`);
    return ms;
  }

  // In-isolate view: the driver Worker calls both through service bindings; workerd only.
  async function inIsolate(name, total) {
    const response = await mf.dispatchFetch('http://driver.bench/', {
      method: 'POST',
      body: JSON.stringify({
        target: name,
        total,
        concurrency: CONCURRENCY,
        headers: headers[name],
        body: PING,
      }),
    });
    const out = await response.json();
    if (out.failures)
      throw new Error(
        `${name} (in-isolate): ${out.failures}/${total} requests failed, first: ${out.first}`,
      );
    return out.ms;
  }

  /** Rounds interleaved proxy, bare / bare, proxy / …; request count calibrated to ~ROUND_MS a round. */
  async function compare(run, a = 'proxy', b = 'bare') {
    for (const name of [b, a]) await run(name, 300); // warm up both isolates and the JIT
    const probe = ((await run(b, 300)) + (await run(a, 300))) / 2;
    const requests = Math.max(
      200,
      Math.min(20_000, Math.round((ROUND_MS / Math.max(probe, 1)) * 300)),
    );
    await control('/stats');
    const samples = { [a]: [], [b]: [] };
    const cpu = { [a]: [], [b]: [] }; // workerd CPU µs per request
    const pairRatios = [];
    const cpuPairRatios = [];
    // The upstream's counters, read (and its request log emptied) after every round: the emulator
    // keeps a bounded log (10,000 requests), which a fast machine passes in 15 rounds.
    const upstream = {};
    const tally = async () => {
      for (const [key, n] of Object.entries(JSON.parse(await control('/stats'))))
        upstream[key] = (upstream[key] ?? 0) + n;
    };
    for (let round = 0; round < ROUNDS; round++) {
      const ms = {};
      const us = {};
      for (const name of round % 2 ? [b, a] : [a, b]) {
        const cpu0 = workerdCpuNs();
        ms[name] = await run(name, requests);
        const cpu1 = workerdCpuNs();
        us[name] = cpu0 === null || cpu1 === null ? null : (cpu1 - cpu0) / 1000 / requests;
      }
      samples[a].push(ms[a]);
      samples[b].push(ms[b]);
      pairRatios.push(ms[a] / ms[b]);
      if (us[a] !== null && us[b] !== null) {
        cpu[a].push(us[a]);
        cpu[b].push(us[b]);
        cpuPairRatios.push(us[a] / us[b]);
      }
      await tally();
    }
    const expected = 2 * ROUNDS * requests;
    if (upstream.refreshes !== 0 || upstream.tokenCalls !== 0)
      throw new Error(`token calls during the measurement: ${JSON.stringify(upstream)}`);
    if (upstream.graphqlOk !== expected)
      throw new Error(
        `upstream saw ${upstream.graphqlOk} good GraphQL calls, expected ${expected}`,
      );
    const proxyMs = median(samples[a]);
    const bareMs = median(samples[b]);
    const rps = (ms) => (requests * 1000) / ms;
    return {
      rounds: ROUNDS,
      concurrency: CONCURRENCY,
      requestsPerRound: requests,
      proxyRps: rps(proxyMs),
      bareRps: rps(bareMs),
      // time per request, proxy over bare: median of the per-round pairs (drift cancels within a pair)
      ratio: median(pairRatios),
      ratioOfMedians: proxyMs / bareMs,
      addedUsPerRequest: ((proxyMs - bareMs) * 1000) / requests,
      pairRatios: pairRatios.map((r) => +r.toFixed(3)),
      // workerd CPU per request (all threads: HTTP, routing, both Workers, the upstream)
      cpu: cpuPairRatios.length
        ? {
            proxyUs: median(cpu[a]),
            bareUs: median(cpu[b]),
            addedUs: median(cpu[a]) - median(cpu[b]),
            ratio: median(cpuPairRatios),
            pairRatios: cpuPairRatios.map((r) => +r.toFixed(3)),
          }
        : null,
      samplesMs: {
        [a]: samples[a].map((x) => +x.toFixed(1)),
        [b]: samples[b].map((x) => +x.toFixed(1)),
      },
      upstream,
    };
  }

  /** Self time by function of one Worker while `load` runs, from workerd's V8 inspector (profile mode). */
  async function cpuProfile(worker, load) {
    const targets = await (await fetch(`http://127.0.0.1:${INSPECTOR_PORT}/json`)).json();
    const target =
      targets.find((t) => t.title?.includes(worker) || t.url?.includes(worker)) ?? targets[0];
    const ws = new WebSocket(target.webSocketDebuggerUrl);
    await new Promise((resolve, reject) => ((ws.onopen = resolve), (ws.onerror = reject)));
    let id = 0;
    const pending = new Map();
    ws.onmessage = (event) => {
      const message = JSON.parse(event.data);
      pending.get(message.id)?.(message.result);
      pending.delete(message.id);
    };
    const send = (method, params = {}) =>
      new Promise((resolve) => {
        pending.set(++id, resolve);
        ws.send(JSON.stringify({ id, method, params }));
      });
    await send('Profiler.enable');
    await send('Profiler.setSamplingInterval', { interval: 50 });
    await send('Profiler.start');
    await load();
    const { profile } = await send('Profiler.stop');
    ws.close();
    const self = new Map();
    const dt = new Map();
    profile.samples.forEach((node, i) =>
      dt.set(node, (dt.get(node) ?? 0) + (profile.timeDeltas[i] ?? 0)),
    );
    for (const node of profile.nodes) {
      const { functionName, url, lineNumber } = node.callFrame;
      const key =
        `${functionName || '(anonymous)'} ${url ? `${url.split('/').pop()}:${lineNumber + 1}` : ''}`.trim();
      self.set(key, (self.get(key) ?? 0) + (dt.get(node.id) ?? 0));
    }
    const total = [...self.values()].reduce((a, b) => a + b, 0);
    const top = [...self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 30)
      .map(([fn, us]) => ({ fn, pct: (100 * us) / total }));
    return top;
  }

  /* --------------------------------------------------------------- (a) proxy vs bare passthrough */
  if (BEFORE) {
    // This build against the one before it, then each against bare (in-isolate load).
    const summary = (r) => ({
      ratio: +r.ratio.toFixed(3),
      addedUsPerRequest: +r.addedUsPerRequest.toFixed(1),
      cpuRatio: r.cpu && +r.cpu.ratio.toFixed(3),
      cpuAddedUs: r.cpu && +r.cpu.addedUs.toFixed(1),
      cpuUs: r.cpu && [+r.cpu.proxyUs.toFixed(1), +r.cpu.bareUs.toFixed(1)],
      cpuPairRatios: r.cpu?.pairRatios,
    });
    const ab = {
      nowVsBefore: summary(await compare(inIsolate, 'proxy', 'before')),
      ...(process.env.BENCH_EDGE_AB_ONLY
        ? {}
        : {
            nowVsBare: summary(await compare(inIsolate, 'proxy', 'bare')),
            beforeVsBare: summary(await compare(inIsolate, 'before', 'bare')),
          }),
    };
    process.stderr.write(`${JSON.stringify(ab, null, 1)}\n`);
    console.log(`@@RESULT ${JSON.stringify({ ab })}`);
    process.exit(0);
  }
  if (PROFILE) {
    // Each variant against bare, in-isolate: how much of the proxy's added cost each step carries.
    const profile = {};
    if (PROFILE_ONLY) for (const name of ['proxy', 'bare']) await inIsolate(name, 2000); // warm up
    for (const variant of PROFILE_ONLY ? [] : ['decrypt', 'client', 'proxy']) {
      const r = await compare(inIsolate, variant, 'bare');
      profile[variant] = { ratio: r.ratio, addedUsPerRequest: r.addedUsPerRequest, cpu: r.cpu };
      process.stderr.write(`profile ${variant}: ${JSON.stringify(profile[variant])}\n`);
    }
    profile.cpuProfile = await cpuProfile('proxy', () => inIsolate('proxy', 4000));
    process.stderr.write(
      `CPU profile of the proxy Worker (self time):\n${profile.cpuProfile.map((f) => `${f.pct.toFixed(1).padStart(5)} %  ${f.fn}`).join('\n')}\n`,
    );
    console.log(`@@RESULT ${JSON.stringify({ profile })}`);
    process.exit(0);
  }
  const http = await compare(overHttp);
  const isolate = await compare(inIsolate);
  await agent.close();

  /* --------------------------------------------------------------- (b) cookie unseal + seal */
  const inWorkerd = await (
    await mf.dispatchFetch('http://cookie.bench/', {
      method: 'POST',
      body: JSON.stringify({ secret: SECRET, cookie: session }),
    })
  ).json();
  if (inWorkerd.error) throw new Error(`cookie crypto in workerd: ${inWorkerd.error}`);
  const inNode = await measureCookieCrypto({ secret: SECRET, cookie: session });

  const result = {
    target: TARGET,
    targetAddedCpuUs: TARGET_ADDED_CPU_US,
    upstreamUrl: UPSTREAM,
    proxy: { http, isolate },
    cookie: { workerd: inWorkerd, node: inNode },
  };
  console.log(`@@RESULT ${JSON.stringify(result)}`);
} finally {
  await mf.dispose();
}
