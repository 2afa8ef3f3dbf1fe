// The vault on Workers: the built packages inside two Workers (isolates) of workerd, sharing the
// SharedEngineObject Durable Objects (durableObjectEngine) as their engine. Concurrent uses of an
// expired connection from both isolates renew it once; a keep-alive started in both at once runs
// once and renews every connection exactly once; the objects' files on disk hold no token.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Miniflare, Response as MfResponse, type Request as MfRequest } from 'miniflare';
import { expect, it } from 'vitest';
import { createVendorEmulator, TEST_CREDENTIALS } from '@grantkit/core/testing';
import { findLeaks } from '../security/canary-scan';
import { bundle, fixture } from './harness';

const CANARY = 'CANARY-vault-workerd-';
const CONNECTIONS = 30;

it('vault on durableObjectEngine in two isolates: one renewal per connection, keep-alive once, sealed at rest', async () => {
  const emu = createVendorEmulator({ tokenPrefix: CANARY });
  const script = await readFile(
    await bundle(fixture('vault-worker.mjs'), 'neutral', ['workerd', 'worker', 'browser']),
    'utf8',
  );
  const outboundService = async (request: MfRequest) => {
    const body =
      request.method === 'GET' || request.method === 'HEAD' ? null : await request.arrayBuffer();
    const answer = await emu.handle(
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
  const dir = await mkdtemp(join(tmpdir(), 'grantkit-vault-do-'));
  const shared = { modules: true, script, compatibilityDate: '2026-07-01', outboundService };
  const mf = new Miniflare({
    durableObjectsPersist: dir,
    workers: [
      { ...shared, name: 'a', durableObjects: { VAULT: 'SharedEngineObject' } },
      {
        ...shared,
        name: 'b',
        durableObjects: { VAULT: { className: 'SharedEngineObject', scriptName: 'a' } },
      },
    ],
  });
  try {
    type Isolate = { fetch(url: string, init?: RequestInit): Promise<Response> };
    const isolates = [await mf.getWorker('a'), await mf.getWorker('b')] as unknown as Isolate[];
    const call = async <T>(i: number, path: string, body?: unknown): Promise<T> => {
      const response = await isolates[i % 2]!.fetch(
        `http://localhost${path}`,
        body === undefined ? undefined : { method: 'POST', body: JSON.stringify(body) },
      );
      const text = await response.text();
      expect(response.status, text).toBe(200);
      return JSON.parse(text) as T;
    };
    const ids = Array.from({ length: CONNECTIONS }, (_, i) => `user-${String(i).padStart(2, '0')}`);
    const codes = ids.map((id) => [
      id,
      emu.issueCode('orangeLogic', TEST_CREDENTIALS.orangeLogic.clientId, { userId: id }),
    ]);
    expect(await call(0, '/put', { codes })).toEqual({ put: CONNECTIONS });
    const refreshes = () => emu.count({ grant: 'refresh_token' });

    // 20 uses of one expired connection, alternating between the isolates: one vendor refresh.
    await Promise.all(Array.from({ length: 20 }, (_, i) => call(i, '/use?id=user-00')));
    expect(refreshes()).toBe(1);

    // A keep-alive started in both isolates at once: one runs, every connection renewed once.
    const reports = await Promise.all(
      [0, 1].map((i) =>
        call<{ ran: boolean; renewed: number; failed: number; checked: number }>(i, '/keepalive'),
      ),
    );
    const ran = reports.filter((r) => r.ran);
    console.log(
      `vault in workerd: ${CONNECTIONS} connections, keep-alive ran in ${ran.length} of 2 isolates, renewed ${ran[0]?.renewed}`,
    );
    // user-00 was renewed by its use (30 days ahead now): not due.
    expect(reports.reduce((n, r) => n + r.renewed, 0)).toBe(CONNECTIONS - 1);
    expect(reports.every((r) => r.failed === 0)).toBe(true);
    expect(refreshes()).toBe(CONNECTIONS);
    // Nothing left to renew, from either isolate.
    expect((await call<{ renewed: number }>(1, '/keepalive')).renewed).toBe(0);
    expect(refreshes()).toBe(CONNECTIONS);

    const listed = await call<{ connections: { id: string; state: string }[]; events: unknown[] }>(
      1,
      '/list',
    );
    expect(listed.connections.map((c) => c.id)).toEqual(ids);
    expect(listed.connections.every((c) => c.state === 'active')).toBe(true);

    // Sealed at rest: every byte the objects stored, and everything the Workers answered.
    const files: string[] = [];
    const walk = async (at: string) => {
      for (const entry of await readdir(at, { withFileTypes: true }))
        if (entry.isDirectory()) await walk(join(at, entry.name));
        else files.push(await readFile(join(at, entry.name), 'latin1'));
    };
    await walk(dir);
    expect(files.join('').length).toBeGreaterThan(1000);
    expect(files.some((f) => f.includes('gk1.'))).toBe(true); // the sealed values are there
    for (const text of [...files, JSON.stringify([reports, listed])])
      expect(findLeaks(text)).toEqual([]);
  } finally {
    await mf.dispose();
    await rm(dir, { recursive: true, force: true });
  }
});
