import { EncryptJWT, jwtDecrypt } from 'jose';
import { ConfigurationError, randomState, type TokenSet } from '@grantkit/core';

/**
 * What a sealed value is for. Each purpose has its own key, so a value sealed for one cannot be opened
 * as another: a session cookie is no login intent, a login intent no session.
 */
export type SealPurpose = 'session' | 'login';

/**
 * The encrypted cookies: JWE (`dir` + `A256GCM`) with a key derived by HKDF-SHA-256 from each secret
 * and the purpose. The first secret encrypts; every secret decrypts, so secrets rotate by prepending
 * a new one.
 */
export interface Keyring {
  seal(
    purpose: SealPurpose,
    payload: Record<string, unknown>,
    maxAgeSeconds: number,
  ): Promise<string>;
  open<T extends Record<string, unknown>>(
    purpose: SealPurpose,
    value: string | undefined,
  ): Promise<T | undefined>;
}

const encoder = new TextEncoder();
// HKDF `info` per purpose. The session's is the one every session was sealed with before purposes
// existed, so sessions survive the upgrade; login intents (10 minutes) simply start again.
const INFO: Readonly<Record<SealPurpose, string>> = {
  session: 'session cookie v1',
  login: 'login intent v1',
};

// Imported once as a non-extractable AES-GCM key: jose would otherwise re-import raw bytes on every call.
async function deriveKey(secret: string, purpose: SealPurpose): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey('raw', encoder.encode(secret), 'HKDF', false, [
    'deriveBits',
  ]);
  const bits = await crypto.subtle.deriveBits(
    {
      name: 'HKDF',
      hash: 'SHA-256',
      salt: encoder.encode('grantkit/edge'),
      info: encoder.encode(INFO[purpose]),
    },
    material,
    256,
  );
  return crypto.subtle.importKey('raw', bits, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

/** Builds the keyring from secrets of at least 32 bytes each (checked by the handler factory). */
export function createKeyring(secrets: readonly string[]): Keyring {
  const derive = (purpose: SealPurpose) => Promise.all(secrets.map((s) => deriveKey(s, purpose)));
  const keys = { session: derive('session'), login: derive('login') };
  return {
    async seal(purpose, payload, maxAgeSeconds) {
      const [key] = await keys[purpose];
      return new EncryptJWT(payload)
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
        .setIssuedAt()
        .setExpirationTime(`${Math.max(1, Math.floor(maxAgeSeconds))}s`)
        .encrypt(key!);
    },
    async open<T extends Record<string, unknown>>(purpose: SealPurpose, value: string | undefined) {
      if (!value || value.length > 32_768) return undefined;
      for (const key of await keys[purpose]) {
        try {
          const { payload } = await jwtDecrypt(value, key, {
            keyManagementAlgorithms: ['dir'],
            contentEncryptionAlgorithms: ['A256GCM'],
          });
          return payload as unknown as T;
        } catch {
          // Wrong key, tampered, truncated or expired: try the next key, then treat as absent.
        }
      }
      return undefined;
    },
  };
}

/** A random session id: 18 random bytes, base64url. */
export const sessionId = (): string => randomState(18);

/** What the session cookie holds. Never sent to the browser in clear. */
export interface SessionData extends Record<string, unknown> {
  /** Session id (keys the per-session refresh single flight). */
  sid: string;
  /** The vendor tokens, refresh token included. */
  tokens: TokenSet;
  /** When the user logged in, ms since epoch: `sessionMaxAge` counts from here, renewals do not extend it. */
  authTime: number;
}

/* ------------------------------------------------------------------ cookies */

/**
 * Cookie attributes the handler writes.
 *
 * @example
 * ```ts
 * // plain-http local development only: no Secure, so no __Host- prefix
 * const auth = createAuthHandler({ adapter, secret, cookie: { secure: false } });
 * ```
 */
export interface CookieOptions {
  /** Base name; gets the `__Host-` prefix when `secure`. @default 'grantkit' */
  name?: string;
  /** `Secure` and the `__Host-` prefix. Turn off only for plain-http local development. @default true */
  secure?: boolean;
  /** `SameSite`. `Lax` lets the vendor's redirect back carry the login-intent cookie. @default 'Lax' */
  sameSite?: 'Strict' | 'Lax';
}

const CHUNK = 3800;
/** Chunks read and cleared: as many as any version ever wrote. */
const MAX_CHUNKS = 8;

/** Parses a Cookie header into a map (first occurrence wins). */
export function parseCookies(header: string | null): Map<string, string> {
  const map = new Map<string, string>();
  if (!header) return map;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!map.has(name)) map.set(name, part.slice(eq + 1).trim());
  }
  return map;
}

