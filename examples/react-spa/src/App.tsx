import {
  grantkitKeys,
  useFirstDollarAuth,
  useFirstDollarCallback,
  useFirstDollarQuery,
  useGrantkit,
} from '@grantkit/react';
import { useEffect, useState } from 'react';

/** The current path, following history.replaceState + popstate (what the callback hook does). */
function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    addEventListener('popstate', update);
    return () => removeEventListener('popstate', update);
  }, []);
  return path;
}

export function App() {
  return usePath() === '/callback' ? <Callback /> : <Home />;
}

/** Used when the vendor redirects to the SPA (`/callback`) rather than to the edge (`/auth/callback`). */
function Callback() {
  const { status, error } = useFirstDollarCallback();
  return (
    <main>
      <h1>grantkit React demo</h1>
      <p id="status" data-status={`callback-${status}`}>
        {status === 'error' ? `Login failed: ${error?.message}` : 'Signing you in…'}
      </p>
    </main>
  );
}

function Home() {
  const { status, session, login, logout, error } = useFirstDollarAuth();
  const edgeError = new URLSearchParams(location.search).get('error');
  return (
    <main>
      <h1>grantkit React demo</h1>
      <p id="status" data-status={status}>
        Status: <strong>{status}</strong>
      </p>
      {edgeError && <p role="alert">The last login failed: {edgeError}</p>}

      {status === 'loading' && <p>Asking the edge about the session…</p>}

      {status === 'unauthenticated' && (
        <button id="login" onClick={() => void login({ returnTo: '/' })}>
          Log in with First Dollar
        </button>
      )}

      {status === 'consent_required' && (
        <section id="consent-required">
          <h2>Consent required</h2>
          <p>
            First Dollar no longer lets this app act for you (consent was revoked). Consent again to
            continue.
          </p>
          <button id="consent" onClick={() => void login({ returnTo: '/' })}>
            Consent again
          </button>
        </section>
      )}

      {status === 'authenticated' && (
        <>
          <p id="session">
            Logged in. Access token valid until{' '}
            <time>{new Date(session?.expiresAt ?? 0).toLocaleTimeString()}</time> (the edge renews
            it; the browser never sees it).
          </p>
          <Ping />
          <p>
            <RevokeConsent />{' '}
            <button id="logout" onClick={() => void logout()}>
              Log out
            </button>
          </p>
        </>
      )}

      {status === 'error' && <p role="alert">The edge could not be reached: {error?.message}</p>}
    </main>
  );
}

function Ping() {
  const { data, error, isFetching, refetch } = useFirstDollarQuery<{ ping: string }>(
    'query { ping }',
  );
  return (
    <p>
      <code>query {'{ ping }'}</code> →{' '}
      <output id="ping">{error ? error.code : isFetching && !data ? '…' : data?.ping}</output>{' '}
      <button id="run-ping" onClick={() => void refetch()}>
        Run again
      </button>
    </p>
  );
}

/** Demo only: asks the emulator to revoke consent, then runs the queries again to find out. */
function RevokeConsent() {
  const { queryClient } = useGrantkit();
  const revoke = async () => {
    const response = await fetch('/demo/revoke-consent', {
      method: 'POST',
      headers: { 'x-grantkit-csrf': '1' },
    });
    if (!response.ok) return alert('Revoking consent is only possible with the emulator');
    await queryClient.invalidateQueries({ queryKey: grantkitKeys.graphql() });
  };
  return (
    <button id="revoke" onClick={() => void revoke()}>
      Revoke consent (demo)
    </button>
  );
}
