// Profile variant (BENCH_EDGE_PROFILE=1): the least a cookie-session proxy must do. Unseal the session
// cookie (same construction as the handler's), then forward like the bare Worker with the bearer token.
import { jwtDecrypt } from 'jose';
import { deriveKey } from './cookie-crypto.mjs';

let key;
export default {
  async fetch(request, env) {
    key ??= await deriveKey(env.SECRET);
    const value = /(?:^|;\s*)__Host-grantkit=([^;]*)/.exec(
      request.headers.get('cookie') ?? '',
    )?.[1];
    const { payload } = await jwtDecrypt(value, key, {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
    });
    const target = new URL(env.UPSTREAM);
    const headers = new Headers({
      'content-type': request.headers.get('content-type') ?? 'application/json',
      authorization: `Bearer ${payload.tokens.accessToken}`,
    });
    return fetch(target, { method: request.method, headers, body: request.body });
  },
};
