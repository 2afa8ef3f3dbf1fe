import {
  grantkitKeys,
  useFirstDollarCallback,
  useFirstDollarQuery,
  useGrantkit,
  RequireAuth,
  useGrantkitAuth,
  useGrantkitQuery,
} from '@grantkit/react';
import { useEffect, useState } from 'react';
import { FlowPanel } from './FlowPanel';
import { sentence } from './sentences';
import { VENDORS, type Vendor } from './vendors';

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

export function App({ vendor }: { vendor: Vendor }) {
  const path = usePath();
  return (
    <div className="layout">
      <header>
        <h1>grantkit React demo</h1>
        <nav aria-label="Vendor">
          {(Object.keys(VENDORS) as Vendor[]).map((v) => (
            <a
              key={v}
              id={`vendor-${v}`}
              href={VENDORS[v].page}
              aria-current={v === vendor ? 'page' : undefined}
            >
              {VENDORS[v].name}
            </a>
          ))}
        </nav>
        <p className="note">{VENDORS[vendor].about}</p>
      </header>
      <main>
        {path === '/callback' ? (
          <Callback />
        ) : path === VENDORS[vendor].account ? (
          <Account vendor={vendor} />
        ) : (
          <Home vendor={vendor} />
        )}
      </main>
      <FlowPanel vendor={vendor} />
    </div>
  );
}

/** Used when the vendor redirects to the SPA (`/callback`) rather than to the edge (`/auth/callback`). */
function Callback() {
  const { status, error } = useFirstDollarCallback();
  return (
    <p id="status" data-status={`callback-${status}`}>
      {status === 'error'
        ? sentence((error as { code?: string } | null)?.code, 'First Dollar')
        : 'Signing you in…'}
    </p>
  );
}

/**
 * A page behind the route guard: an unauthenticated visitor is sent to the vendor's consent page
 * and comes back here; the children render only with a session.
 */
