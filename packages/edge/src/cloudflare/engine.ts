import {
  ConfigurationError,
  GrantkitError,
  StoreUnavailableError,
  errorFromJSON,
  errorToJSON,
  type GrantkitErrorJSON,
} from '@grantkit/core';
import type { SharedEngine } from '@grantkit/core/shared';
import { readBounded, TOO_LARGE } from '../body';
import type { DurableObjectNamespaceLike } from './durable-object';

/**
 * The subset of a Durable Object's storage {@link SharedEngineObject} uses: its transactional
 * key-value calls (the array forms), and alarms when present (they delete an entry once its TTL
 * has passed; without them an expired entry is dropped when next touched). The object issues each
 * change's calls (put, delete, setAlarm or deleteAlarm) with no await between them, so Durable
 * Object storage commits them as one atomic batch.
 *
 * @example
 * ```ts
 * constructor(state: { storage: EngineStorageLike }, env: Env) { … }
 * ```
 */
export interface EngineStorageLike {
  get(keys: string[]): Promise<Map<string, unknown>>;
  put(entries: Record<string, unknown>): Promise<void>;
  delete(keys: string[]): Promise<number>;
  setAlarm?(time: number): Promise<void>;
  deleteAlarm?(): Promise<void>;
}

/**
 * The Durable Object class {@link SharedEngineObject} is: constructed by the runtime with the
 * object's state (and the Worker's env, unused).
 *
 * @example
 * ```ts
 * export const VaultEngine: SharedEngineObjectClass = SharedEngineObject;
 * ```
 */
export type SharedEngineObjectClass = new (
  state: { storage: EngineStorageLike },
  env?: unknown,
) => {
  /** `POST /read|write|swap|remove|lock|extend|unlock` with the call's arguments as JSON. */
  fetch(request: Request): Promise<Response>;
  /** Deletes the entry once its TTL has passed. */
  alarm(): Promise<void>;
};

const ORIGIN = 'https://grantkit.engine';
/** Longest key (the vault's are its prefix plus an id of at most 200 characters). */
const MAX_KEY = 512;
/** Longest value, in characters (a vault's index of thousands of ids fits). */
const MAX_VALUE = 1 << 20;
/** Longest lock owner or version. */
const MAX_TOKEN = 256;
/** Longest TTL: ten years. */
const MAX_TTL = 315_360_000_000;
/**
 * Largest request body the object reads, in bytes: JSON.stringify writes a character as at most 6
 * bytes (a control character or a lone surrogate as `\u0001`), so a value of MAX_VALUE characters of
 * any kind fits, with 64 KiB for the key, the version or owner and the rest of the call.
 */
const MAX_BODY = 6 * MAX_VALUE + 65_536;
/** Characters per stored chunk: a Durable Object refuses values over 128 KiB. */
const CHUNK = 32_768;
const OPS = ['read', 'write', 'swap', 'remove', 'lock', 'extend', 'unlock'] as const;
type Op = (typeof OPS)[number];

/**
 * One entry as stored: its key (`k`; absent in entries written before it was stored), the value
 * inline (`s`) or in `n` chunks `c0…`, its version, its expiry.
 */
interface Entry {
  k?: string;
  v: string;
  u: number | null;
  s?: string;
  n?: number;
}
interface Call {
  key: string;
  value?: string;
  version?: string;
  owner?: string;
  ttlMs?: number;
}

const isText = (v: unknown, max: number): v is string =>
  typeof v === 'string' && v.length > 0 && v.length <= max;
const isTtl = (v: unknown): v is number | undefined =>
  v === undefined || (typeof v === 'number' && v > 0 && v <= MAX_TTL);

/** Why a call's arguments are refused, or `undefined` when they are fine (checked on both sides). */
function refuse(op: Op, call: Call): string | undefined {
  if (!isText(call.key, MAX_KEY)) return `a key is 1 to ${MAX_KEY} characters`;
  if (
    (op === 'write' || op === 'swap') &&
    !(typeof call.value === 'string' && call.value.length <= MAX_VALUE)
  )
    return `a value is a string of at most ${MAX_VALUE} characters`;
  if (op === 'swap' && call.version !== undefined && !isText(call.version, MAX_TOKEN))
    return 'a version is a string read from the engine';
  if ((op === 'lock' || op === 'extend' || op === 'unlock') && !isText(call.owner, MAX_TOKEN))
    return `a lock owner is 1 to ${MAX_TOKEN} characters`;
  if (
    op === 'lock' || op === 'extend'
      ? typeof call.ttlMs !== 'number' || !isTtl(call.ttlMs)
      : !isTtl(call.ttlMs)
  )
    return 'a TTL is a positive number of milliseconds, at most ten years';
  return undefined;
}

const fail = (status: number, message: string) =>
  Response.json({ error: { code: 'config_invalid', message } }, { status });

