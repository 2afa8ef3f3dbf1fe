// (4b) The edge session cookie's seal and unseal, built the way packages/edge/src/session.ts builds them
// (that keyring is internal to @grantkit/edge): key = HKDF-SHA-256(secret, salt 'grantkit/edge',
// info 'session cookie v1'), 256 bits; JWE compact, `dir` + `A256GCM`, with iat and exp, via jose.
// `check` proves the construction is the same: it opens a cookie the built handler issued.
// Used in workerd (cookie.mjs) and in Node (edge.mjs).
import { EncryptJWT, jwtDecrypt } from 'jose';

const encoder = new TextEncoder();
const OPEN = { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] };

export async function deriveKey(secret) {
  const material = await crypto.subtle.importKey('raw', encoder.encode(secret), 'HKDF', false, [
    'deriveBits',
  ]);
  const bits = await crypto.subtle.deriveBits(
    {
      name: 'HKDF',
      hash: 'SHA-256',
      salt: encoder.encode('grantkit/edge'),
      info: encoder.encode('session cookie v1'),
    },
    material,
    256,
  );
  return new Uint8Array(bits);
}

const seal = (key, payload) =>
  new EncryptJWT(payload)
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .setIssuedAt()
    .setExpirationTime('3600s')
    .encrypt(key);
const open = async (key, value) => (await jwtDecrypt(value, key, OPEN)).payload;

/**
 * µs per unseal (decrypt) and per seal (encrypt) of `cookie`, a session cookie value the handler set.
 * `clock()` is ms (performance.now); `tick()` is awaited before each clock read (an I/O turn, for
 * runtimes whose clock only advances on I/O). Batches are sized to ~`batchMs`, rounds alternate.
 */
export async function measureCookieCrypto({
  secret,
  cookie,
  rounds = 7,
  batchMs = 60,
  clock = () => performance.now(),
  tick = async () => {},
}) {
  const key = await deriveKey(secret);
  const payload = await open(key, cookie); // throws if the handler's cookie is not this construction
  if (typeof payload?.sid !== 'string' || typeof payload?.tokens?.accessToken !== 'string')
    throw new Error('the session cookie does not hold { sid, tokens }');
  const body = { sid: payload.sid, tokens: payload.tokens };
  const resealed = await seal(key, body);
  if ((await open(key, resealed)).tokens.accessToken !== body.tokens.accessToken)
    throw new Error('seal/open round trip failed');

  const batch = async (op, n) => {
    await tick();
    const t0 = clock();
    for (let i = 0; i < n; i++) await op();
    await tick();
    return ((clock() - t0) * 1000) / n;
  };
  const ops = { open: () => open(key, cookie), seal: () => seal(key, body) };
  const n = {};
  for (const [name, op] of Object.entries(ops)) {
    await batch(op, 50); // warm up
    const us = await batch(op, 200);
    n[name] = Math.max(100, Math.min(50_000, Math.round((batchMs * 1000) / Math.max(us, 0.1))));
  }
  const samples = { open: [], seal: [] };
  for (let r = 0; r < rounds; r++) {
    for (const name of r % 2 ? ['seal', 'open'] : ['open', 'seal'])
      samples[name].push(await batch(ops[name], n[name]));
  }
  return {
    openUs: median(samples.open),
    sealUs: median(samples.seal),
    iterations: n,
    samples,
    cookieBytes: cookie.length,
  };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
