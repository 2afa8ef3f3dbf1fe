// The vendor-neutral hooks against a real edge in front of Orange Logic (its `state` echo, a REST
// API behind the proxy), and the generic mutation through First Dollar's proxy route.
import { QueryClient } from '@tanstack/react-query';
import { act, cleanup, render, renderHook, screen, waitFor } from '@testing-library/react';
import { StrictMode, type ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createEdge, type Edge } from '../test/edge-fixture';
import { GrantkitProvider } from './provider';
import { grantkitKeys } from './query-keys';
import { createSessionClient } from './session-client';
import { useFirstDollarAuth } from './use-first-dollar-auth';
import { useFirstDollarCallback } from './use-first-dollar-callback';
import { useGrantkitAuth } from './use-grantkit-auth';
import { useGrantkitCallback } from './use-grantkit-callback';
import { useGrantkitMutation } from './use-grantkit-mutation';
import { useGrantkitQuery } from './use-grantkit-query';

let assign: ReturnType<typeof vi.fn<(url: string | URL) => void>>;
beforeEach(() => {
  history.replaceState(null, '', '/');
  assign = vi.fn<(url: string | URL) => void>();
  vi.spyOn(window.location, 'assign').mockImplementation(assign);
});
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

function tab(edge: Edge) {
  const client = createSessionClient({ fetch: edge.fetch });
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const wrapper = ({ children }: { children: ReactNode }) => (
    <StrictMode>
      <GrantkitProvider client={client} queryClient={queryClient}>
        {children}
      </GrantkitProvider>
    </StrictMode>
  );
  return { client, queryClient, wrapper };
}

const count = (edge: Edge, request: string) => edge.requests.filter((r) => r === request).length;

describe('vendor-neutral hooks, Orange Logic behind the edge', () => {
  it('login → SPA callback (state passed on) → a proxied REST query → logout drops its data', async () => {
    const edge = createEdge('orangeLogic');
    const t = tab(edge);
    function Echo() {
      const auth = useGrantkitAuth();
      const { data, error } = useGrantkitQuery<{ ok: boolean; sub: string }>('/api/echo', {
        enabled: auth.status === 'authenticated',
      });
      return <p>{`${auth.status} ${error?.code ?? data?.sub ?? '-'}`}</p>;
    }
    render(<Echo />, { wrapper: t.wrapper });
    await screen.findByText('unauthenticated -');

    // The vendor sends the browser back to the SPA's callback page with `code` and `state`.
    const back = await edge.authorize('/auth/login?returnTo=%2Fassets%3Fpage%3D2');
    expect(new URL(back, 'http://x').searchParams.get('state')).toBeTruthy();
    history.replaceState(null, '', back);
    const navigate = vi.fn();
    function Callback() {
      return <p>{useGrantkitCallback({ navigate }).status}</p>;
    }
    render(<Callback />, { wrapper: t.wrapper });
    await screen.findByText('success');
    expect(navigate).toHaveBeenCalledWith('/assets?page=2');
    expect(count(edge, 'POST /auth/exchange')).toBe(1);

    await screen.findByText('authenticated user_1');
    expect(t.queryClient.getQueryData(grantkitKeys.request('/api/echo'))).toEqual({
      ok: true,
      sub: 'user_1',
    });
    expect(count(edge, 'GET /api/echo')).toBe(1);

    await act(() => t.client.logout());
    await screen.findByText('unauthenticated -');
    expect(t.queryClient.getQueryData(grantkitKeys.request('/api/echo'))).toBeUndefined();
  });

  it('a proxied query without a session is a 401 that is not retried', async () => {
    const edge = createEdge('orangeLogic');
    const { result } = renderHook(() => useGrantkitQuery('/api/echo'), {
      wrapper: tab(edge).wrapper,
    });
    await waitFor(() => expect(result.current.error).toMatchObject({ status: 401 }));
    expect(result.current.error?.code).toBe('unauthenticated');
    expect(count(edge, 'GET /api/echo')).toBe(1);
  });

  it('the First Dollar names are the same hooks', () => {
    expect(useFirstDollarAuth).toBe(useGrantkitAuth);
    expect(useFirstDollarCallback).toBe(useGrantkitCallback);
  });
});

describe('useGrantkitMutation', () => {
  it('sends its JSON body to a proxy route, with the method asked for', async () => {
    const edge = createEdge();
    await edge.loggedIn();
    const { result } = renderHook(
      () => useGrantkitMutation<{ data: { ping: string } }, { query: string }>('/api/graphql'),
      { wrapper: tab(edge).wrapper },
    );
    await expect(
      act(() => result.current.mutateAsync({ query: 'query { ping }' })),
    ).resolves.toEqual({ data: { ping: 'pong' } });
    const put = renderHook(() => useGrantkitMutation('/api/graphql', { method: 'PUT' }), {
      wrapper: tab(edge).wrapper,
    });
    await act(() => put.result.current.mutateAsync().catch(() => {}));
    expect(edge.requests.slice(-2)).toEqual(['POST /api/graphql', 'PUT /api/graphql']);
  });
});
