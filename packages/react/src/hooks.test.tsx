import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, cleanup, render, renderHook, screen, waitFor } from '@testing-library/react';
import { StrictMode, type ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { app, createEdge, type Edge } from '../test/edge-fixture';
import { GrantkitProvider } from './provider';
import { grantkitKeys } from './query-keys';
import { createSessionClient, GrantkitHttpError } from './session-client';
import { useFirstDollarAuth, type AuthStatus } from './use-first-dollar-auth';
import { useFirstDollarCallback } from './use-first-dollar-callback';
import { useFirstDollarMutation } from './use-first-dollar-mutation';
import { useFirstDollarQuery } from './use-first-dollar-query';

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

/** A tab: its own session client (through the fake edge) and QueryClient. */
function tab(edge: Edge, strict = false) {
  const client = createSessionClient({ fetch: edge.fetch });
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const wrapper = ({ children }: { children: ReactNode }) => {
    const inner = (
      <GrantkitProvider client={client} queryClient={queryClient}>
        {children}
      </GrantkitProvider>
    );
    return strict ? <StrictMode>{inner}</StrictMode> : inner;
  };
  return { client, queryClient, wrapper };
}

/** Renders useFirstDollarAuth and records every status it goes through. */
function renderAuth(wrapper: ReturnType<typeof tab>['wrapper']) {
  const statuses: AuthStatus[] = [];
  const hook = renderHook(
    () => {
      const auth = useFirstDollarAuth();
      if (statuses.at(-1) !== auth.status) statuses.push(auth.status);
      return auth;
    },
    { wrapper },
  );
  const reach = (status: AuthStatus) =>
    waitFor(() => expect(hook.result.current.status).toBe(status));
  return { ...hook, statuses, reach };
}

const count = (edge: Edge, request: string) => edge.requests.filter((r) => r === request).length;

describe('useFirstDollarAuth', () => {
  it('loading → unauthenticated; login() goes to the edge login route with returnTo', async () => {
    const edge = createEdge();
    const auth = renderAuth(tab(edge).wrapper);
    await auth.reach('unauthenticated');
    expect(auth.statuses).toEqual(['loading', 'unauthenticated']);
    expect(auth.result.current.session).toEqual({ authenticated: false });
    await act(() => auth.result.current.login({ returnTo: '/dashboard' }));
    expect(assign).toHaveBeenCalledWith('/auth/login?returnTo=%2Fdashboard');
  });

  it('loading → error when the edge cannot be reached', async () => {
    const edge = createEdge();
    edge.setDown(true);
    const auth = renderAuth(tab(edge).wrapper);
    await auth.reach('error');
    expect(auth.statuses).toEqual(['loading', 'error']);
    expect(auth.result.current.error).toBeInstanceOf(GrantkitHttpError);
    expect(auth.result.current.error).toMatchObject({ status: 502 });
  });

  it('authenticated → consent_required (revoked) → authenticated (consent again) → unauthenticated (logout)', async () => {
    const edge = createEdge();
    await edge.loggedIn();
    const t = tab(edge);
    const auth = renderAuth(t.wrapper);
    function Ping() {
      const { data, error } = useFirstDollarQuery<{ ping: string }>('query { ping }');
      return <p>{error?.code ?? data?.ping ?? '…'}</p>;
    }
    render(<Ping />, { wrapper: t.wrapper });
    await auth.reach('authenticated');
    await screen.findByText('pong');
    expect(auth.result.current.session).toEqual({
      authenticated: true,
      expiresAt: expect.any(Number),
    });

    edge.emulator.revokeConsent(app.appId);
    edge.emulator.revokeAccessTokens();
    await act(() => t.queryClient.invalidateQueries({ queryKey: grantkitKeys.graphql() }));
    await auth.reach('consent_required');
    await screen.findByText('consent_required');
    expect(auth.result.current.session).toEqual({ authenticated: false, consentRequired: true });
    // A later session check (window focus) keeps the reason.
    await act(() => t.queryClient.refetchQueries({ queryKey: grantkitKeys.session() }));
    expect(auth.result.current.status).toBe('consent_required');

    const code = await edge.consent('/auth/login?returnTo=/');
    await act(() => t.client.exchange(code));
    await auth.reach('authenticated');

    await act(() => auth.result.current.logout());
    await auth.reach('unauthenticated');
    // The user's data does not outlive the session.
    expect(t.queryClient.getQueryData(grantkitKeys.graphql('query { ping }'))).toBeUndefined();
    expect(auth.statuses).toEqual([
      'loading',
      'authenticated',
      'consent_required',
      'authenticated',
      'unauthenticated',
    ]);
    expect(count(edge, 'POST /auth/logout')).toBe(1);
  });

  it('a logout in one tab logs out the others (BroadcastChannel)', async () => {
    const edge = createEdge();
    await edge.loggedIn();
    const first = renderAuth(tab(edge).wrapper);
    const second = renderAuth(tab(edge).wrapper);
    await first.reach('authenticated');
    await second.reach('authenticated');
    const checks = count(edge, 'GET /auth/session');
    await act(() => first.result.current.logout());
    await second.reach('unauthenticated');
    expect(count(edge, 'GET /auth/session')).toBe(checks); // told, not polled
  });

  it('uses the QueryClient of an enclosing QueryClientProvider', async () => {
    const edge = createEdge();
    const queryClient = new QueryClient();
    const client = createSessionClient({ fetch: edge.fetch });
    const { result } = renderHook(() => useFirstDollarAuth(), {
      wrapper: ({ children }) => (
        <QueryClientProvider client={queryClient}>
          <GrantkitProvider client={client}>{children}</GrantkitProvider>
        </QueryClientProvider>
      ),
    });
    await waitFor(() => expect(result.current.status).toBe('unauthenticated'));
    expect(queryClient.getQueryData(grantkitKeys.session())).toEqual({ authenticated: false });
  });

  it('throws a clear error outside GrantkitProvider', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(() => renderHook(() => useFirstDollarAuth())).toThrow('No GrantkitProvider set');
    expect(() => renderHook(() => useFirstDollarQuery('query { ping }'))).toThrow(
      /No GrantkitProvider set/,
    );
  });
});

