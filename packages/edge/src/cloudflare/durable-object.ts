import { GrantkitError, createTokenClient, type TokenClient, type TokenClientOptions, type TokenSet, type TokenStorage } from '@grantkit/core';
import { fromErrorPayload, toErrorPayload, type ErrorPayload, type RefreshCoordinator } from '../store';

/**
 * The subset of a Durable Object namespace binding grantkit uses.
 *
 * @example
 * ```ts
 * const namespace: DurableObjectNamespaceLike = env.REFRESHER;
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
 * const options: RefresherOptions = { adapter: firstDollarApp({ appId, clientId, clientSecret }), timeout: 5000 };
 * ```
 */
export type RefresherOptions = Omit<TokenClientOptions, 'storage' | 'key' | 'renew' | 'signal'> & {
  /** Drop a session's tokens this long after its last renewal, seconds. @default 2592000 (30 days) */
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

const ORIGIN = 'https://grantkit.refresher';
const KEY = 'tokens';
const isTokenSet = (value: unknown): value is TokenSet =>
  typeof (value as TokenSet | null)?.accessToken === 'string' && typeof (value as TokenSet).expiresAt === 'number';

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
export function sessionRefresher<Env>(configure: (env: Env) => RefresherOptions): SessionRefresherClass<Env> {
  return class SessionRefresher {
    readonly #state: DurableObjectStateLike;
    readonly #env: Env;
    #client: TokenClient | undefined;
    #maxAge = 0;

    constructor(state: DurableObjectStateLike, env: Env) {
      this.#state = state;
      this.#env = env;
    }

    #tokenClient(): TokenClient {
      if (this.#client) return this.#client;
      const { sessionMaxAge, ...options } = configure(this.#env);
      this.#maxAge = (sessionMaxAge ?? 30 * 24 * 3600) * 1000;
      const storage = this.#state.storage;
      const tokens: TokenStorage = {
        get: async () => {
          const value = await storage.get<TokenSet>(KEY);
          return isTokenSet(value) ? value : undefined;
        },
        set: async (_key, value) => {
          await storage.put(KEY, value);
          await storage.setAlarm?.(Date.now() + this.#maxAge);
        },
        delete: async () => void (await storage.delete(KEY)),
      };
      return (this.#client = createTokenClient({ ...options, storage: tokens }));
    }

    async fetch(request: Request): Promise<Response> {
      const { pathname } = new URL(request.url);
      const client = this.#tokenClient();
      try {
        if (request.method === 'POST' && pathname === '/forget') {
          await client.clear();
          return Response.json({ ok: true });
        }
        if (request.method !== 'POST' || pathname !== '/renew') return Response.json({ error: { code: 'config_invalid', message: 'Unknown refresher call' } }, { status: 404 });
        const body = (await request.json().catch(() => undefined)) as { tokens?: unknown } | undefined;
        const caller = body?.tokens;
        if (!isTokenSet(caller)) return Response.json({ error: { code: 'config_invalid', message: 'A token set is required' } }, { status: 400 });
        const mine = await this.#state.storage.get<TokenSet>(KEY);
        // First contact, or the caller holds newer tokens than this object (a fresh login): adopt them.
        if (!isTokenSet(mine) || caller.expiresAt > mine.expiresAt) await client.setTokenSet(caller);
        const tokens =
          isTokenSet(mine) && mine.accessToken !== caller.accessToken && caller.expiresAt <= mine.expiresAt
            ? await client.getTokenSet() // already replaced: the replacement (renewed only if it has expired too)
            : await client.renewAfterRejection(caller.accessToken); // single flight inside this object
        return Response.json({ tokens });
      } catch (error) {
        return Response.json({ error: toErrorPayload(error) }, { status: 422 });
      }
    }

    async alarm(): Promise<void> {
      await this.#state.storage.delete(KEY);
      this.#client = undefined;
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
 *   sessions: kvSessionStore(env.SESSIONS),
 *   coordinator: durableObjectCoordinator(env.REFRESHER),
 * });
 * ```
 */
export function durableObjectCoordinator(namespace: DurableObjectNamespaceLike): RefreshCoordinator {
  const call = async (sid: string, path: string, body: unknown, signal?: AbortSignal): Promise<{ tokens?: unknown; error?: ErrorPayload }> => {
    const stub = namespace.get(namespace.idFromName(sid) as never);
    const init: RequestInit = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    if (signal) init.signal = signal;
    let response: Response;
    try {
      response = await stub.fetch(`${ORIGIN}${path}`, init);
    } catch {
      throw new GrantkitError('network_error', 'The session refresher could not be reached');
    }
    const answer = (await response.json().catch(() => undefined)) as { tokens?: unknown; error?: ErrorPayload } | undefined;
    if (!answer) throw new GrantkitError('invalid_response', `The session refresher answered ${response.status} without JSON`);
    return answer;
  };
  return {
    async renew(sid, tokens, signal) {
      const answer = await call(sid, '/renew', { tokens }, signal);
      if (isTokenSet(answer.tokens)) return answer.tokens;
      throw answer.error ? fromErrorPayload(answer.error) : new GrantkitError('invalid_response', 'The session refresher answered no tokens');
    },
    async forget(sid) {
      await call(sid, '/forget', {});
    },
  };
}
