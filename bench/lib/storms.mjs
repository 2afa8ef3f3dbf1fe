// (3) Refresh storms against a loopback token server (127.0.0.1), every refresh token single-use.
// Prints one JSON line: { scenarios: { name: { lib: { tokenRequests, failures, ... } } } }.
import { createTokenClient, oauth2 } from '@grantkit/core';
import { OAuth2Client, OAuth2Fetch } from '@badgateway/oauth2-client';
import { startTokenServer } from './token-server.mjs';

const CALLERS = Number(process.env.BENCH_STORM_CALLERS ?? 1000);
const WAVES = Number(process.env.BENCH_STORM_WAVES ?? 3);
// 0–200 ms spread over the callers, in a scrambled (but deterministic) order.
const spread = (i) => (((i * 397) % CALLERS) / Math.max(1, CALLERS - 1)) * 200;

// Silence the libraries' own console noise during storms, but count it.
let consoleLines = 0;
console.warn = console.error = () => {
  consoleLines += 1;
};

const HOUR = 3_600_000;

/** Each library as: { getAccessToken(), fetch(url), expire() } seeded with a token pair. */
const LIBS = {
  grantkit(server, seed, { valid }) {
    let offset = 0; // the client's clock; expire() moves it two hours on
    const client = createTokenClient({
      adapter: oauth2({
        clientId: 'bench',
        clientSecret: 'secret',
        tokenEndpoint: `${server.url}/token`,
      }),
      now: () => Date.now() + offset,
    });
    const ready = client.setTokenSet({
      accessToken: seed.access_token,
      tokenType: 'Bearer',
      refreshToken: seed.refresh_token,
      expiresAt: Date.now() + (valid ? HOUR : -1000),
    });
    return {
      ready,
      getAccessToken: () => client.getAccessToken(),
      fetch: (url) => client.fetch(url),
      expire() {
        offset += 2 * HOUR;
      },
    };
  },
  badgateway(server, seed, { valid }) {
    const client = new OAuth2Client({
      clientId: 'bench',
      clientSecret: 'secret',
      tokenEndpoint: `${server.url}/token`,
    });
    const wrapper = new OAuth2Fetch({
      client,
      scheduleRefresh: false,
      // An authorization-code session: once the refresh token is refused, only the user can log in again.
      getNewToken: () => null,
      getStoredToken: () => ({
        accessToken: seed.access_token,
        refreshToken: seed.refresh_token,
        expiresAt: Date.now() + (valid ? HOUR : -1000),
      }),
    });
    return {
      ready: Promise.resolve(),
      getAccessToken: () => wrapper.getAccessToken(),
      fetch: (url) => wrapper.fetch(url),
      expire() {
        // No clock option: the cached token's (private) expiresAt is moved into the past instead.
        if (wrapper.token) wrapper.token.expiresAt = Date.now() - 1;
      },
    };
  },
};

async function settle(promises) {
  const results = await Promise.allSettled(promises);
  let failures = 0;
  const errors = new Set();
  for (const r of results) {
    if (r.status === 'rejected') {
      failures += 1;
      errors.add(String(r.reason?.code ?? r.reason?.message ?? r.reason).slice(0, 80));
    } else if (r.value instanceof Response) {
      if (r.value.status !== 200) {
        failures += 1;
        errors.add(`HTTP ${r.value.status}`);
      }
      await r.value.body?.cancel();
    } else if (typeof r.value !== 'string' || r.value === '') {
      failures += 1;
      errors.add('no token');
    }
  }
  return { failures, errors: [...errors] };
}

const scenarios = {
  /** 1000 concurrent getAccessToken() on an expired token. */
  async expiry(server, make) {
    const lib = make(server, server.seed(), { valid: false });
    await lib.ready;
    server.reset();
    const t0 = performance.now();
    const out = await settle(Array.from({ length: CALLERS }, () => lib.getAccessToken()));
    return { tokenRequests: server.stats.token, ...out, ms: Math.round(performance.now() - t0) };
  },
  /** 1000 concurrent API calls, all answered 401 (token revoked server-side), answers spread 0–200 ms. */
  async unauthorized(server, make) {
    const lib = make(server, server.seed(), { valid: true });
    await lib.ready;
    server.revokeAccessTokens();
    server.setLatency(spread);
    server.reset();
    const t0 = performance.now();
    const out = await settle(Array.from({ length: CALLERS }, () => lib.fetch(`${server.url}/api`)));
    const result = {
      tokenRequests: server.stats.token,
      ...out,
      api401: server.stats.api401,
      ms: Math.round(performance.now() - t0),
    };
    server.setLatency(undefined);
    return result;
  },
  /**
   * WAVES waves mixing both triggers: the server revokes the access token and CALLERS/2 API calls get
   * 401s spread over 0–200 ms; 100 ms in, the client's token also expires and CALLERS/2 callers ask
   * getAccessToken(). Reused refresh tokens are refused and revoke their family.
   */
  async singleUseWaves(server, make) {
    const lib = make(server, server.seed(), { valid: true });
    await lib.ready;
    server.reset();
    const t0 = performance.now();
    let failures = 0;
    const errors = new Set();
    for (let w = 0; w < WAVES; w++) {
      server.revokeAccessTokens();
      server.setLatency(spread);
      const api = Array.from({ length: CALLERS / 2 }, () => lib.fetch(`${server.url}/api`));
      await new Promise((r) => setTimeout(r, 100));
      lib.expire();
      const getters = Array.from({ length: CALLERS / 2 }, () => lib.getAccessToken());
      const out = await settle([...api, ...getters]);
      failures += out.failures;
      out.errors.forEach((e) => errors.add(e));
    }
    server.setLatency(undefined);
    return {
      tokenRequests: server.stats.token,
      tokenErrors: server.stats.tokenErrors,
      failures,
      errors: [...errors],
      waves: WAVES,
      ms: Math.round(performance.now() - t0),
    };
  },
};

const results = {};
for (const [name, run] of Object.entries(scenarios)) {
  results[name] = {};
  for (const [lib, make] of Object.entries(LIBS)) {
    const server = await startTokenServer({ singleUse: true });
    try {
      results[name][lib] = await run(server, make);
    } catch (error) {
      results[name][lib] = { error: String(error?.message ?? error) };
    } finally {
      await server.close();
    }
  }
  results[name]['oidc-client-ts'] = {
    skipped:
      'not practical in Node: renewal lives in UserManager.signinSilent (window/navigator, storage, iframe navigator); headless use needs a DOM shim and an OIDC discovery/JWKS stack',
  };
}
process.stdout.write(
  `@@RESULT ${JSON.stringify({ callers: CALLERS, waves: WAVES, consoleLines, scenarios: results })}\n`,
);
