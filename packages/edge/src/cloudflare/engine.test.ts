// The SharedEngine on Durable Objects, against real ones (workerd through miniflare, storage on
// disk): the eight calls, exactness under concurrent callers, TTL expiry by alarm, values larger
// than a Durable Object value, and bounded input on both sides of the wire.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isGrantkitError } from '@grantkit/core';
import { durableObjectEngine, SharedEngineObject, type EngineStorageLike } from './engine';
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
    expect((await post('/read', 'x'.repeat(6 * (1 << 20) + 65_536 + 1))).status).toBe(413);
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

  it('a value of 1 Mi characters of any kind fits the call: control characters and lone surrogates (6 bytes each once JSON-escaped)', async () => {
    const engine = durableObjectEngine(objects.namespace);
    for (const [key, ch] of [
      ['escaped-control', '\u0001'],
      ['escaped-surrogate', '\ud800'],
    ] as const) {
      const value = ch.repeat(1 << 20);
      await engine.write(key, value, undefined); // was 413 past a 4 MiB body
      expect((await engine.read(key))!.value === value, key).toBe(true);
    }
  });

  it("an object answers only for its own key: another key's call is refused (400), never given its value", async () => {
    const engine = durableObjectEngine(objects.namespace);
    await engine.write('victim', 'sealed-victim-value', undefined);
    const stub = objects.namespace.get(objects.namespace.idFromName('victim') as never);
    for (const [op, body] of [
      ['read', { key: 'other' }],
      ['write', { key: 'other', value: 'x' }],
      ['remove', { key: 'other' }],
      ['lock', { key: 'other', owner: 'o', ttlMs: 1000 }],
    ] as const) {
      const answer = await stub.fetch(`https://grantkit.engine/${op}`, {
        method: 'POST',
        body: JSON.stringify(body),
      });
      expect(answer.status, op).toBe(400);
      const text = await answer.text();
      expect(text).toContain('config_invalid');
      expect(text).not.toContain('sealed-victim-value');
    }
    expect((await engine.read('victim'))!.value).toBe('sealed-victim-value');
  });
});

/** A Durable Object storage in memory that records the order of calls and can fail one of them. */
function recordingStorage(failing?: 'put' | 'delete' | 'setAlarm') {
  const data = new Map<string, unknown>();
  const log: string[] = [];
  const later = <T>(name: string, apply: () => T): Promise<T> => {
    log.push(`${name} issued`);
    return new Promise((resolve, reject) =>
      setTimeout(() => {
        log.push(`${name} done`);
        if (name === failing) reject(new Error('storage broke near canary-sealed-value'));
        else resolve(apply());
      }, 5),
    );
  };
  const storage: EngineStorageLike = {
    get: (keys) =>
      later('get', () => new Map(keys.filter((k) => data.has(k)).map((k) => [k, data.get(k)]))),
    put: (entries) =>
      later('put', () => void Object.entries(entries).forEach(([k, v]) => data.set(k, v))),
    delete: (keys) => later('delete', () => keys.filter((k) => data.delete(k)).length),
    setAlarm: () => later('setAlarm', () => undefined),
    deleteAlarm: () => later('deleteAlarm', () => undefined),
  };
  return { storage, log, data };
}

const callObject = async (
  object: InstanceType<typeof SharedEngineObject>,
  op: string,
  call: object,
) => {
  const answer = await object.fetch(
    new Request(`https://grantkit.engine/${op}`, { method: 'POST', body: JSON.stringify(call) }),
  );
  return {
    status: answer.status,
    body: (await answer.json()) as { result?: unknown; error?: { code: string; message: string } },
  };
};

describe('SharedEngineObject: one batch per change, storage failures typed', () => {
  it('put, stale-chunk delete and setAlarm are issued with no await between them (one atomic batch)', async () => {
    const { storage, log } = recordingStorage();
    const object = new SharedEngineObject({ storage });
    await callObject(object, 'write', { key: 'k', value: 'x'.repeat(100_000), ttlMs: 60_000 });
    log.length = 0;
    expect(
      (await callObject(object, 'write', { key: 'k', value: 'small', ttlMs: 60_000 })).status,
    ).toBe(200);
    const change = log.slice(log.indexOf('put issued'));
    expect(change.slice(0, 3)).toEqual(['put issued', 'delete issued', 'setAlarm issued']);
  });

  it("a storage failure answers store_unavailable with a fixed message; the log holds the error's name only", async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      for (const failing of ['put', 'delete', 'setAlarm'] as const) {
        const { storage } = recordingStorage(failing);
        const object = new SharedEngineObject({ storage });
        const answers = [
          await callObject(object, 'write', { key: 'k', value: 'x'.repeat(100_000) }),
          await callObject(object, 'write', { key: 'k', value: 'y', ttlMs: 1000 }), // stale chunks, alarm
          await callObject(
            new SharedEngineObject({ storage: recordingStorage(failing).storage }),
            'lock',
            {
              key: 'k',
              owner: 'o',
              ttlMs: 1000,
            },
          ),
        ];
        expect(answers[0]!.status, failing).toBe(failing === 'put' ? 503 : 200);
        expect(answers[2]!.status, failing).toBe(failing === 'delete' ? 200 : 503); // was 500 on setAlarm
        for (const answer of answers.filter((a) => a.status !== 200)) {
          expect(answer.status, failing).toBe(503);
          expect(answer.body.error?.code).toBe('store_unavailable');
          expect(answer.body.error?.message).toBe("The engine Durable Object's storage failed");
        }
        expect(answers[1]!.status, failing).toBe(503);
      }
      const logged = JSON.stringify(warn.mock.calls);
      expect(logged).toContain('Error');
      expect(logged).not.toContain('canary');
    } finally {
      warn.mockRestore();
    }
  });

  it('the alarm is cleared when nothing needs it any more: remove, unlock, a write without TTL', async () => {
    const { storage, log } = recordingStorage();
    const object = new SharedEngineObject({ storage });
    const cleared = async (op: string, call: object) => {
      log.length = 0;
      expect((await callObject(object, op, call)).status).toBe(200);
      return log.includes('deleteAlarm issued');
    };
    await callObject(object, 'write', { key: 'k', value: 'v', ttlMs: 60_000 });
    expect(await cleared('write', { key: 'k', value: 'w' })).toBe(true);
    expect(await cleared('write', { key: 'k', value: 'w' })).toBe(false); // no TTL before either
    await callObject(object, 'write', { key: 'k', value: 'v', ttlMs: 60_000 });
    expect(await cleared('remove', { key: 'k' })).toBe(true);
    await callObject(object, 'lock', { key: 'k', owner: 'o', ttlMs: 60_000 });
    expect(await cleared('unlock', { key: 'k', owner: 'o' })).toBe(true);
  });
});