function Account({ vendor }: { vendor: Vendor }) {
  const { name, page } = VENDORS[vendor];
  return (
    <RequireAuth
      fallback={
        <p id="status" data-status="guard-loading">
          Checking the session (an unauthenticated visitor goes to {name}'s consent page)…
        </p>
      }
      errorFallback={({ error, retry }) => (
        <p role="alert">
          {sentence((error as { code?: string }).code, name)}{' '}
          <button onClick={retry}>Try again</button>
        </p>
      )}
    >
      <section id="account">
        <h2>Your account</h2>
        <p id="status" data-status="authenticated">
          This page is behind <code>&lt;RequireAuth&gt;</code>: only a logged-in user sees it.
        </p>
        {vendor === 'firstDollar' ? <Ping /> : <Echo />}
        <p>
          <a href={page}>Back to the demo</a>
        </p>
      </section>
    </RequireAuth>
  );
}

function Home({ vendor }: { vendor: Vendor }) {
  // Vendor-neutral: the same hook for First Dollar and Orange Logic (each page's provider points
  // at its own edge handler).
  const { status, session, login, logout, error } = useGrantkitAuth();
  const { name, page } = VENDORS[vendor];
  const [edgeError, setEdgeError] = useState(() =>
    new URLSearchParams(location.search).get('error'),
  );
  const [confirming, setConfirming] = useState(false);
  useEffect(() => {
    // The error is shown once; the address bar keeps no stale `?error=`.
    if (edgeError) history.replaceState(null, '', page);
  }, [edgeError, page]);
  const start = () => {
    setEdgeError(null);
    void login({ returnTo: page });
  };
  return (
    <>
      <p id="status" data-status={status}>
        {status === 'authenticated'
          ? `Logged in with ${name}.`
          : status === 'unauthenticated'
            ? 'Not logged in.'
            : status === 'loading'
              ? 'Asking the edge about the session…'
              : status === 'consent_required'
                ? 'Consent required.'
                : 'The edge could not be reached.'}
      </p>
      {edgeError && (
        <p id="error" role="alert" data-code={edgeError}>
          {sentence(edgeError, name)}
        </p>
      )}

      {status === 'unauthenticated' && (
        <button id="login" className="primary" onClick={start}>
          Log in with {name}
        </button>
      )}

      {status === 'consent_required' && (
        <section id="consent-required">
          <h2>Consent required</h2>
          <p>
            {name} no longer lets this app act for you (consent was revoked). Consent again to
            continue.
          </p>
          <button id="consent" className="primary" onClick={start}>
            Consent again
          </button>
        </section>
      )}

      {status === 'authenticated' && (
        <>
          <p id="session">
            The edge holds an access token valid until{' '}
            <time>{new Date(session?.expiresAt ?? 0).toLocaleTimeString()}</time>; this page never
            sees it, only the session cookie goes back and forth (and script cannot read it).
          </p>
          {vendor === 'firstDollar' ? <Ping /> : <Echo />}
          <p>
            <a id="account-link" href={VENDORS[vendor].account}>
              Your account
            </a>{' '}
            (a page behind the <code>&lt;RequireAuth&gt;</code> route guard)
          </p>
          <div className="controls">
            <Expire vendor={vendor} />
            {vendor === 'firstDollar' && <RevokeConsent />}
            {confirming ? (
              <span role="group" aria-label="Confirm logout" className="confirm">
                Log out? The edge deletes the session and its tokens.{' '}
                <button id="logout-confirm" onClick={() => void logout()}>
                  Yes, log out
                </button>{' '}
                <button id="logout-cancel" onClick={() => setConfirming(false)}>
                  Cancel
                </button>
              </span>
            ) : (
              <button id="logout" onClick={() => setConfirming(true)}>
                Log out
              </button>
            )}
          </div>
        </>
      )}

      {status === 'error' && (
        <p role="alert">
          The edge could not be reached ({error?.message ?? 'no answer'}). Is the demo server still
          running?
        </p>
      )}
    </>
  );
}

function Ping() {
  const { data, error, isFetching, refetch } = useFirstDollarQuery<{ ping: string }>(
    'query { ping }',
  );
  return (
    <p>
      <code>query {'{ ping }'}</code> through the edge →{' '}
      <output id="ping" data-fetching={isFetching}>
        {isFetching ? '…' : error ? sentence(error.code, 'First Dollar') : data?.ping}
      </output>{' '}
      <button id="run-ping" onClick={() => void refetch()}>
        Call again
      </button>
    </p>
  );
}

/** Orange Logic: `GET /ol/api/echo` through the edge's proxy (the emulator's `/webapi/echo`). */
function Echo() {
  const { data, error, isFetching, refetch } = useGrantkitQuery<{ ok: boolean; sub: string }>(
    VENDORS.orangeLogic.api,
  );
  return (
    <p>
      <code>GET /webapi/echo</code> through the edge →{' '}
      <output id="ping" data-fetching={isFetching}>
        {isFetching
          ? '…'
          : error
            ? sentence(error.code, 'Orange Logic')
            : data && `ok, user ${data.sub}`}
      </output>{' '}
      <button id="run-ping" onClick={() => void refetch()}>
        Call again
      </button>
    </p>
  );
}

const demoPost = (path: string, vendor: Vendor) =>
  fetch(`${path}?vendor=${vendor}`, { method: 'POST', headers: { 'x-grantkit-csrf': '1' } });

/** Demo only: the emulator's clock jumps one token lifetime ahead; the next call shows the refresh. */
function Expire({ vendor }: { vendor: Vendor }) {
  const [done, setDone] = useState(false);
  const expire = async () => {
    const response = await demoPost('/demo/expire', vendor);
    setDone(response.ok);
  };
  return (
    <>
      <button id="expire" onClick={() => void expire()}>
        Expire the access token now
      </button>
      {done && (
        <span id="expired" className="hint">
          Expired at {VENDORS[vendor].name}. Press <em>Call again</em>: the edge gets a 401,
          refreshes the token and retries.
        </span>
      )}
    </>
  );
}

/** Demo only: asks the emulator to revoke consent, then runs the queries again to find out. */
function RevokeConsent() {
  const { queryClient } = useGrantkit();
  const [failed, setFailed] = useState(false);
  const revoke = async () => {
    const response = await demoPost('/demo/revoke-consent', 'firstDollar');
    setFailed(!response.ok);
    if (response.ok) await queryClient.invalidateQueries({ queryKey: grantkitKeys.graphql() });
  };
  return (
    <>
      <button id="revoke" onClick={() => void revoke()}>
        Revoke consent (demo)
      </button>
      {failed && (
        <span role="alert">
          Only the emulator can revoke consent here; revoke it in First Dollar.
        </span>
      )}
    </>
  );
}
