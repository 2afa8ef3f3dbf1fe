// The SharedEngine on Durable Objects, against real ones (workerd through miniflare, storage on
// disk): the eight calls, exactness under concurrent callers, TTL expiry by alarm, values larger
// than a Durable Object value, and bounded input on both sides of the wire.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGrantkitError } from '@grantkit/core';
import { durableObjectEngine } from './engine';
import { engineObjects } from '../../../../test/stores/durable-objects';

let objects: Awaited<ReturnType<typeof engineObjects>>;
beforeAll(async () => {
  objects = await engineObjects();
}, 60_000);
afterAll(async () => {
  await objects?.dispose();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('durableObjectEngine in workerd', { timeout: 30_000 }, () => {
  it('read, write, swap by version, remove', async () => {
    const engine = durableObjectEngine(objects.namespace);
    expect(await engine.read('k1')).toBeUndefined();
    expect(await engine.swap('k1', 'nope', 'a', undefined)).toBe(false);
    expect(await engine.swap('k1', undefined, 'a', undefined)).toBe(true);
    expect(await engine.swap('k1', undefined, 'b', undefined)).toBe(false);
    const a = (await engine.read('k1'))!;
    expect(a.value).toBe('a');
    expect(await engine.swap('k1', a.version, 'b', undefined)).toBe(true);
    expect(await engine.swap('k1', a.version, 'c', undefined)).toBe(false); // the version moved on
    await engine.write('k1', 'b', undefined);
    const b = (await engine.read('k1'))!;
    expect(b.value).toBe('b');
    expect(b.version).not.toBe(a.version);
    await engine.remove('k1');
    expect(await engine.read('k1')).toBeUndefined();
    // Deleted then recreated: an old version never matches again (no ABA).
    await engine.write('k1', 'b', undefined);
    expect(await engine.swap('k1', b.version, 'x', undefined)).toBe(false);
  });

  it('50 concurrent swaps from the same version: exactly one wins; 50 concurrent locks: one owner', async () => {
    const engine = durableObjectEngine(objects.namespace);
    await engine.write('race', '0', undefined);
    const { version } = (await engine.read('race'))!;
    const wins = await Promise.all(
      Array.from({ length: 50 }, (_, i) => engine.swap('race', version, String(i + 1), undefined)),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect((await engine.read('race'))!.value).toBe(String(wins.indexOf(true) + 1));
    const locks = await Promise.all(
      Array.from({ length: 50 }, (_, i) => engine.lock('race-lock', `owner-${i}`, 10_000)),
    );
    expect(locks.filter(Boolean)).toHaveLength(1);
    const owner = `owner-${locks.indexOf(true)}`;
    expect(await engine.extend('race-lock', 'someone-else', 10_000)).toBe(false);
    expect(await engine.unlock('race-lock', 'someone-else')).toBe(false);
    expect(await engine.extend('race-lock', owner, 10_000)).toBe(true);
    expect(await engine.unlock('race-lock', owner)).toBe(true);
    expect(await engine.lock('race-lock', 'next', 10_000)).toBe(true);
  });

  it('entries with a TTL expire (alarm, or on the next read); extend moves a lock’s expiry', async () => {
    const engine = durableObjectEngine(objects.namespace);
    // Loose margins: the machine running this may be loaded.
    await engine.write('ttl', 'v', 3000);
    expect(await engine.lock('ttl-lock', 'me', 3000)).toBe(true);
    expect(await engine.lock('ttl-lock-2', 'me', 3000)).toBe(true);
    expect((await engine.read('ttl'))?.value).toBe('v');
    expect(await engine.extend('ttl-lock-2', 'me', 20_000)).toBe(true);
    await sleep(3500);
    expect(await engine.read('ttl')).toBeUndefined();
    expect(await engine.lock('ttl-lock', 'other', 1000)).toBe(true); // the lapsed lock is free
    expect(await engine.lock('ttl-lock-2', 'other', 1000)).toBe(false); // extended: still held
    // A write without a TTL clears the expiry.
    await engine.write('ttl', 'w', 1000);
    await engine.write('ttl', 'forever', undefined);
    await sleep(1500);
    expect((await engine.read('ttl'))?.value).toBe('forever');
  });

  it('a value larger than one Durable Object value (128 KiB) is stored in chunks, replaced whole', async () => {
    const engine = durableObjectEngine(objects.namespace);
    const big = 'x'.repeat(300_000) + 'end';
    await engine.write('big', big, undefined);
    expect((await engine.read('big'))!.value).toBe(big);
    const { version } = (await engine.read('big'))!;
    expect(await engine.swap('big', version, 'small', undefined)).toBe(true);
    expect((await engine.read('big'))!.value).toBe('small');
    const bigger = 'y'.repeat(1 << 20);
    await engine.write('big', bigger, 60_000);
    expect((await engine.read('big'))!.value).toBe(bigger);
  });

  it('bounded input: a refused key, value, owner or TTL is a typed error before any call; the object refuses oversized and malformed calls with a 4xx', async () => {
    const engine = durableObjectEngine(objects.namespace);
    const refused = async (call: Promise<unknown>) => {
      const error = await call.catch((e: unknown) => e);
      expect(isGrantkitError(error, 'config_invalid')).toBe(true);
    };
    await refused(engine.read(''));
    await refused(engine.read('k'.repeat(513)));
    await refused(engine.write('k', 'v'.repeat((1 << 20) + 1), undefined));
    await refused(engine.write('k', 'v', -1));
    await refused(engine.write('k', 'v', Number.NaN));
    await refused(engine.lock('k', '', 1000));
    await refused(engine.lock('k', 'o'.repeat(257), 1000));
    await refused(engine.swap('k', 'v'.repeat(300), 'v', undefined));
    const stub = objects.namespace.get(objects.namespace.idFromName('raw') as never);
    const post = (path: string, body: string) =>
      stub.fetch(`https://grantkit.engine${path}`, { method: 'POST', body });
    expect((await post('/read', 'x'.repeat(4 * (1 << 20) + 1))).status).toBe(413);
    expect((await post('/read', '{')).status).toBe(400);
    expect((await post('/read', '{"key":3}')).status).toBe(400);
    expect((await post('/lock', '{"key":"k","owner":"o"}')).status).toBe(400); // no TTL
    expect((await post('/drop', '{"key":"k"}')).status).toBe(404);
    const answer = (await (await post('/read', '{"key":""}')).json()) as {
      error: { code: string };
    };
    expect(answer.error.code).toBe('config_invalid');
    expect(() => durableObjectEngine({} as never)).toThrow(/Durable Object namespace binding/);
  });
});
