import { expect, it } from 'vitest';
import { createAuthHandler, CSRF_HEADER } from '@grantkit/edge';
import { createVendorEmulator } from '@grantkit/core/testing';
// @ts-expect-error plain ESM config shared with the suite
import { suiteHandlerOptions } from '../../../test/edge/config.mjs';

const origin = 'https://app.example';
const same = {
  origin,
  [CSRF_HEADER]: '1',
  'sec-fetch-site': 'same-origin',
  'content-type': 'application/json',
};

/** A body of `chunks` × 64 KiB that counts how many chunks the reader pulled. */
function counted(chunks: number) {
  const seen = { pulled: 0 };
  const chunk = new Uint8Array(65_536).fill(0x20);
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (seen.pulled++ >= chunks) controller.close();
      else controller.enqueue(chunk);
    },
  });
  return { body, seen };
}

it('POST exchange stops reading a chunked body at 8 KiB: 413, the rest of a 100 MiB body never read', async () => {
  const handler = createAuthHandler(suiteHandlerOptions({ fetch: createVendorEmulator().fetch }));
  const { body, seen } = counted(1600); // 100 MiB, no Content-Length
  const res = (await handler(
    new Request(`${origin}/auth/exchange`, {
      method: 'POST',
      headers: same,
      body,
      duplex: 'half',
    } as RequestInit),
  ))!;
  expect(res.status).toBe(413);
  expect(await res.json()).toMatchObject({ error: 'payload_too_large' });
  expect(seen.pulled).toBeLessThanOrEqual(3); // one 64 KiB chunk passes the limit (plus the stream's read-ahead)
});

it('POST exchange: a Content-Length that lies small does not let a large body through', async () => {
  const handler = createAuthHandler(suiteHandlerOptions({ fetch: createVendorEmulator().fetch }));
  const { body, seen } = counted(1600);
  const headers = { ...same, 'content-length': '20' };
  const res = (await handler(
    new Request(`${origin}/auth/exchange`, {
      method: 'POST',
      headers,
      body,
      duplex: 'half',
    } as RequestInit),
  ))!;
  expect(res.status).toBe(413);
  expect(seen.pulled).toBeLessThanOrEqual(3);
});
