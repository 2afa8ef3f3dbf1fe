import { readFile } from 'node:fs/promises';
import { Miniflare, Response as MfResponse, type Request as MfRequest } from 'miniflare';
import { expect, it } from 'vitest';
import { createVendorEmulator } from '@grantkit/core/testing';
import { bundle, credentials, expected, fixture } from './harness';
// @ts-expect-error plain ESM suite shared with the Node and Deno runs
import { runEdgeSuite } from '../edge/suite.mjs';
import { describeEdgeSuite, type EdgeResult } from '../edge/named';

it('workerd (no nodejs_compat): the built packages run the scenario inside a Worker', async () => {
  const emulator = createVendorEmulator();
  const script = await bundle(fixture('worker.mjs'), 'neutral', ['workerd', 'worker', 'browser']);
  const mf = new Miniflare({
    modules: true,
    script: await readFile(script, 'utf8'),
    compatibilityDate: '2026-07-01',
    bindings: { CREDENTIALS: JSON.stringify(credentials) },
    // Every fetch the Worker makes lands in the emulator, which runs here in Node.
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
    const response = await mf.dispatchFetch('http://localhost/');
    const result = (await response.json()) as unknown;
    console.log('workerd:', JSON.stringify(result));
    expect(result).toEqual(expected);
  } finally {
    await mf.dispose();
  }
});

describeEdgeSuite(
  'workerd (no nodejs_compat): the edge handler suite inside a Worker',
  {},
  async () => {
    const script = await bundle(fixture('edge-worker.mjs'), 'neutral', [
      'workerd',
      'worker',
      'browser',
    ]);
    const mf = new Miniflare({
      modules: true,
      script: await readFile(script, 'utf8'),
      compatibilityDate: '2026-07-01',
    });
    try {
      return (await (await mf.dispatchFetch('http://localhost/')).json()) as EdgeResult[];
    } finally {
      await mf.dispose();
    }
  },
);

describeEdgeSuite(
  'workerd (no nodejs_compat): the suite across two isolates sharing Workers KV sessions and the refresher Durable Object',
  { serverSide: true },
  async () => {
    const script = await readFile(
      await bundle(fixture('edge-kv-worker.mjs'), 'neutral', ['workerd', 'worker', 'browser']),
      'utf8',
    );
    let mf: Miniflare | undefined;
    const serve = async (_handler: unknown, { vendorFetch }: { vendorFetch: typeof fetch }) => {
      // Both Workers and the Durable Object reach the vendor here, in the suite's emulator.
      const outboundService = async (request: MfRequest) => {
        const body =
          request.method === 'GET' || request.method === 'HEAD'
            ? null
            : await request.arrayBuffer();
        const answer = await vendorFetch(
          new Request(request.url, {
            method: request.method,
            headers: [...request.headers] as [string, string][],
            body,
          }),
        );
        return new MfResponse(await answer.arrayBuffer(), {
          status: answer.status,
          headers: [...answer.headers],
        });
      };
      const shared = {
        modules: true,
        script,
        compatibilityDate: '2026-07-01',
        kvNamespaces: { SESSIONS: 'grantkit-sessions' },
        outboundService,
      };
      mf = new Miniflare({
        workers: [
          { ...shared, name: 'a', durableObjects: { REFRESHER: 'SessionRefresher' } },
          {
            ...shared,
            name: 'b',
            durableObjects: { REFRESHER: { className: 'SessionRefresher', scriptName: 'a' } },
          },
        ],
      });
      type Isolate = { fetch(url: string, init: RequestInit): Promise<Response> };
      const isolates = [await mf.getWorker('a'), await mf.getWorker('b')] as unknown as Isolate[];
      let turn = 0;
      return {
        // Miniflare's entry refuses an Origin header naming another host than localhost or a route.
        origin: 'http://localhost',
        // Requests alternate between the two isolates, so every check, the 100-request storm included, spans both.
        async call(request: Request) {
          const worker = isolates[turn++ % 2]!;
          const body =
            request.method === 'GET' || request.method === 'HEAD'
              ? undefined
              : await request.arrayBuffer();
          const answer = await worker.fetch(request.url, {
            method: request.method,
            headers: [...request.headers],
            body,
            redirect: 'manual',
          });
          return new Response(
            answer.status === 204 || answer.status === 304 ? null : await answer.arrayBuffer(),
            { status: answer.status, headers: [...answer.headers] as [string, string][] },
          );
        },
        close: async () => {},
      };
    };
    try {
      return (await runEdgeSuite({ serve, serverSide: true })) as EdgeResult[];
    } finally {
      await mf?.dispose();
    }
  },
);
