import { ConfigurationError } from '../errors';

/**
 * Seals values at rest: AES-256-GCM through WebCrypto, one key per secret derived by HKDF-SHA-256,
 * the storage key's name as additional authenticated data (a value moved to another key does not
 * open). The first secret seals; every secret opens, so secrets rotate by prepending a new one.
 *
 * Format: `gk1.<key id>.<iv>.<ciphertext>` (base64url; the key id is 6 bytes derived from the secret,
 * so opening tries the right key first; nothing else is in clear).
 *
 * @example
 * ```ts
 * const sealer = createSealer([process.env.TOKEN_SECRET!, process.env.OLD_TOKEN_SECRET!]);
 * const value = await sealer.seal('grantkit:session:abc', { t: tokens });
 * const back = await sealer.open('grantkit:session:abc', value); // { t: tokens }
 * ```
 */
export interface Sealer {
  seal(name: string, data: unknown): Promise<string>;
  /** The data, or `undefined` when the value is not sealed by one of the secrets for this name. */
  open(name: string, value: string): Promise<unknown>;
}

/** The prefix of every sealed value (a value without it was written unsealed, by an older version). */
export const SEALED_PREFIX = 'gk1.';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const b64 = (bytes: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};
const unb64 = (text: string): Uint8Array<ArrayBuffer> | undefined => {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
};

interface Key {
  id: string;
  key: CryptoKey;
}

async function derive(secret: string): Promise<Key> {
  const material = await crypto.subtle.importKey('raw', encoder.encode(secret), 'HKDF', false, [
    'deriveBits',
  ]);
  const bits = (info: string, length: number) =>
    crypto.subtle.deriveBits(
      {
        name: 'HKDF',
        hash: 'SHA-256',
        salt: encoder.encode('grantkit/store'),
        info: encoder.encode(info),
      },
      material,
      length,
    );
  const [raw, id] = await Promise.all([
    bits('grantkit shared store v1', 256),
    bits('grantkit shared store key id v1', 48),
  ]);
  return {
    id: b64(new Uint8Array(id)),
    key: await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']),
  };
}

/**
 * Normalises the `secret` option of a store: one or more strings of at least 32 bytes (else a
 * `config_invalid` error).
 *
 * @example
 * ```ts
 * const secrets = secretsOf([process.env.TOKEN_SECRET!, process.env.OLD_TOKEN_SECRET!]); // string[]
 * ```
 */
export function secretsOf(
  secret: string | readonly string[] | undefined,
  what = 'secret',
): string[] {
  const secrets = typeof secret === 'string' ? [secret] : [...(secret ?? [])];
  if (
    secrets.length === 0 ||
    secrets.some((s) => typeof s !== 'string' || encoder.encode(s).length < 32)
  ) {
    throw new ConfigurationError(
      `${what} must be at least 32 bytes (generate one with \`openssl rand -base64 32\`)`,
    );
  }
  return secrets;
}

/**
 * Creates a {@link Sealer} from one secret or a rotation list (newest first), each at least 32 bytes.
 *
 * @example
 * ```ts
 * const sealer = createSealer(process.env.TOKEN_SECRET!);
 * ```
 */
export function createSealer(secret: string | readonly string[]): Sealer {
  const keys = Promise.all(secretsOf(secret).map(derive));
  return {
    async seal(name, data) {
      const [first] = await keys;
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const plain = encoder.encode(JSON.stringify(data));
      const sealed = await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData: encoder.encode(name) },
        first!.key,
        plain,
      );
      return `${SEALED_PREFIX}${first!.id}.${b64(iv)}.${b64(new Uint8Array(sealed))}`;
    },
    async open(name, value) {
      if (typeof value !== 'string' || !value.startsWith(SEALED_PREFIX)) return undefined;
      const [id, ivText, body] = value.slice(SEALED_PREFIX.length).split('.');
      const iv = unb64(ivText ?? '');
      const sealed = unb64(body ?? '');
      if (!iv || iv.length !== 12 || !sealed) return undefined;
      const all = await keys;
      // The key whose id matches first, then the others (an id is a hint, not a proof).
      for (const { key } of [
        ...all.filter((k) => k.id === id),
        ...all.filter((k) => k.id !== id),
      ]) {
        try {
          const plain = await crypto.subtle.decrypt(
            { name: 'AES-GCM', iv, additionalData: encoder.encode(name) },
            key,
            sealed,
          );
          return JSON.parse(decoder.decode(plain)) as unknown;
        } catch {
          // Another key, a tampered value or one sealed for another name: try the next key.
        }
      }
      return undefined;
    },
  };
}
