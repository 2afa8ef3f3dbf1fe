/**
 * A real session cookie from a login, bit-flipped, truncated, re-chunked, forged under another key,
 * or replaced by random strings → GET session, the proxy and POST refresh. Invariant: never
 * authenticated, never a 500; the API routes answer 401 JSON `unauthenticated`.
 */
import fc from 'fast-check';
import { EncryptJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { counted, params, timeout } from './support';
import { createHarness, SAME, SESSION_COOKIE, type Answer } from './edge-harness';

const h = createHarness();
let real = '';
let realCookies = new Map<string, string>();

beforeAll(async () => {
  realCookies = await h.loggedIn();
  real = realCookies.get(SESSION_COOKIE)!;
  expect(real.split('.')).toHaveLength(5); // JWE compact: header . (empty key) . iv . ciphertext . tag
});
afterAll(() => console.info('fuzz cases:', Object.fromEntries(counted)));

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const unb64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64url'));
/** Whether two cookie values decode to the same JWE (a flip in a base64 char's unused bits changes nothing). */
const sameJwe = (a: string, b: string) => {
  const x = a.split('.');
  const y = b.split('.');
  return (
    x.length === y.length &&
    x.every(
      (s, i) => /^[A-Za-z0-9_-]*$/.test(y[i]!) && Buffer.compare(unb64(s), unb64(y[i]!)) === 0,
    )
  );
};

/** A valid-looking cookie value: visible ASCII without the cookie separators. */
const cookieChars = fc.string({
  unit: fc
    .integer({ min: 0x21, max: 0x7e })
    .filter((c) => c !== 0x3b && c !== 0x2c)
    .map((c) => String.fromCharCode(c)),
  maxLength: 200,
});
/** Anything a Cookie header may carry (Latin-1, no CR/LF/NUL). */
const headerChars = fc.string({
  unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)),
  maxLength: 300,
});

type Mutation = { cookie: string; note: string };

const byteFlip = fc
  .record({
    seg: fc.integer({ min: 0, max: 4 }),
    at: fc.nat(),
    bit: fc.integer({ min: 0, max: 7 }),
    extra: fc.uint8Array({ minLength: 1, maxLength: 16 }),
  })
  .map(({ seg, at, bit, extra }): Mutation => {
    const parts = real.split('.');
    const bytes = unb64(parts[seg]!);
    if (bytes.length === 0)
      parts[seg] = b64(extra); // the empty encrypted key of `dir`: put bytes there
    else {
      bytes[at % bytes.length]! ^= 1 << bit;
      parts[seg] = b64(bytes);
    }
    return { cookie: `${SESSION_COOKIE}=${parts.join('.')}`, note: `byte flip seg ${seg}` };
  });

const charFlip = fc
  .record({ at: fc.nat(), bit: fc.integer({ min: 0, max: 6 }) })
  .map(({ at, bit }): Mutation => {
    const i = at % real.length;
    let c = real.charCodeAt(i) ^ (1 << bit);
    if (c < 0x21 || c > 0x7e || c === 0x3b || c === 0x2c) c = 0x41 + (c % 26);
    return {
      cookie: `${SESSION_COOKIE}=${real.slice(0, i)}${String.fromCharCode(c)}${real.slice(i + 1)}`,
      note: 'char flip',
    };
  });

const truncated = fc.nat().map((n): Mutation => ({
  cookie: `${SESSION_COOKIE}=${real.slice(0, n % real.length)}`,
  note: 'truncated',
}));
const extended = cookieChars
  .filter((s) => s.length > 0)
  .map((s): Mutation => ({ cookie: `${SESSION_COOKIE}=${real}${s}`, note: 'extended' }));
const randomValue = cookieChars.map((s): Mutation => ({
  cookie: `${SESSION_COOKIE}=${s}`,
  note: 'random value',
}));
const randomHeader = headerChars.map((s): Mutation => ({ cookie: s, note: 'random header' }));
const segments = fc
  .array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 7 })
  .map((order): Mutation => {
    const parts = real.split('.');
    return {
      cookie: `${SESSION_COOKIE}=${order.map((i) => parts[i]).join('.')}`,
      note: 'segments reordered',
    };
  });

/** The real value split over chunks (`name`, `name.1`, …) and then broken: a chunk dropped, garbled or added. */
const chunked = fc
  .record({
    cuts: fc.uniqueArray(fc.integer({ min: 1, max: 10_000 }), { minLength: 1, maxLength: 6 }),
    how: fc.constantFrom('drop', 'garble', 'extra', 'gap', 'swap'),
    pick: fc.nat(),
    junk: cookieChars.filter((s) => s.length > 0),
  })
  .map(({ cuts, how, pick, junk }): Mutation => {
    const points = [...new Set(cuts.map((c) => c % real.length))]
      .filter((c) => c > 0)
      .sort((a, b) => a - b);
    const chunks: string[] = [];
    let from = 0;
    for (const p of [...points, real.length]) {
      chunks.push(real.slice(from, p));
      from = p;
    }
    const name = (i: number) => (i === 0 ? SESSION_COOKIE : `${SESSION_COOKIE}.${i}`);
    let pairs = chunks.map((c, i): [string, string] => [name(i), c]);
    const k = pick % pairs.length;
    if (how === 'drop' && pairs.length > 1) pairs = pairs.filter((_, i) => i !== (k || 1));
    else if (how === 'garble') pairs[k] = [pairs[k]![0], `${junk}${pairs[k]![1]}`];
    else if (how === 'gap' && pairs.length > 1)
      pairs = pairs.map(([n, v], i) => [i === 0 ? n : `${SESSION_COOKIE}.${i + 1}`, v]);
    else if (how === 'swap' && pairs.length > 1 && pairs[0]![1] !== pairs[1]![1])
      pairs = [[pairs[0]![0], pairs[1]![1]], [pairs[1]![0], pairs[0]![1]], ...pairs.slice(2)];
    else if (pairs.length < 8) pairs.push([name(pairs.length), junk]);
    else pairs[0] = [pairs[0]![0], `${junk}${pairs[0]![1]}`];
    return { cookie: pairs.map(([n, v]) => `${n}=${v}`).join('; '), note: `chunked ${how}` };
  });