/** A call the object refuses once it has read its entry (answered 400, not 503). */
class Refused extends Error {}

/**
 * The Durable Object behind {@link durableObjectEngine}: one object per engine key holds that key's
 * entry (value, version, expiry) in its transactional storage and runs every call on it one at a
 * time, so a compare-and-swap and a lock are exact across every isolate. Entries with a TTL are
 * deleted by an alarm when it passes (and read as absent from then on). Values longer than a Durable
 * Object value may be are stored in chunks, written and replaced in one atomic `put`. It holds only
 * what the engine is given: sealed values, never a token. Export it from your Worker and bind it.
 *
 * @example
 * ```ts
 * // src/index.js — and in wrangler.toml: [[durable_objects.bindings]] name = "VAULT", class_name = "SharedEngineObject"
 * import { SharedEngineObject } from '@grantkit/edge/cloudflare';
 * export { SharedEngineObject };
 * const engine = durableObjectEngine(env.VAULT);
 * ```
 */
export const SharedEngineObject: SharedEngineObjectClass = class SharedEngineObject {
  readonly #storage: EngineStorageLike;
  /** Every call on this object, one after the other. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(state: { storage: EngineStorageLike }) {
    this.#storage = state.storage;
  }

  #serial<T>(run: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => {});
    return next;
  }

  /** The live entry (an expired one is deleted and reads as absent). */
  async #entry(): Promise<Entry | undefined> {
    const entry = (await this.#storage.get(['e'])).get('e') as Entry | undefined;
    if (entry && entry.u !== null && entry.u <= Date.now()) {
      await this.#drop(entry);
      return undefined;
    }
    return entry;
  }

  async #value(entry: Entry): Promise<string> {
    if (entry.s !== undefined) return entry.s;
    const names = Array.from({ length: entry.n ?? 0 }, (_, i) => `c${i}`);
    const chunks = await this.#storage.get(names);
    return names.map((name) => chunks.get(name) as string).join('');
  }

  /** The entry, its chunks and its alarm deleted in one batch. */
  async #drop(entry: Entry | undefined) {
    const names = ['e', ...Array.from({ length: entry?.n ?? 0 }, (_, i) => `c${i}`)];
    const batch: Promise<unknown>[] = [this.#storage.delete(names)];
    if (entry?.u != null && this.#storage.deleteAlarm) batch.push(this.#storage.deleteAlarm());
    await Promise.all(batch);
  }

  /**
   * Writes the entry and its chunks, deletes the previous entry's extra chunks and sets (or, with no
   * TTL, clears) the alarm: all issued with no await between them, so storage commits them together
   * or not at all — a call never answers failed after its write took effect.
   */
  async #put(previous: Entry | undefined, key: string, value: string, ttlMs: number | undefined) {
    const until = ttlMs === undefined ? null : Date.now() + Math.ceil(ttlMs);
    const entry: Entry = { k: key, v: crypto.randomUUID(), u: until };
    const writes: Record<string, unknown> = {};
    if (value.length <= CHUNK) entry.s = value;
    else {
      entry.n = Math.ceil(value.length / CHUNK);
      for (let i = 0; i < entry.n; i++) writes[`c${i}`] = value.slice(i * CHUNK, (i + 1) * CHUNK);
    }
    writes.e = entry;
    const stale = Array.from(
      { length: Math.max(0, (previous?.n ?? 0) - (entry.n ?? 0)) },
      (_, i) => `c${(entry.n ?? 0) + i}`,
    );
    const storage = this.#storage;
    const batch: Promise<unknown>[] = [storage.put(writes)];
    if (stale.length) batch.push(storage.delete(stale));
    if (until !== null) {
      if (storage.setAlarm) batch.push(storage.setAlarm(until));
    } else if (previous?.u != null && storage.deleteAlarm) batch.push(storage.deleteAlarm());
    await Promise.all(batch);
  }

  async fetch(request: Request): Promise<Response> {
    const op = new URL(request.url).pathname.slice(1) as Op;
    if (request.method !== 'POST' || !OPS.includes(op)) return fail(404, 'Unknown engine call');
    const body = await readBounded(request, MAX_BODY);
    if (body === TOO_LARGE) return fail(413, 'The engine call is too large');
    let call: Call;
    try {
      call = JSON.parse(new TextDecoder().decode(body)) as Call;
    } catch {
      return fail(400, 'The engine call is not JSON');
    }
    const refused = typeof call === 'object' && call !== null ? refuse(op, call) : 'not an object';
    if (refused) return fail(400, `Engine ${op}: ${refused}`);
    try {
      const result = await this.#serial(() => this.#run(op, call));
      return Response.json({ result: result ?? null });
    } catch (error) {
      if (error instanceof Refused) return fail(400, `Engine ${op}: ${error.message}`);
      // Only the error's name: a storage error's message may quote what was stored.
      console.warn(
        'grantkit engine: storage failed',
        error instanceof Error ? error.name : 'thrown',
      );
      const failed = new StoreUnavailableError("The engine Durable Object's storage failed");
      return Response.json({ error: errorToJSON(failed) }, { status: 503 });
    }
  }

  async #run(op: Op, call: Call): Promise<unknown> {
    const entry = await this.#entry();
    // One object per key (idFromName(key)): an entry filed under another key is not this call's.
    if (entry?.k !== undefined && entry.k !== call.key)
      throw new Refused('this object holds another key');
    switch (op) {
      case 'read':
        return entry && { value: await this.#value(entry), version: entry.v };
      case 'write':
        return void (await this.#put(entry, call.key, call.value!, call.ttlMs));
      case 'swap':
        if (call.version === undefined ? entry !== undefined : entry?.v !== call.version)
          return false;
        await this.#put(entry, call.key, call.value!, call.ttlMs);
        return true;
      case 'remove':
        return void (await this.#drop(entry));
      case 'lock':
        if (entry) return false;
        await this.#put(entry, call.key, call.owner!, call.ttlMs);
        return true;
      case 'extend':
        if (!entry || (await this.#value(entry)) !== call.owner) return false;
        await this.#put(entry, call.key, call.owner!, call.ttlMs);
        return true;
      case 'unlock':
        if (!entry || (await this.#value(entry)) !== call.owner) return false;
        await this.#drop(entry);
        return true;
    }
  }

  async alarm(): Promise<void> {
    await this.#serial(async () => {
      const entry = await this.#entry(); // deletes it when expired
      if (entry && entry.u !== null) await this.#storage.setAlarm?.(entry.u); // extended meanwhile
    });
  }
};

/**
 * A {@link SharedEngine} on the {@link SharedEngineObject} Durable Object, for the vault (or any
 * shared store) on Workers: Workers KV has no compare-and-swap, a Durable Object's storage is
 * transactional and single-threaded. Each key has an object of its own (`idFromName(key)`): every
 * engine call touches one key, so each is exact inside one object, and a keep-alive over thousands
 * of connections spreads over as many objects instead of queueing in one. Values reach the object
 * already sealed.
 *
 * @example
 * ```ts
 * import { createVault } from '@grantkit/core/vault';
 * import { durableObjectEngine } from '@grantkit/edge/cloudflare';
 * const vault = createVault({ engine: durableObjectEngine(env.VAULT), secret: env.TOKEN_SECRET, adapter });
 * ```
 */
export function durableObjectEngine(namespace: DurableObjectNamespaceLike): SharedEngine {
  if (typeof namespace?.get !== 'function' || typeof namespace.idFromName !== 'function') {
    throw new ConfigurationError(
      'durableObjectEngine: "namespace" must be a Durable Object namespace binding (get, idFromName) of the SharedEngineObject class, such as env.VAULT',
    );
  }
  const call = async <T>(op: Op, args: Call): Promise<T> => {
    const refused = refuse(op, args);
    if (refused) throw new ConfigurationError(`durableObjectEngine ${op}: ${refused}`);
    const stub = namespace.get(namespace.idFromName(args.key) as never);
    let response: Response;
    try {
      response = await stub.fetch(`${ORIGIN}/${op}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(args),
      });
    } catch (error) {
      throw new GrantkitError(
        'store_unavailable',
        'The engine Durable Object could not be reached',
        {
          cause: error,
        },
      );
    }
    const answer = (await response.json().catch(() => undefined)) as
      { result?: unknown; error?: GrantkitErrorJSON } | undefined;
    if (answer?.error) throw errorFromJSON(answer.error);
    if (!answer || !('result' in answer))
      throw new GrantkitError(
        'store_unavailable',
        `The engine Durable Object answered ${response.status} without a result`,
      );
    return answer.result as T;
  };
  const ttl = (ttlMs: number | undefined) => (ttlMs === undefined ? {} : { ttlMs });
  return {
    read: async (key) =>
      (await call<{ value: string; version: string } | null>('read', { key })) ?? undefined,
    write: async (key, value, ttlMs) => void (await call('write', { key, value, ...ttl(ttlMs) })),
    swap: async (key, version, value, ttlMs) =>
      (await call<boolean>('swap', {
        key,
        value,
        ...(version === undefined ? {} : { version }),
        ...ttl(ttlMs),
      })) === true,
    remove: async (key) => void (await call('remove', { key })),
    lock: async (key, owner, ttlMs) =>
      (await call<boolean>('lock', { key, owner, ttlMs })) === true,
    extend: async (key, owner, ttlMs) =>
      (await call<boolean>('extend', { key, owner, ttlMs })) === true,
    unlock: async (key, owner) => (await call<boolean>('unlock', { key, owner })) === true,
  };
}