describe('useFirstDollarCallback', () => {
  it('under StrictMode posts the code once, strips it from the URL and navigates to returnTo', async () => {
    const edge = createEdge();
    const t = tab(edge, true);
    const code = await edge.consent('/auth/login?returnTo=%2Fdashboard%3Ftab%3D2');
    history.replaceState(null, '', `/callback?code=${code}&keep=1`);
    const navigate = vi.fn();
    const urls: string[] = [];
    navigate.mockImplementation(() => urls.push(location.pathname + location.search));
    function Callback() {
      const { status } = useFirstDollarCallback({ navigate });
      const auth = useFirstDollarAuth();
      return <p>{`${status} ${auth.status}`}</p>;
    }
    render(<Callback />, { wrapper: t.wrapper });
    await screen.findByText('success authenticated');
    expect(count(edge, 'POST /auth/exchange')).toBe(1);
    expect(navigate).toHaveBeenCalledTimes(1);
    expect(navigate).toHaveBeenCalledWith('/dashboard?tab=2');
    expect(urls).toEqual(['/callback?keep=1']); // the code left the URL before navigating
  });

  it('navigates with history.replaceState + popstate by default', async () => {
    const edge = createEdge();
    const code = await edge.consent('/auth/login?returnTo=/inbox');
    history.replaceState(null, '', `/callback?code=${code}`);
    const popstate = vi.fn();
    window.addEventListener('popstate', popstate);
    const { result } = renderHook(() => useFirstDollarCallback(), { wrapper: tab(edge).wrapper });
    await waitFor(() => expect(result.current.status).toBe('success'));
    expect(location.pathname + location.search).toBe('/inbox');
    expect(popstate).toHaveBeenCalledTimes(1);
    window.removeEventListener('popstate', popstate);
  });

  it('reports a missing code, a provider error, and a refused exchange', async () => {
    const edge = createEdge();
    const { wrapper } = tab(edge);
    const run = async (search: string) => {
      history.replaceState(null, '', `/callback${search}`);
      const { result, unmount } = renderHook(() => useFirstDollarCallback(), { wrapper });
      await waitFor(() => expect(result.current.status).toBe('error'));
      unmount();
      return result.current.error;
    };
    expect(await run('')).toMatchObject({ code: 'invalid_request' });
    expect(await run('?error=access_denied')).toMatchObject({ code: 'access_denied' });
    // A code this browser did not ask for (no login-intent cookie) is refused by the edge.
    expect(await run(`?code=${edge.emulator.issueCode('firstDollar', app.appId)}`)).toMatchObject({
      status: 403,
      code: 'login_intent_missing',
    });
  });
});

describe('useFirstDollarQuery / useFirstDollarMutation', () => {
  it('redirectOnConsentRequired sends the user to consent, back to this page', async () => {
    const edge = createEdge();
    await edge.loggedIn();
    edge.emulator.revokeConsent(app.appId);
    edge.emulator.revokeAccessTokens();
    history.replaceState(null, '', '/reports?year=2030');
    const { result } = renderHook(
      () => useFirstDollarQuery('query { ping }', undefined, { redirectOnConsentRequired: true }),
      { wrapper: tab(edge).wrapper },
    );
    await waitFor(() =>
      expect(assign).toHaveBeenCalledWith('/auth/login?returnTo=%2Freports%3Fyear%3D2030'),
    );
    expect(result.current.error).toMatchObject({ status: 401, code: 'consent_required' });
    expect(count(edge, 'POST /api/graphql')).toBe(1); // a 4xx is not retried
  });

  it('a mutation goes through the proxy with its variables', async () => {
    const edge = createEdge();
    await edge.loggedIn();
    const { result } = renderHook(
      () => useFirstDollarMutation<{ ping: string }>('query { ping }'),
      { wrapper: tab(edge).wrapper },
    );
    await expect(act(() => result.current.mutateAsync({}))).resolves.toEqual({ ping: 'pong' });
    expect(count(edge, 'POST /api/graphql')).toBe(1);
  });
});
