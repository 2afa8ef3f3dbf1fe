import {
  createTokenClient,
  memoryStorage,
  ReauthorizationRequiredError,
  type TokenClient,
  type TokenClientOptions,
  type TokenSet,
} from '@grantkit/core';
import type { EdgeConfig } from './options';
import {
  openedSessions,
  sessionId,
  type CookieJar,
  type Keyring,
  type SessionData,
} from './session';
import { remember, sessionSeconds, sessionTtl } from './store';

/**
 * The sessions of one handler in this isolate: reading and writing them (cookie, and the store when
 * there is one), and one token client per session, so a session's renewals are single-flight here.
 */
export interface SessionRegistry {
  /** The session a request's cookies carry, or `undefined` (none, tampered, expired, past `sessionMaxAge`). */
  read(cookies: Map<string, string>): Promise<SessionData | undefined>;
  /**
   * Set-Cookie values for a session; with a store, the tokens go there and the cookie holds the id.
   * The cookie lives until `sessionMaxAge` after the login (or the refresh token's end), however often
   * it is rewritten; past that, the values clear it.
   */
  write(cookies: Map<string, string>, data: SessionData): Promise<string[]>;
  /** The token client of a session, holding the newer of its own tokens and the request's. */
  clientFor(session: SessionData): Promise<TokenClient>;
  /**
   * Exchanges an authorization code into a new session; with `cid` (the app's connection id, option
   * `vault`), files the tokens into the vault and the session renews through it.
   */
  exchange(code: string, codeVerifier: string | undefined, cid?: string): Promise<SessionData>;
  /** Ends a session here, in the store and at the coordinator; their failures are reported, not thrown. */
  forget(sid: string): Promise<void>;
}

/** A session's token client in this isolate, and the access tokens it has seen replaced. */
interface SessionClient {
  client: TokenClient;
  current: string | undefined;
  retired: string[];
}

/** What a session cookie seals: the id, the login time (seconds), and without a store the tokens. */
interface SessionClaims extends Record<string, unknown> {
  sid: string;
  auth_time: number;
  tokens?: TokenSet;
  /** The vault connection the session's tokens are filed under (option `vault`). */
  cid?: string;
  iat?: number;
  exp?: number;
}

/** `session`, with `cid` when it is a vault connection id (a string). */
const withCid = (session: SessionData, cid: unknown): SessionData =>
  typeof cid === 'string' ? { ...session, cid } : session;

