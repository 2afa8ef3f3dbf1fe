// lock.wait: a renewal that finds another process's refresh lock reports how long it waited and how it
// ended (adopted, acquired, failed), as an event and as the grantkit.lock.wait.duration histogram.
import { describe, expect, it } from 'vitest';
import { otelHarness } from '../../../../test/otel/harness';
import { otelEvents } from '../otel/index';
import { eventTelemetry, type TokenEvent } from '../telemetry';
import type { TokenSet } from '../token-set';
import { memoryEngine } from '../vault/memory-engine';
import { createSharedStore } from './store';

const SECRET = 'store-telemetry-secret-0123456789abcdef';
const set = (n: number, ttl = 3600_000): TokenSet => ({
  accessToken: `access-${n}`,
  refreshToken: `refresh-${n}`,
  tokenType: 'Bearer',
  expiresAt: Date.now() + ttl,
});

describe('shared store telemetry', () => {
  it('a renewal that waits on the lock while another process renews reports lock.wait (acquired once it came free)', async () => {
    const otel = otelHarness();
    const events: TokenEvent[] = [];
    const sink = otelEvents({ tracer: otel.tracer, meter: otel.meter });
    const telemetry = eventTelemetry(
      Object.assign((e: TokenEvent) => (events.push(e), sink(e)), { within: sink.within }),
    );
    const engine = memoryEngine();
    const a = createSharedStore(engine, { secret: SECRET });
    const b = createSharedStore(engine, { secret: SECRET, telemetry });
    const stale = set(0, -1000);
    let release!: (tokens: TokenSet) => void;
    const first = a.renew(
      'k',
      stale,
      () => new Promise<TokenSet>((resolve) => (release = resolve)),
    );
    await new Promise((r) => setTimeout(r, 20)); // a holds the lock
    const second = b.renew('k', stale, async () => set(99));
    await new Promise((r) => setTimeout(r, 60)); // b waits
    release(set(1));
    expect((await first).accessToken).toBe('access-1');
    expect((await second).accessToken).toBe('access-1'); // adopted, no second vendor call
    const wait = events.find((e) => e.type === 'lock.wait');
    expect(wait).toMatchObject({ type: 'lock.wait', outcome: 'acquired' });
    expect((wait as { duration: number }).duration).toBeGreaterThanOrEqual(40);
    expect(await otel.points('grantkit.lock.wait.duration')).toMatchObject([
      { attributes: { 'grantkit.outcome': 'acquired' }, value: { count: 1 } },
    ]);
  });

  it('an uncontended renewal reports no lock wait', async () => {
    const events: TokenEvent[] = [];
    const store = createSharedStore(memoryEngine(), {
      secret: SECRET,
      telemetry: eventTelemetry((e) => events.push(e)),
    });
    await store.renew('k', set(0, -1000), async () => set(1));
    expect(events).toEqual([]);
  });
});
