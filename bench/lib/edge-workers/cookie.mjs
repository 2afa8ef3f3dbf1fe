// (4b) The session cookie seal/unseal loop inside workerd. POST { secret, cookie } → µs per op.
import { measureCookieCrypto } from './cookie-crypto.mjs';

export default {
  async fetch(request) {
    const { secret, cookie, rounds, batchMs } = await request.json();
    try {
      // workerd's clock reads at ms granularity; deployed Workers (Spectre mitigation) advance it only
      // on I/O, so each clock read follows an I/O turn (a 0 ms timer) and batches last tens of ms.
      const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
      const t0 = Date.now();
      const result = await measureCookieCrypto({
        secret,
        cookie,
        rounds,
        batchMs,
        clock: () => Date.now(),
        tick,
      });
      return Response.json({ ...result, elapsedMs: Date.now() - t0 });
    } catch (error) {
      return Response.json({ error: String(error?.message ?? error) }, { status: 500 });
    }
  },
};