/** Builds the {@link SessionRegistry} of a handler. */
export function createSessionRegistry(
  config: EdgeConfig,
  keyring: Keyring,
  jar: CookieJar,
  report: (error: unknown) => void,
): SessionRegistry {
  const { adapter, sessions, coordinator, sessionMaxAge: maxAge } = config;
  const clients = new Map<string, SessionClient>();
  const written = new Map<string, string>(); // sid → the access token known to be in `sessions`
  const ended = new Map<string, true>(); // sessions this isolate logged out

  const opened = openedSessions();
  /** A session cookie's payload, if it opens as a session and is within `sessionMaxAge` of its login. */
  const openSession = async (
    value: string | undefined,
    now = Date.now(),
  ): Promise<{ sid: string; tokens?: TokenSet; authTime: number; cid: unknown } | undefined> => {
    if (!value) return undefined;
    const cached = opened.get(value, now) as Partial<SessionClaims> | undefined;
    const data = cached ?? (await keyring.open<Partial<SessionClaims>>('session', value));
    if (typeof data?.sid !== 'string') return undefined;
    // Sealed before the login time was kept: its last seal is the best bound there is.
    const authTime = (typeof data.auth_time === 'number' ? data.auth_time : (data.iat ?? 0)) * 1000;
    if (authTime + maxAge * 1000 <= now) return undefined;
    // Kept once, when opened (a hit is already there until its `exp`).
    if (!cached && typeof data.exp === 'number') opened.set(value, data, data.exp * 1000);
    return { sid: data.sid, tokens: data.tokens, authTime, cid: data.cid };
  };

  /**
   * Puts a session's tokens in the store: once per token set per isolate (KV takes ~1 write/s per
   * key), never after this isolate ended the session (a renewal that raced the logout), and not when
   * the coordinator has stored them already.
   */
  const persist = async (sid: string, tokens: TokenSet, authTime: number) => {
    if (!sessions || written.get(sid) === tokens.accessToken || ended.has(sid)) return;
    await sessions.set(sid, tokens, sessionTtl(tokens, maxAge, authTime));
    remember(written, sid, tokens.accessToken);
  };
  // A coordinator's answer must not wait forever: a stuck renewal would hold the session's single flight.
  const renewDeadline = config.timeout * ((config.retry.limit ?? 2) + 2);

  /** The vault connection a session is filed under, when the handler has a vault. */
  const cidOf = (session: SessionData): string | undefined =>
    config.vault && typeof session.cid === 'string' ? session.cid : undefined;

  /** A session's token client; `authTime` (its login, ms) bounds the store TTL of its renewals. */
  const newClient = (sid: string, authTime: number, cid?: string): SessionClient => {
    const entry = { current: undefined, retired: [] as string[] } as SessionClient;
    const clientOptions: TokenClientOptions = {
      adapter,
      timeout: config.timeout,
      retry: config.retry,
      // Which access tokens this client has replaced: a request still carrying one is older, not newer.
      onTokens: ({ accessToken }) => {
        if (entry.current !== undefined && entry.current !== accessToken)
          entry.retired = [entry.current, ...entry.retired.slice(0, 7)];
        entry.current = accessToken;
      },
      // With a store, a token set another isolate stored is adopted instead of refreshing again.
      // A failed store write is reported, not thrown: the renewed tokens still serve this request.
      storage: sessions
        ? // delete: the session ends in forget(), which also tells the coordinator; deleting here too would be a second store call.
          {
            get: () => sessions.get(sid),
            set: (_key, tokens) => persist(sid, tokens, authTime).catch(report),
            delete: () => {},
          }
        : memoryStorage(),
    };
    if (config.fetch) clientOptions.fetch = config.fetch;
    if (config.telemetry) clientOptions.telemetry = config.telemetry;
    if (coordinator) {
      clientOptions.renew = async (tokens, signal) => {
        if (!tokens) throw new ReauthorizationRequiredError('the session has no tokens');
        const result = await coordinator.renew(
          sid,
          tokens,
          signal ?? AbortSignal.timeout(renewDeadline),
        );
        if (result.stored) remember(written, sid, result.tokens.accessToken);
        return result.tokens;
      };
    }
    if (cid !== undefined && config.vault) {
      // One token lineage: the session adopts the connection's newer set, or renews it through the
      // vault (once across processes, with its health), never behind a background job's back.
      const { vault } = config.vault;
      clientOptions.renew = async (tokens, signal) => {
        const connection = vault.client(cid);
        const opts = signal ? { signal } : {};
        const current = await connection.getTokenSet(opts);
        if (!tokens || current.accessToken !== tokens.accessToken) return current;
        return connection.renewAfterRejection(tokens.accessToken, opts);
      };
    }
    entry.client = createTokenClient(clientOptions);
    return entry;
  };

  return {
    async read(cookies) {
      const data = await openSession(jar.read(cookies, jar.sessionName));
      if (!data) return undefined;
      const tokens = sessions ? await sessions.get(data.sid) : data.tokens;
      if (typeof tokens?.accessToken !== 'string') return undefined;
      return withCid({ sid: data.sid, tokens, authTime: data.authTime }, data.cid);
    },

    async write(cookies, data) {
      const age = sessionSeconds(data.tokens, maxAge, Date.now(), data.authTime);
      if (age < 1) return jar.clear(cookies, jar.sessionName);
      await persist(data.sid, data.tokens, data.authTime);
      const auth_time = Math.floor(data.authTime / 1000);
      const claims: SessionClaims = sessions
        ? { sid: data.sid, auth_time }
        : { sid: data.sid, tokens: data.tokens, auth_time };
      const cid = cidOf(data);
      if (cid !== undefined) claims.cid = cid;
      return jar.write(cookies, jar.sessionName, await keyring.seal('session', claims, age), age);
    },

    async clientFor(session) {
      let entry = clients.get(session.sid);
      if (!entry)
        remember(
          clients,
          session.sid,
          (entry = newClient(session.sid, session.authTime, cidOf(session))),
        );
      const { accessToken } = session.tokens;
      // The request's tokens are newer (renewed in another isolate) unless this client replaced them
      // itself (a request that raced a renewal): then they are older and the client keeps its own.
      if (accessToken !== entry.current && !entry.retired.includes(accessToken)) {
        if (sessions) remember(written, session.sid, accessToken); // read from the store: no need to write it back
        await entry.client.setTokenSet(session.tokens);
      }
      return entry.client;
    },

    async exchange(code, codeVerifier, cid) {
      const sid = sessionId();
      const authTime = Date.now();
      const filed = cid !== undefined && config.vault ? cid : undefined;
      const entry = newClient(sid, authTime, filed);
      const tokens = await entry.client.exchangeCode(
        code,
        codeVerifier === undefined ? {} : { codeVerifier },
      );
      if (filed !== undefined) await config.vault!.vault.put(filed, tokens);
      remember(clients, sid, entry);
      return withCid({ sid, tokens, authTime }, filed);
    },

    async forget(sid) {
      remember(ended, sid, true);
      clients.delete(sid);
      written.delete(sid);
      const drops = [sessions?.delete(sid), coordinator?.forget?.(sid)];
      for (const result of await Promise.allSettled(drops))
        if (result.status === 'rejected') report(result.reason);
    },
  };
}