/** Cookie names, attributes and chunking of a handler (see {@link cookieJar}). */
export type CookieJar = ReturnType<typeof cookieJar>;

/** Cookie jar helpers bound to the configured names and attributes. */
export function cookieJar(options: CookieOptions = {}) {
  const secure = options.secure ?? true;
  const base = `${secure ? '__Host-' : ''}${options.name ?? 'grantkit'}`;
  const attrs = `Path=/; HttpOnly; SameSite=${options.sameSite ?? 'Lax'}${secure ? '; Secure' : ''}`;
  const serialize = (name: string, value: string, maxAge: number) =>
    `${name}=${value}; ${attrs}; Max-Age=${Math.max(0, Math.floor(maxAge))}`;
  const sessionName = base;
  /** Adds to `out` the Set-Cookie values deleting the chunks `from`… of `name` the request carries. */
  const stale = (cookies: Map<string, string>, name: string, from: number, out: string[]) => {
    for (let i = from; i < MAX_CHUNKS; i++)
      if (cookies.has(`${name}.${i}`)) out.push(serialize(`${name}.${i}`, '', 0));
    return out;
  };
  return {
    sessionName,
    intentName: `${base}-login`,
    /** Reads a possibly chunked cookie (`name`, `name.1`, `name.2`, …). */
    read(cookies: Map<string, string>, name: string): string | undefined {
      let value = cookies.get(name);
      if (value === undefined) return undefined;
      for (let i = 1; i < MAX_CHUNKS && cookies.has(`${name}.${i}`); i++)
        value += cookies.get(`${name}.${i}`);
      return value;
    },
    /**
     * Set-Cookie values for `value`, chunked over 3800 bytes (a session: 2 chunks at most, a login
     * intent: 1), clearing stale chunks the request carries.
     */
    write(cookies: Map<string, string>, name: string, value: string, maxAge: number): string[] {
      const parts: string[] = [];
      for (let i = 0; i < value.length; i += CHUNK) parts.push(value.slice(i, i + CHUNK));
      // Chunks written per cookie: the edge's own cookies stay under ~11.4 KB in all (a 2-chunk session
      // and a 1-chunk login intent), well inside the 16 KiB request header block of Node's default, so
      // nothing the edge writes can make a browser's every request too large for the site.
      if (parts.length > (name === sessionName ? 2 : 1)) {
        throw new ConfigurationError(
          'The session is too large for cookies: use a server-side store (`sessions`)',
        );
      }
      const out = parts.map((part, i) => serialize(i === 0 ? name : `${name}.${i}`, part, maxAge));
      return stale(cookies, name, parts.length, out);
    },
    /** Set-Cookie values that delete `name` and all its chunks present in the request. */
    clear(cookies: Map<string, string>, name: string): string[] {
      return stale(cookies, name, 1, [serialize(name, '', 0)]);
    },
  };
}

/* ------------------------------------------------------------------ opened sessions */

/**
 * Opened session cookies, by their exact value, until their `exp`: a browser sends the same cookie on
 * every request, and decrypting it each time was most of the proxy's overhead. Its keys are cookie
 * values an attacker chooses, so it is bounded in bytes (the oldest entry goes first), not only in
 * entries, and it holds sessions only (the caller checks before `set`).
 */
export function openedSessions(maxBytes = 4 * 1024 * 1024) {
  const map = new Map<string, { data: Record<string, unknown>; until: number }>();
  let bytes = 0;
  const drop = (value: string) => {
    if (map.delete(value)) bytes -= value.length;
  };
  return {
    get(value: string, now = Date.now()): Record<string, unknown> | undefined {
      const hit = map.get(value);
      if (hit && hit.until > now) return hit.data;
      if (hit) drop(value);
      return undefined;
    },
    set(value: string, data: Record<string, unknown>, until: number): void {
      drop(value);
      while (bytes + value.length > maxBytes && map.size > 0)
        drop(map.keys().next().value as string);
      if (value.length > maxBytes) return;
      map.set(value, { data, until });
      bytes += value.length;
    },
    /** Bytes of cookie values held (for tests). */
    get bytes() {
      return bytes;
    },
  };
}
