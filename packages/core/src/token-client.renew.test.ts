import { describe, expect, it } from 'vitest';
import { createTokenClient, firstDollarApp, type TokenSet } from './index';
import { createVendorEmulator, TEST_CREDENTIALS } from './testing';

// `renew` hands renewals to a coordinator (the edge's Durable Object): the client must call it once
// per renewal, with the token set it holds, and store what it answers.
describe('createTokenClient({ renew })', () => {
  const app = TEST_CREDENTIALS.firstDollarApp;
  const setup = async () => {
    const emu = createVendorEmulator();
    const adapter = firstDollarApp({ ...app, apiBaseUrl: 'https://api.dev.firstdollar.com' });
    // The coordinator's side: a plain client that really refreshes against the emulator.
    const coordinator = createTokenClient({ adapter, fetch: emu.fetch });
    await coordinator.exchangeCode(emu.issueCode('firstDollar', app.appId));
    const seen: (TokenSet | undefined)[] = [];
    const client = createTokenClient({
      adapter,
      fetch: emu.fetch,
      renew: async (tokens) => {
        seen.push(tokens);
        return coordinator.renewAfterRejection(tokens!.accessToken);
      },
    });
    await client.setTokenSet(await coordinator.getTokenSet());
    return { emu, client, coordinator, seen };
  };

  it('100 concurrent renewals make one call to renew, and its answer becomes the current token set', async () => {
    const { emu, client, seen } = await setup();
    const held = await client.getTokenSet();
    const before = emu.count({ grant: 'refresh_token' });
    const all = await Promise.all(
      Array.from({ length: 100 }, () => client.renewAfterRejection(held.accessToken)),
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]?.accessToken).toBe(held.accessToken);
    expect(emu.count({ grant: 'refresh_token' }) - before).toBe(1);
    expect(new Set(all.map((t) => t.accessToken)).size).toBe(1);
    expect(all[0]?.accessToken).not.toBe(held.accessToken);
    expect((await client.getTokenSet()).accessToken).toBe(all[0]?.accessToken);
  });

  it('a failing renew rejects every waiting caller with its error and keeps the held tokens', async () => {
    const { emu, client } = await setup();
    const held = await client.getTokenSet();
    emu.revokeConsent(app.appId);
    const results = await Promise.allSettled([client.refresh(), client.refresh()]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason.code).toBe('consent_required');
    expect(await client.getTokenSet()).toEqual(held);
  });
});
