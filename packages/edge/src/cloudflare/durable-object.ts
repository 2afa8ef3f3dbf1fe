import {
  checkOptions,
  ConfigurationError,
  GrantkitError,
  optionRules,
  ReauthorizationRequiredError,
  createTokenClient,
  tokenClientRules,
  type OptionRule,
  errorFromJSON,
  errorToJSON,
  type GrantkitErrorJSON,
  type TokenClient,
  type TokenClientOptions,
  type TokenSet,
  type TokenStorage,
} from '@grantkit/core';
import { sessionTtl, type RefreshCoordinator, type SessionStore } from '../store';

/**
 * The subset of a Durable Object namespace binding grantkit uses.
 *
 * @example
 * ```ts
 * const coordinator = durableObjectCoordinator(env.REFRESHER);
 * ```
 */
export interface DurableObjectNamespaceLike {
  idFromName(name: string): unknown;
  get(id: never): { fetch(input: string, init?: RequestInit): Promise<Response> };
}

/**
 * The subset of a Durable Object's state grantkit uses: its transactional storage, and alarms when
 * present (they delete a session's tokens once it has expired).
 *
 * @example
 * ```ts
 * constructor(state: DurableObjectStateLike, env: Env) { … }
 * ```
 */
export interface DurableObjectStateLike {
  storage: {
    get<T>(key: string): Promise<T | undefined>;
    put(key: string, value: unknown): Promise<void>;
    delete(key: string): Promise<boolean>;
    setAlarm?(time: number): Promise<void>;
  };
}

/**
 * What {@link sessionRefresher} needs to renew a session: the flow (with its client secret) and the
 * usual token-call options. Storage is the object's own.
 *
 * @example
 * ```ts
 * export const SessionRefresher = sessionRefresher((env) => ({ adapter: firstDollarApp({ appId: env.FD_APP_ID, clientId: env.FD_CLIENT_ID, clientSecret: env.FD_CLIENT_SECRET }), timeout: 5000 }));
 * ```
 */
export type RefresherOptions = Omit<TokenClientOptions, 'storage' | 'key' | 'renew' | 'signal'> & {
  /**
   * The handler's session store (e.g. `kvSessionStore(env.SESSIONS, { secret: env.SESSION_SECRET })`): the object then writes each
   * renewed token set there itself, once, and isolates never do (KV takes ~1 write/s per key).
   */
  sessions?: SessionStore;
  /** The handler's `sessionMaxAge`: the object forgets a session this long after its last renewal. @default 2592000 (30 days) */
  sessionMaxAge?: number;
};

/**
 * The Durable Object class {@link sessionRefresher} makes: constructed by the runtime with the
 * object's state and the Worker's env.
 *
 * @example
 * ```ts
 * export const SessionRefresher: SessionRefresherClass<Env> = sessionRefresher((env: Env) => ({ adapter: appFor(env) }));
 * ```
 */
export type SessionRefresherClass<Env> = new (
  state: DurableObjectStateLike,
  env: Env,
) => {
  /** `POST /renew` `{ tokens }` → `{ tokens }` or `{ error }`; `POST /forget`. */
  fetch(request: Request): Promise<Response>;
  /** Deletes the tokens of a session nobody renewed for `sessionMaxAge`. */
  alarm(): Promise<void>;
};

/** What each option of {@link RefresherOptions} may hold. */
const REFRESHER_RULES = /* @__PURE__ */ (() => {
  const { storage: _s, key: _k, renew: _r, signal: _g, ...client } = tokenClientRules;
  return {
    ...client,
    sessions: optionRules.where(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        ['get', 'set', 'delete'].every(
          (m) => typeof (v as Record<string, unknown>)[m] === 'function',
        ),
      'a SessionStore (get, set, delete)',
    ),
    sessionMaxAge: optionRules.positive('seconds'),
  } satisfies Record<keyof RefresherOptions, OptionRule>;
})();

const ORIGIN = 'https://grantkit.refresher';
const KEY = 'tokens';
const ENDED = 'ended'; // set at logout: the session never comes back, whoever asks
const isTokenSet = (value: unknown): value is TokenSet =>
  typeof (value as TokenSet | null)?.accessToken === 'string' &&
  typeof (value as TokenSet).expiresAt === 'number';

