import { QueryClient } from '@tanstack/react-query';
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { StrictMode, type ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { app, createEdge, type Edge } from '../test/edge-fixture';
import { GrantkitProvider } from './provider';
import { grantkitKeys } from './query-keys';
import { RequireAuth } from './require-auth';
import { createSessionClient } from './session-client';
import { useFirstDollarQuery } from './use-first-dollar-query';
import { useRequireAuth } from './use-require-auth';

let assign: ReturnType<typeof vi.fn<(url: string | URL) => void>>;
beforeEach(() => {
  history.replaceState(null, '', '/');
  sessionStorage.clear();
  assign = vi.fn<(url: string | URL) => void>();
  vi.spyOn(window.location, 'assign').mockImplementation(assign);
});
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

/** A tab under StrictMode (effects run twice): its own session client and QueryClient. */
function tab(edge: Edge, Provider = GrantkitProvider) {
  const client = createSessionClient({ fetch: edge.fetch });
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const wrapper = ({ children }: { children: ReactNode }) => (
    <StrictMode>
      <Provider client={client} queryClient={queryClient}>
        {children}
      </Provider>
    </StrictMode>
  );
  return { client, queryClient, wrapper };
}

/** Lets pending effects, IndexedDB writes and fetches settle. */
const settle = () => act(() => new Promise((resolve) => setTimeout(resolve, 50)));

describe('RequireAuth', () => {
  it('renders the fallback, then sends an unauthenticated user to login once, back to this page', async () => {
    const edge = createEdge();
    history.replaceState(null, '', '/reports?year=2030#q4');
    render(
      <>
        <RequireAuth fallback={<p>checking</p>}>
          <p>secret report</p>
        </RequireAuth>
        <RequireAuth fallback={<p>checking too</p>}>
          <p>another guarded part</p>
        </RequireAuth>
      </>,
      { wrapper: tab(edge).wrapper },
    );
    expect(screen.getByText('checking')).toBeTruthy();
    await waitFor(() => expect(assign).toHaveBeenCalled());
    await settle();
    // Two guards, StrictMode: still one navigation.
    expect(assign.mock.calls).toEqual([['/auth/login?returnTo=%2Freports%3Fyear%3D2030']]);
    expect(screen.queryByText('secret report')).toBeNull();
    expect(screen.getByText('checking')).toBeTruthy();
  });

  it('renders the children when authenticated, and goes nowhere', async () => {
    const edge = createEdge();
    await edge.loggedIn();
    render(
      <RequireAuth fallback={<p>checking</p>}>
        <p>secret report</p>
      </RequireAuth>,
      { wrapper: tab(edge).wrapper },
    );
    await screen.findByText('secret report');
    await settle();
    expect(assign).not.toHaveBeenCalled();
  });

  it('sends the user to consent again when the vendor says consent was revoked', async () => {
    const edge = createEdge();
    await edge.loggedIn();
    history.replaceState(null, '', '/inbox');
    function Inbox() {
      const { data } = useFirstDollarQuery<{ ping: string }>('query { ping }');
      return <p>{data?.ping ?? '…'}</p>;
    }
    const t = tab(edge);
    render(
      <RequireAuth>
        <Inbox />
      </RequireAuth>,
      { wrapper: t.wrapper },
    );
    await screen.findByText('pong');
    edge.emulator.revokeConsent(app.appId);
    edge.emulator.revokeAccessTokens();
    await act(() => t.queryClient.invalidateQueries({ queryKey: grantkitKeys.graphql() }));
    await waitFor(() => expect(assign).toHaveBeenCalledWith('/auth/login?returnTo=%2Finbox'));
    expect(screen.queryByText('pong')).toBeNull();
  });

  it('does not loop: a refused login (the edge redirects with ?error=) shows the error, and retry logs in again', async () => {
    const edge = createEdge();
    history.replaceState(null, '', '/reports');
    const first = render(<RequireAuth fallback={<p>checking</p>} />, {
      wrapper: tab(edge).wrapper,
    });
    await waitFor(() => expect(assign).toHaveBeenCalledWith('/auth/login?returnTo=%2Freports'));
    first.unmount();
    // The user clicked Deny: the vendor sends ?error=access_denied to the edge's callback, and the
    // edge redirects to its errorRedirect (default '/') with the error: a new document.
    const refused = await edge.fetch('/auth/callback?error=access_denied');
    history.replaceState(null, '', refused.headers.get('location'));
    expect(location.pathname + location.search).toBe('/?error=access_denied');
    vi.resetModules();
    const fresh = await import('./index');
    render(
      <fresh.RequireAuth
        fallback={<p>checking</p>}
        errorFallback={({ error, retry }) => (
          <button
            onClick={retry}
          >{`${error.message} (${(error as { code?: string }).code})`}</button>
        )}
      >
        <p>secret report</p>
      </fresh.RequireAuth>,
      { wrapper: tab(edge, fresh.GrantkitProvider).wrapper },
    );
    const button = await screen.findByText('Login failed. (access_denied)');
    await settle();
    expect(assign).toHaveBeenCalledTimes(1);
    act(() => button.click());
    await waitFor(() =>
      expect(assign).toHaveBeenLastCalledWith('/auth/login?returnTo=%2F%3Ferror%3Daccess_denied'),
    );
    expect(assign).toHaveBeenCalledTimes(2);
  });

  it('does not loop: a login that comes back with no session (cookie refused) leaves once, not twice', async () => {
    const edge = createEdge();
    history.replaceState(null, '', '/reports');
    const guarded = (Guard: typeof RequireAuth, Provider: typeof GrantkitProvider) =>
      render(
        <Guard fallback={<p>checking</p>}>
          <p>secret report</p>
        </Guard>,
        { wrapper: tab(edge, Provider).wrapper },
      );
    const first = guarded(RequireAuth, GrantkitProvider);
    await waitFor(() => expect(assign).toHaveBeenCalledTimes(1));
    first.unmount();
    // The vendor sends the browser back here, but no session cookie stuck: a new document (fresh
    // modules), still unauthenticated. By default the guard renders the error's message.
    vi.resetModules();
    const fresh = await import('./index');
    guarded(fresh.RequireAuth, fresh.GrantkitProvider);
    await screen.findByText('Login failed.');
    await settle();
    expect(assign).toHaveBeenCalledTimes(1);
    expect(screen.queryByText('secret report')).toBeNull();
  });

  it('useRequireAuth: the hook form, with returnTo', async () => {
    const edge = createEdge();
    function Page() {
      const { status } = useRequireAuth({ returnTo: '/welcome' });
      return <p>{status}</p>;
    }
    render(<Page />, { wrapper: tab(edge).wrapper });
    expect(screen.getByText('loading')).toBeTruthy();
    await waitFor(() => expect(assign).toHaveBeenCalledWith('/auth/login?returnTo=%2Fwelcome'));
    expect(screen.getByText('loading')).toBeTruthy();
  });

  it('an unreachable edge is an error; retry, the user choice, goes to login', async () => {
    const edge = createEdge();
    edge.setDown(true);
    render(
      <RequireAuth
        errorFallback={({ error, retry }) => <button onClick={retry}>{error.message}</button>}
      >
        <p>secret report</p>
      </RequireAuth>,
      { wrapper: tab(edge).wrapper },
    );
    const button = await screen.findByText('HTTP 502');
    await settle();
    expect(assign).not.toHaveBeenCalled();
    act(() => button.click());
    await waitFor(() => expect(assign).toHaveBeenCalledWith('/auth/login?returnTo=%2F'));
  });
  // Review of #17 (L7): only the edge's answer to this guard's own login is an error, and the page
  // never shows text from the address bar.
  it('ignores an ?error= it did not ask for (a link): logs in, and shows none of the URL', async () => {
    const edge = createEdge();
    history.replaceState(null, '', '/reports?error=Your+account+is+locked.+Call+555-0100');
    render(
      <RequireAuth fallback={<p>checking</p>}>
        <p>secret report</p>
      </RequireAuth>,
      { wrapper: tab(edge).wrapper },
    );
    await waitFor(() => expect(assign).toHaveBeenCalledTimes(1));
    expect(assign.mock.calls[0]?.[0]).toMatch(/^\/auth\/login\?returnTo=/);
    await settle();
    expect(document.body.textContent).toBe('checking');
  });

  it("ignores another provider's ?error= (an Orange Logic login failed, this guard is First Dollar's)", async () => {
    const edge = createEdge();
    // The Orange Logic guard (basePath /ol) left for its login; its edge sends the error to '/'.
    sessionStorage.setItem('grantkit:login:/ol', String(Date.now()));
    history.replaceState(null, '', '/?error=access_denied');
    render(<RequireAuth fallback={<p>checking</p>} />, { wrapper: tab(edge).wrapper });
    await waitFor(() =>
      expect(assign).toHaveBeenCalledWith('/auth/login?returnTo=%2F%3Ferror%3Daccess_denied'),
    );
    await settle();
    expect(screen.getByText('checking')).toBeTruthy();
  });

  it('after its own login, any ?error= reads as a fixed sentence, never as the URL text', async () => {
    const edge = createEdge();
    history.replaceState(null, '', '/reports');
    const first = render(<RequireAuth />, { wrapper: tab(edge).wrapper });
    await waitFor(() => expect(assign).toHaveBeenCalledTimes(1));
    first.unmount();
    history.replaceState(null, '', '/?error=Your+account+is+locked.+Call+555-0100');
    vi.resetModules();
    const fresh = await import('./index');
    render(<fresh.RequireAuth />, { wrapper: tab(edge, fresh.GrantkitProvider).wrapper });
    await screen.findByText('Login failed.');
    await settle();
    expect(document.body.textContent).toBe('Login failed.');
    expect(assign).toHaveBeenCalledTimes(1);
  });

  // Review of #17 (L8): the pending-login marker does not live for ever, and a page restored from
  // the back-forward cache does not stay on the fallback.
  it('a pending login older than 10 minutes was abandoned: the guard logs in again', async () => {
    const edge = createEdge();
    history.replaceState(null, '', '/reports');
    sessionStorage.setItem('grantkit:login:/auth', String(Date.now() - 11 * 60_000));
    render(<RequireAuth fallback={<p>checking</p>} />, { wrapper: tab(edge).wrapper });
    await waitFor(() => expect(assign).toHaveBeenCalledWith('/auth/login?returnTo=%2Freports'));
    expect(screen.queryByText('Login failed.')).toBeNull();
    // A younger one is a login that came back without a session: an error, no second login.
    cleanup();
    assign.mockClear();
    sessionStorage.setItem('grantkit:login:/auth', String(Date.now() - 9 * 60_000));
    render(<RequireAuth fallback={<p>checking</p>} />, { wrapper: tab(edge).wrapper });
    await screen.findByText('Login failed.');
    await settle();
    expect(assign).not.toHaveBeenCalled();
  });

  it('a page restored from the back-forward cache after leaving for login loads again', async () => {
    const reload = vi.fn();
    vi.spyOn(window.location, 'reload').mockImplementation(reload);
    const edge = createEdge();
    history.replaceState(null, '', '/reports');
    render(<RequireAuth fallback={<p>checking</p>} />, { wrapper: tab(edge).wrapper });
    await waitFor(() => expect(assign).toHaveBeenCalledTimes(1));
    // A plain pageshow (first load) changes nothing; a restored page (persisted) loads again, and
    // the new document finds a login that came back without a session (tested above).
    dispatchEvent(Object.assign(new Event('pageshow'), { persisted: false }));
    expect(reload).not.toHaveBeenCalled();
    dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
    expect(reload).toHaveBeenCalled();
  });
});
