// Edge suite checks (see ./suite.mjs for `t`): run unchanged in Node, workerd and Deno.
// The API proxy's bodies and headers (issue #11, defects 1, 2 and 9). The vendor is reached in-process
// here; the compressing upstream over real HTTP is test/runtimes/proxy-compression.test.ts.

/** Every spelling of a JWT access token's start that a leaky error page could carry. */
const JWT_SPELLINGS = ['eyJ', btoa('Bearer eyJ').slice(0, 12), encodeURIComponent('Bearer eyJ')];

/** @param {Record<string, any>} t the suite's browser, vendor and helpers */
export function proxyChecks(t) {
  const { call, emu, same, ping, loggedIn, assert } = t;
  return {
    async 'proxy: a body over the 64 KiB replay buffer streams to the vendor and is answered'() {
      const { cookies } = await loggedIn();
      const body = JSON.stringify({
        query: 'query { ping }',
        variables: { pad: 'p'.repeat(200_000) },
      });
      const res = await call('/api/graphql', { method: 'POST', cookies, headers: same, body });
      assert(
        res.status === 200 && res.json().data.ping === 'pong',
        `${res.status} ${res.text.slice(0, 200)}`,
      );
    },
    async 'proxy: a body over maxBodyBytes is 413 payload_too_large, without a Content-Length too'() {
      const { cookies } = await loggedIn();
      const res = await call('/api/graphql', {
        method: 'POST',
        cookies,
        headers: same,
        body: 'x'.repeat(1_048_577),
      });
      assert(
        res.status === 413 && res.json().error === 'payload_too_large',
        `${res.status} ${res.text.slice(0, 200)}`,
      );
    },
    async 'proxy: an answer the vendor compressed (and fetch decoded) reaches the browser without Content-Encoding'() {
      const { cookies } = await loggedIn();
      emu.setCompression(true);
      try {
        const res = await call('/api/graphql', {
          method: 'POST',
          cookies,
          headers: same,
          body: ping,
        });
        assert(
          res.headers.get('content-encoding') === null,
          `content-encoding ${res.headers.get('content-encoding')}`,
        );
        const length = res.headers.get('content-length');
        assert(
          length === null || Number(length) === new TextEncoder().encode(res.text).byteLength,
          `content-length ${length} for ${res.text.length} chars`,
        );
        assert(
          res.status === 200 && res.json().data.ping === 'pong',
          `${res.status} ${res.text.slice(0, 200)}`,
        );
      } finally {
        emu.setCompression(false);
      }
    },
    async 'proxy: an API error quoting the Authorization header reaches the browser with the token redacted'() {
      const { cookies } = await loggedIn();
      emu.fault({ path: /graphql$/, echoAuthorization: true, status: 403 });
      const res = await call('/api/graphql', {
        method: 'POST',
        cookies,
        headers: same,
        body: ping,
      });
      const seen = `${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${res.text}`;
      assert(res.status === 403, `${res.status}`);
      assert(seen.includes('[REDACTED]'), 'nothing redacted');
      for (const s of JWT_SPELLINGS) assert(!seen.includes(s), `the answer carries ${s}…`);
    },
  };
}
