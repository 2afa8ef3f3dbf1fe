import { EncryptJWT, jwtDecrypt, base64url } from 'jose';
import type { TokenSet } from '@grantkit/core';

/**
 * The encrypted session: JWE (`dir` + `A256GCM`) with a key derived by HKDF-SHA-256 from each secret.
 * The first secret encrypts; every secret decrypts, so secrets rotate by prepending a new one.
 */
export interface Keyring {
  seal(payload: Record<string, unknown>, maxAgeSeconds: number): Promise<string>;
  open<T extends Record<string, unknown>>(value: string | undefined): Promise<T | undefined>;
}

const encoder = new TextEncoder();

// Imported once as a non-extractable AES-GCM key: jose would otherwise re-import raw bytes on every call.
async function deriveKey(secret: string): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey('raw', encoder.encode(secret), 'HKDF', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: encoder.encode('grantkit/edge'), info: encoder.encode('session cookie v1') },
    material,
    256,
  );
  return crypto.subtle.importKey('raw', bits, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

/** Builds the keyring from secrets of at least 32 bytes each (checked by the handler factory). */
export function createKeyring(secrets: readonly string[]): Keyring {
  const keys = Promise.all(secrets.map(deriveKey));
  return {
    async seal(payload, maxAgeSeconds) {
      const [key] = await keys;
      return new EncryptJWT(payload)
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
        .setIssuedAt()
        .setExpirationTime(`${Math.max(1, Math.floor(maxAgeSeconds))}s`)
        .encrypt(key!);
    },
    async open<T extends Record<string, unknown>>(value: string | undefined) {
      if (!value || value.length > 32_768) return undefined;
      for (const key of await keys) {
        try {
          const { payload } = await jwtDecrypt(value, key, { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] });
          return payload as unknown as T;
        } catch {
          // Wrong key, tampered, truncated or expired: try the next key, then treat as absent.
        }
      }
      return undefined;
    },
  };
}

/** A random session id. */
export const sessionId = (): string => base64url.encode(crypto.getRandomValues(new Uint8Array(18)));

/** What the session cookie holds. Never sent to the browser in clear. */
export interface SessionData extends Record<string, unknown> {
  /** Session id (keys the per-session refresh single flight). */
  sid: string;
  /** The vendor tokens, refresh token included. */
  tokens: TokenSet;
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

/** Cookie jar helpers bound to the configured names and attributes. */
export function cookieJar(options: CookieOptions = {}) {
  const secure = options.secure ?? true;
  const base = `${secure ? '__Host-' : ''}${options.name ?? 'grantkit'}`;
  const attrs = `Path=/; HttpOnly; SameSite=${options.sameSite ?? 'Lax'}${secure ? '; Secure' : ''}`;
  const serialize = (name: string, value: string, maxAge: number) => `${name}=${value}; ${attrs}; Max-Age=${Math.max(0, Math.floor(maxAge))}`;
  return {
    sessionName: base,
    intentName: `${base}-login`,
    /** Reads a possibly chunked cookie (`name`, `name.1`, `name.2`, …). */
    read(cookies: Map<string, string>, name: string): string | undefined {
      let value = cookies.get(name);
      if (value === undefined) return undefined;
      for (let i = 1; i < MAX_CHUNKS && cookies.has(`${name}.${i}`); i++) value += cookies.get(`${name}.${i}`);
      return value;
    },
    /** Set-Cookie values for `value`, chunked over 3800 bytes, clearing stale chunks. */
    write(cookies: Map<string, string>, name: string, value: string, maxAge: number): string[] {
      const parts: string[] = [];
      for (let i = 0; i < value.length; i += CHUNK) parts.push(value.slice(i, i + CHUNK));
      if (parts.length > MAX_CHUNKS) throw new RangeError('Session too large for cookies; use a server-side store');
      const out = parts.map((part, i) => serialize(i === 0 ? name : `${name}.${i}`, part, maxAge));
      for (let i = parts.length; i < MAX_CHUNKS; i++) if (cookies.has(`${name}.${i}`)) out.push(serialize(`${name}.${i}`, '', 0));
      return out;
    },
    /** Set-Cookie values that delete `name` and all its chunks present in the request. */
    clear(cookies: Map<string, string>, name: string): string[] {
      const out = [serialize(name, '', 0)];
      for (let i = 1; i < MAX_CHUNKS; i++) if (cookies.has(`${name}.${i}`)) out.push(serialize(`${name}.${i}`, '', 0));
      return out;
    },
  };
}
