import { expect, it } from 'vitest';
import { createVendorEmulator } from '@grantkit/core/testing';
import { listenEmulator } from '@grantkit/core/testing/node';
import { credentials, expected } from './harness';
// @ts-expect-error plain ESM fixture without types
import { scenario } from './fixtures/scenario.mjs';

it('Node: the built packages run the scenario over loopback HTTP', async () => {
  const emulator = createVendorEmulator();
  const server = await listenEmulator(emulator);
  try {
    const result = await scenario({ baseUrl: server.url, credentials });
    console.log(`node ${process.version}:`, JSON.stringify(result));
    expect(result).toEqual(expected);
    expect(emulator.count({ path: '/v0/auth/token' })).toBe(2);
  } finally {
    await server.close();
  }
});
