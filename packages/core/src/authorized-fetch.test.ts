import { describe, expect, it, vi } from 'vitest';
import { authorizedFetch } from './authorized-fetch';
import type { TokenSet } from './token-set';

const client = (renewed: string) => ({
  getAccessToken: vi.fn(async () => 'old'),
  renewAfterRejection: vi.fn(async (): Promise<TokenSet> => ({
    accessToken: renewed,
    tokenType: 'Bearer',
    expiresAt: Date.now() + 60_000,
  })),
  authorization: (token: string) => `Bearer ${token}`,
});

describe('authorizedFetch', () => {
  it('attaches the token; on 401 renews once and resends the same body with the new token', async () => {
    const seen: [string | null, string][] = [];
    const base = vi.fn(async (request: Request) => {
      seen.push([request.headers.get('authorization'), await request.text()]);
      return new Response(null, { status: seen.length === 1 ? 401 : 200 });
    }) as unknown as typeof fetch;
    const c = client('new');
    const response = await authorizedFetch(c, base, 'https://api.example/x', {
      method: 'POST',
      body: 'payload',
    });
    expect(response.status).toBe(200);
    expect(seen).toEqual([
      ['Bearer old', 'payload'],
      ['Bearer new', 'payload'],
    ]);
    expect(c.renewAfterRejection).toHaveBeenCalledWith('old', expect.anything());
  });

  it('a 401 on a token that renewing does not replace is answered as is, without a resend', async () => {
    const base = vi.fn(async () => new Response(null, { status: 401 })) as unknown as typeof fetch;
    const response = await authorizedFetch(client('old'), base, 'https://api.example/x');
    expect(response.status).toBe(401);
    expect(base).toHaveBeenCalledOnce();
  });

  it('a fetch that throws becomes a typed transport error', async () => {
    const base = vi.fn(async () => {
      throw new TypeError('fetch failed');
    }) as unknown as typeof fetch;
    await expect(
      authorizedFetch(client('new'), base, 'https://api.example/x'),
    ).rejects.toMatchObject({ code: 'network_error' });
  });
});
