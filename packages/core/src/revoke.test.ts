import { describe, expect, it, vi } from 'vitest';
import type { Adapter, TokenAnswer, TokenRequest } from './adapter';
import { GrantkitError, OAuthError } from './errors';
import { revoke } from './revoke';
import type { TokenSet } from './token-set';

const revocation = {
  buildRequest: (token: string, hint: string): TokenRequest => ({
    url: 'https://as.example/revoke',
    method: 'POST',
    headers: {},
    body: `${hint}=${token}`,
  }),
  parseResponse: (answer: TokenAnswer) => {
    if (answer.status !== 200)
      throw new OAuthError({ error: 'invalid_request' }, { status: answer.status });
  },
};
const fakeClient = (withRevocation = true) => ({
  adapter: { id: 'x', ...(withRevocation ? { revocation } : {}) } as unknown as Adapter,
  clear: vi.fn(async () => {}),
});
const ok: TokenAnswer = { status: 200, headers: new Headers(), body: undefined };
const a: TokenSet = { accessToken: 'a1', refreshToken: 'r1', tokenType: 'Bearer', expiresAt: 1000 };
const b: TokenSet = { accessToken: 'a2', refreshToken: 'r1', tokenType: 'Bearer', expiresAt: 2000 };

describe('revoke', () => {
  it('forgets first, then revokes each refresh token, then each unexpired access token, once', async () => {
    const client = fakeClient();
    const sent: string[] = [];
    const send = vi.fn(async (request: TokenRequest) => {
      expect(client.clear).toHaveBeenCalled();
      sent.push(request.body!);
      return ok;
    });
    expect(await revoke(client, [a, b], 1500, send)).toEqual({
      status: 'revoked',
      revoked: ['refresh_token', 'access_token'],
    });
    expect(sent).toEqual(['refresh_token=r1', 'access_token=a2']);
  });

  it('none without tokens; unsupported without a revocation (both forget)', async () => {
    const none = fakeClient();
    expect(await revoke(none, [undefined, undefined], 0, vi.fn())).toEqual({
      status: 'none',
      revoked: [],
    });
    const unsupported = fakeClient(false);
    expect(await revoke(unsupported, [a], 0, vi.fn())).toEqual({
      status: 'unsupported',
      revoked: [],
    });
    expect(none.clear).toHaveBeenCalledOnce();
    expect(unsupported.clear).toHaveBeenCalledOnce();
  });

  it('keeps the first failure and goes on, but stops at one the next call would repeat', async () => {
    const refused = await revoke(fakeClient(), [a], 0, async (request) =>
      request.body!.startsWith('refresh') ? { ...ok, status: 400 } : ok,
    );
    expect(refused).toMatchObject({
      status: 'failed',
      revoked: ['access_token'],
      error: { code: 'oauth_error', status: 400 },
    });
    const send = vi.fn(async () => {
      throw new GrantkitError('network_error', 'unreachable');
    });
    expect(await revoke(fakeClient(), [a], 0, send)).toMatchObject({
      status: 'failed',
      revoked: [],
      error: { code: 'network_error' },
    });
    expect(send).toHaveBeenCalledOnce();
  });

  it('a foreign error becomes a typed invalid_response', async () => {
    const result = await revoke(fakeClient(), [a], 2000, async () => {
      throw new Error('boom');
    });
    expect(result.error).toBeInstanceOf(GrantkitError);
    expect(result.error).toMatchObject({
      code: 'invalid_response',
      message: 'The revocation failed',
    });
  });
});
