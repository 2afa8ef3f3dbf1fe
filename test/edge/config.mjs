// The handler configuration of the edge suite, shared by the runs that build the handler themselves
// (the workerd run with KV and the Durable Object builds it inside the Worker).
import { firstDollarApp, firstDollarGraphQLEndpoint } from '@grantkit/core';
import { TEST_CREDENTIALS } from '@grantkit/core/testing';

export const VENDOR = 'https://api.dev.firstdollar.com';
export const SECRET = 'edge-suite-session-secret-0123456789abcdef';

/** The suite's `createAuthHandler` options; `fetch` reaches the vendor (the global fetch when absent). */
export function suiteHandlerOptions({ fetch } = {}) {
  const app = TEST_CREDENTIALS.firstDollarApp;
  return {
    adapter: firstDollarApp({ ...app, apiBaseUrl: VENDOR }),
    secret: SECRET,
    ...(fetch ? { fetch } : {}),
    proxy: { '/api/graphql': firstDollarGraphQLEndpoint({ apiBaseUrl: VENDOR, appId: app.appId }) },
    errorRedirect: '/error',
  };
}