/** A broken cookie sent before the real one: the first occurrence wins. */
const shadowed = fc.oneof(byteFlip, truncated, randomValue).map((m): Mutation => ({
  cookie: `${m.cookie}; ${SESSION_COOKIE}=${real}`,
  note: `${m.note}, shadowing the real one`,
}));

/** A well-formed JWE sealed under a key the server does not have (a forged session). */
const forged = fc
  .record({
    key: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    enc: fc.constantFrom('A256GCM', 'A128GCM'),
    exp: fc.integer({ min: 60, max: 1e6 }),
  })
  .map(async ({ key, enc, exp }): Promise<Mutation> => {
    const jwe = await new EncryptJWT({
      sid: 'forged',
      tokens: {
        accessToken: 'forged-token',
        tokenType: 'Bearer',
        expiresAt: Date.now() + 3_600_000,
      },
    })
      .setProtectedHeader({ alg: 'dir', enc })
      .setExpirationTime(`${exp}s`)
      .encrypt(enc === 'A128GCM' ? key.slice(0, 16) : key);
    return { cookie: `${SESSION_COOKIE}=${jwe}`, note: `forged ${enc}` };
  });

const mutation = fc.oneof(
  { weight: 4, arbitrary: byteFlip.map(async (m) => m) },
  { weight: 3, arbitrary: charFlip.map(async (m) => m) },
  { weight: 2, arbitrary: truncated.map(async (m) => m) },
  { weight: 1, arbitrary: extended.map(async (m) => m) },
  { weight: 1, arbitrary: randomValue.map(async (m) => m) },
  { weight: 1, arbitrary: randomHeader.map(async (m) => m) },
  { weight: 1, arbitrary: segments.map(async (m) => m) },
  { weight: 3, arbitrary: chunked.map(async (m) => m) },
  { weight: 1, arbitrary: shadowed.map(async (m) => m) },
  { weight: 1, arbitrary: forged },
);

/** The session value the handler would assemble from a Cookie header (first occurrence, `name.N` chunks). */
function assembled(header: string): string | undefined {
  const map = new Map<string, string>();
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const n = part.slice(0, eq).trim();
    if (!map.has(n)) map.set(n, part.slice(eq + 1).trim());
  }
  let value = map.get(SESSION_COOKIE);
  if (value === undefined) return undefined;
  for (let i = 1; i < 8 && map.has(`${SESSION_COOKIE}.${i}`); i++)
    value += map.get(`${SESSION_COOKIE}.${i}`);
  return value;
}

const setsSession = (res: Answer) =>
  res.setCookies.some(
    (c) => c.startsWith(`${SESSION_COOKIE}=`) && !c.startsWith(`${SESSION_COOKIE}=;`),
  );

describe('tampered session cookies', () => {
  it('the real cookie is a session (the control: the properties below can fail)', async () => {
    const cookie = h.cookieHeader(realCookies);
    expect(JSON.parse((await h.call(h.fd, '/auth/session', { cookie })).text).authenticated).toBe(
      true,
    );
    expect(
      (
        await h.call(h.fd, '/api/graphql', {
          method: 'POST',
          cookie,
          headers: SAME,
          body: '{"query":"query { ping }"}',
        })
      ).status,
    ).toBe(200);
  });

  it(
    'GET session, the proxy and POST refresh: not logged in, 401 JSON on the API routes, never a 500',
    async () => {
      await fc.assert(
        fc.asyncProperty(mutation, async (pending) => {
          const { cookie } = await pending;
          const value = assembled(cookie);
          // A change only in a base64 character's unused bits leaves the same JWE: not a tampering.
          fc.pre(value === undefined || !sameJwe(real, value));

          const session = await h.call(h.fd, '/auth/session', { cookie });
          expect(session.status, session.text).toBe(200);
          expect(JSON.parse(session.text)).toEqual({ authenticated: false });

          const api = await h.call(h.fd, '/api/graphql', {
            method: 'POST',
            cookie,
            headers: SAME,
            body: '{"query":"query { ping }"}',
          });
          expect(api.status, api.text).toBe(401);
          h.assertJsonError(api);
          expect(JSON.parse(api.text).error).toBe('unauthenticated');

          const refresh = await h.call(h.fd, '/auth/refresh', {
            method: 'POST',
            cookie,
            headers: SAME,
          });
          expect(refresh.status, refresh.text).toBe(401);
          h.assertJsonError(refresh);
          for (const res of [session, api, refresh]) {
            expect(setsSession(res)).toBe(false);
            h.assertNoSecret(res);
          }
        }),
        params('tampered session cookie', 1000),
      );
    },
    timeout,
  );
});
