// @vitest-environment node
import { renderToString } from 'react-dom/server';
import { expect, it } from 'vitest';
import { loadSession, saveReturnTo, saveSession, takeReturnTo } from './persist';

it('imports and renders on a server: no window, document, location or IndexedDB touched', async () => {
  expect(typeof window).toBe('undefined');
  expect(typeof document).toBe('undefined');
  const {
    GrantkitProvider,
    createSessionClient,
    useFirstDollarAuth,
    useFirstDollarCallback,
    useFirstDollarQuery,
  } = await import('@grantkit/react');
  function App() {
    const { status } = useFirstDollarAuth();
    const callback = useFirstDollarCallback();
    const { data } = useFirstDollarQuery<{ ping: string }>('query { ping }');
    return <p>{`${status} ${callback.status} ${data?.ping ?? '-'}`}</p>;
  }
  // A session client made at module scope of an app is fine on the server too.
  const client = createSessionClient();
  expect(
    renderToString(
      <GrantkitProvider client={client}>
        <App />
      </GrantkitProvider>,
    ),
  ).toBe('<p>loading loading -</p>');
  expect(
    renderToString(
      <GrantkitProvider>
        <App />
      </GrantkitProvider>,
    ),
  ).toBe('<p>loading loading -</p>');
});

it('the guard and the vendor-neutral hooks render their loading state on a server', async () => {
  const {
    GrantkitProvider,
    RequireAuth,
    useGrantkitAuth,
    useGrantkitCallback,
    useGrantkitMutation,
    useGrantkitQuery,
    useRequireAuth,
  } = await import('@grantkit/react');
  function Page() {
    const auth = useGrantkitAuth();
    const guard = useRequireAuth();
    const callback = useGrantkitCallback();
    const { data } = useGrantkitQuery<{ sub: string }>('/api/echo');
    const save = useGrantkitMutation('/api/echo');
    return (
      <p>{`${auth.status} ${guard.status} ${callback.status} ${data?.sub ?? '-'} ${save.status}`}</p>
    );
  }
  expect(
    renderToString(
      <GrantkitProvider>
        <RequireAuth fallback={<p>checking</p>}>
          <p>secret</p>
        </RequireAuth>
        <Page />
      </GrantkitProvider>,
    ),
  ).toBe('<p>checking</p><p>loading loading loading - idle</p>');
});

it('persistence is a no-op where IndexedDB is missing', async () => {
  expect(typeof indexedDB).toBe('undefined');
  await expect(saveReturnTo('/auth', '/x')).resolves.toBeUndefined();
  await expect(takeReturnTo('/auth')).resolves.toBeUndefined();
  await expect(saveSession('/auth', { authenticated: true })).resolves.toBeUndefined();
  await expect(loadSession('/auth')).resolves.toBeUndefined();
});
