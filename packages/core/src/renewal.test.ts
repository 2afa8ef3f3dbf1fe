import { describe, expect, it } from 'vitest';
import { ClientRejectedError, ConsentRequiredError, GrantkitError } from './errors';
import { adoptable, isFatal, isValidFor, refreshUsable, renewalBase } from './renewal';
import type { TokenSet } from './token-set';

const set = (accessToken: string, expiresAt: number, extra: Partial<TokenSet> = {}): TokenSet => ({
  accessToken,
  tokenType: 'Bearer',
  expiresAt,
  ...extra,
});

describe('isValidFor: fresh, inside the refresh window, expired', () => {
  const tokens = set('a', 100_000);
  it.each([
    [0, 'fresh'],
    [39_999, 'fresh'],
    [40_000, 'window'],
    [94_999, 'window'],
    [95_000, 'expired'],
    [200_000, 'expired'],
  ] as const)('at %i ms (window 60 s, skew 5 s): %s', (now, phase) => {
    expect(isValidFor(tokens, now, 60_000)).toBe(phase === 'fresh');
    expect(isValidFor(tokens, now, 5_000)).toBe(phase !== 'expired');
  });
});

describe('renewalBase', () => {
  const held = set('held', 1000, { refreshToken: 'r1' });
  it('nothing held: the stored set, else nothing', () => {
    expect(renewalBase(undefined, undefined, held)).toBe(held);
    expect(renewalBase(undefined, undefined, undefined)).toBeUndefined();
  });
  it('nothing stored: the current set', () => {
    expect(renewalBase(held, held, undefined)).toBe(held);
  });
  it('nothing changed here: the stored set when it expires later or rotated the refresh token', () => {
    expect(renewalBase(held, held, set('later', 2000, { refreshToken: 'r1' }))?.accessToken).toBe(
      'later',
    );
    expect(renewalBase(held, held, set('rotated', 900, { refreshToken: 'r2' }))?.accessToken).toBe(
      'rotated',
    );
    expect(renewalBase(held, held, { ...held })).toBe(held);
  });
  it('a set stored in this process meanwhile wins over an older stored one, even with another refresh token', () => {
    const meanwhile = set('meanwhile', 5000, { refreshToken: 'r3' });
    expect(renewalBase(held, meanwhile, held)).toBe(meanwhile);
    expect(renewalBase(held, meanwhile, set('other', 4000, { refreshToken: 'r4' }))).toBe(
      meanwhile,
    );
    expect(
      renewalBase(held, meanwhile, set('newest', 6000, { refreshToken: 'r4' }))?.accessToken,
    ).toBe('newest');
  });
});

describe('adoptable', () => {
  const held = set('held', 100_000);
  it('adopts another set that is fresh', () => {
    expect(adoptable(set('other', 100_000), held, 0, 60_000)).toBe(true);
  });
  it('never the set it was asked to renew, however fresh (a forced refresh, a rejected token)', () => {
    expect(adoptable(held, held, 0, 60_000)).toBe(false);
  });
  it('not a set inside its refresh window or expired', () => {
    expect(adoptable(set('other', 100_000), held, 40_000, 60_000)).toBe(false);
    expect(adoptable(set('other', 100_000), undefined, 100_000, 60_000)).toBe(false);
  });
});

describe('refreshUsable', () => {
  it('needs a refresh token that has not expired', () => {
    expect(refreshUsable(undefined, 0)).toBe(false);
    expect(refreshUsable(set('a', 1), 0)).toBe(false);
    expect(refreshUsable(set('a', 1, { refreshToken: 'r' }), 0)).toBe(true);
    expect(refreshUsable(set('a', 1, { refreshToken: 'r', refreshExpiresAt: 10 }), 9)).toBe(true);
    expect(refreshUsable(set('a', 1, { refreshToken: 'r', refreshExpiresAt: 10 }), 10)).toBe(false);
  });
});

describe('isFatal', () => {
  it('unreachable, timed out, aborted or the client refused: the next call would only repeat it', () => {
    for (const code of ['network_error', 'timeout', 'aborted'] as const)
      expect(isFatal(new GrantkitError(code, 'x'))).toBe(true);
    expect(isFatal(new ClientRejectedError({ error: 'invalid_client' }))).toBe(true);
  });
  it('not a refused grant, an odd answer or a foreign error', () => {
    expect(isFatal(new ConsentRequiredError('https://c.example/', { error: 'http_401' }))).toBe(
      false,
    );
    expect(isFatal(new GrantkitError('invalid_response', 'x'))).toBe(false);
    expect(isFatal(new TypeError('fetch failed'))).toBe(false);
  });
});