/**
 * The Durable Object class that serialises a session's refreshes: one object per session id holds the
 * authoritative token set (rotated refresh token included) in its storage, and answers every isolate's
 * "this token expired / was rejected" with one shared renewal. A caller holding a token that was
 * already replaced gets the replacement, with no call to the vendor. Export the class from your Worker
 * and bind it (see `examples/cloudflare-worker/wrangler.toml`).
 *
 * @example
 * ```ts
 * import { sessionRefresher } from '@grantkit/edge/cloudflare';
 * export const SessionRefresher = sessionRefresher((env: Env) => ({
 *   adapter: firstDollarApp({ appId: env.FD_APP_ID, clientId: env.FD_CLIENT_ID, clientSecret: env.FD_CLIENT_SECRET }),
 * }));
 * ```
 */
export function sessionRefresher<Env>(
  configure: (env: Env) => RefresherOptions,
): SessionRefresherClass<Env> {
  if (typeof configure !== 'function')
    throw new ConfigurationError(
      'sessionRefresher: "configure" must be a function (env) => RefresherOptions',
    );
  return class SessionRefresher {
    readonly #state: DurableObjectStateLike;
    readonly #env: Env;
    #client: TokenClient | undefined;
    #sessions: SessionStore | undefined;
    #maxAge = 0; // seconds
    #sid = ''; // the session this object serves (every call names it)
    #busy = 0; // calls in progress: the alarm never drops state under one
    #seeding: Promise<void> | undefined; // first contact: adopt the caller's tokens once
    #adopted: string | undefined; // the access token adopted at first contact (not a renewal: not written to `sessions`)

    constructor(state: DurableObjectStateLike, env: Env) {
      this.#state = state;
      this.#env = env;
    }

    #ended = async () => (await this.#state.storage.get<boolean>(ENDED)) === true;

    #tokenClient(): TokenClient {
      if (this.#client) return this.#client;
      const configured = configure(this.#env);
      checkOptions('sessionRefresher', configured, REFRESHER_RULES);
      const { sessionMaxAge, sessions, ...options } = configured;
      this.#maxAge = sessionMaxAge ?? 30 * 24 * 3600;
      this.#sessions = sessions;
      const storage = this.#state.storage;
      const tokens: TokenStorage = {
        get: async () => {
          const value = await storage.get<TokenSet>(KEY);
          return isTokenSet(value) ? value : undefined;
        },
        set: async (_key, value) => {
          // A logout that arrived while the vendor was answering wins: the renewal is dropped.
          if (await this.#ended())
            throw new ReauthorizationRequiredError('the session has ended (logout)');
          await storage.put(KEY, value);
          await storage.setAlarm?.(Date.now() + this.#maxAge * 1000);
          // Best effort: a failed write leaves the store stale, and isolates holding the stale set
          // are answered the replacement from here.
          if (this.#sessions && this.#sid && value.accessToken !== this.#adopted)
            await this.#sessions
              .set(this.#sid, value, sessionTtl(value, this.#maxAge))
              .catch(() => {});
        },
        delete: async () => void (await storage.delete(KEY)),
      };
      return (this.#client = createTokenClient({ ...options, storage: tokens }));
    }

    async fetch(request: Request): Promise<Response> {
      const { pathname } = new URL(request.url);
      let client: TokenClient;
      try {
        client = this.#tokenClient();
      } catch (error) {
        // A misconfiguration (the options `configure` returned) reaches the isolate by its name.
        return Response.json({ error: errorToJSON(error) }, { status: 500 });
      }
      this.#busy++;
      try {
        if (request.method !== 'POST' || (pathname !== '/renew' && pathname !== '/forget')) {
          return Response.json(
            { error: { code: 'config_invalid', message: 'Unknown refresher call' } },
            { status: 404 },
          );
        }
        if (pathname === '/forget') {
          await this.#state.storage.put(ENDED, true);
          await client.clear();
          await this.#state.storage.setAlarm?.(Date.now() + this.#maxAge * 1000);
          return Response.json({ ok: true });
        }
        const body = (await request.json().catch(() => undefined)) as
          { sid?: unknown; tokens?: unknown } | undefined;
        const caller = body?.tokens;
        if (!isTokenSet(caller) || typeof body?.sid !== 'string') {
          return Response.json(
            {
              error: {
                code: 'config_invalid',
                message: 'A session id and a token set are required',
              },
            },
            { status: 400 },
          );
        }
        this.#sid = body.sid;
        if (await this.#ended())
          throw new ReauthorizationRequiredError('the session has ended (logout)');
        // Adopt the caller's tokens on first contact only (once, however many callers arrive together):
        // once this object holds a set, every renewal went through it, so what else a caller holds is older.
        await (this.#seeding ??= (async () => {
          if (isTokenSet(await this.#state.storage.get<TokenSet>(KEY))) return;
          this.#adopted = caller.accessToken;
          await client.setTokenSet(caller);
        })());
        const held = await this.#state.storage.get<TokenSet>(KEY);
        const mine = isTokenSet(held) ? held : undefined;
        if (!mine) throw new ReauthorizationRequiredError('the session has no tokens');
        const tokens =
          mine.accessToken !== caller.accessToken
            ? await client.getTokenSet() // already replaced: the replacement (renewed only if it expired too)
            : await client.renewAfterRejection(caller.accessToken); // single flight inside this object
        return Response.json({ tokens, stored: this.#sessions !== undefined });
      } catch (error) {
        return Response.json({ error: errorToJSON(error) }, { status: 422 });
      } finally {
        this.#busy--;
      }
    }

    async alarm(): Promise<void> {
      if (this.#busy > 0) {
        await this.#state.storage.setAlarm?.(Date.now() + 60_000);
        return;
      }
      await this.#state.storage.delete(KEY);
      await this.#state.storage.delete(ENDED);
      this.#client = undefined;
      this.#seeding = undefined;
    }
  };
}

/**
 * A `RefreshCoordinator` on the {@link sessionRefresher} Durable Object: each session id maps to one
 * object, which performs that session's renewals one at a time for every isolate.
 *
 * @example
 * ```ts
 * const auth = createAuthHandler({
 *   adapter, secret: env.SESSION_SECRET,
 *   sessions: kvSessionStore(env.SESSIONS, { secret: env.SESSION_SECRET }),
 *   coordinator: durableObjectCoordinator(env.REFRESHER),
 * });
 * ```
 */
export function durableObjectCoordinator(
  namespace: DurableObjectNamespaceLike,
): RefreshCoordinator {
  if (typeof namespace?.get !== 'function' || typeof namespace.idFromName !== 'function') {
    throw new ConfigurationError(
      'durableObjectCoordinator: "namespace" must be a Durable Object namespace binding (get, idFromName), such as env.REFRESHER',
    );
  }
  type Answer = { tokens?: unknown; stored?: unknown; error?: GrantkitErrorJSON };
  const call = async (
    sid: string,
    path: string,
    body: unknown,
    signal?: AbortSignal,
  ): Promise<Answer> => {
    const stub = namespace.get(namespace.idFromName(sid) as never);
    const init: RequestInit = {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    };
    if (signal) init.signal = signal;
    let response: Response;
    try {
      response = await stub.fetch(`${ORIGIN}${path}`, init);
    } catch {
      if (signal?.aborted)
        throw new GrantkitError('timeout', 'The session refresher did not answer in time');
      throw new GrantkitError('network_error', 'The session refresher could not be reached');
    }
    const answer = (await response.json().catch(() => undefined)) as Answer | undefined;
    if (!answer)
      throw new GrantkitError(
        'invalid_response',
        `The session refresher answered ${response.status} without JSON`,
      );
    return answer;
  };
  return {
    async renew(sid, tokens, signal) {
      const answer = await call(sid, '/renew', { sid, tokens }, signal);
      if (isTokenSet(answer.tokens))
        return { tokens: answer.tokens, stored: answer.stored === true };
      throw answer.error
        ? errorFromJSON(answer.error)
        : new GrantkitError('invalid_response', 'The session refresher answered no tokens');
    },
    async forget(sid) {
      const answer = await call(sid, '/forget', {});
      if (answer.error) throw errorFromJSON(answer.error);
    },
  };
}
