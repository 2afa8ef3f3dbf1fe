// (5) Memory (child process, needs --expose-gc). Heap deltas against a baseline taken after full GCs.
// Prints one JSON line: { libs: { name: { perClientBytes, afterDropBytes, afterHotPathBytes } } }.
import { createTokenClient, oauth2 } from '@grantkit/core';
import { OAuth2Client, OAuth2Fetch } from '@badgateway/oauth2-client';

if (typeof globalThis.gc !== 'function') {
  console.error('memory.mjs needs --expose-gc');
  process.exit(2);
}
const CLIENTS = Number(process.env.BENCH_MEM_CLIENTS ?? 10_000);
const CALLS = Number(process.env.BENCH_MEM_CALLS ?? 1_000_000);

async function heap() {
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

// The edge's case: every session's client runs the handler's one adapter.
const sharedAdapter = oauth2({
  clientId: 'bench',
  clientSecret: 'secret',
  tokenEndpoint: 'http://127.0.0.1:9/token',
  clientCredentials: true,
});

const makers = {
  async grantkit() {
    const client = createTokenClient({
      adapter: oauth2({
        clientId: 'bench',
        clientSecret: 'secret',
        tokenEndpoint: 'http://127.0.0.1:9/token',
        clientCredentials: true,
      }),
    });
    await client.setTokenSet({
      accessToken: 'at',
      tokenType: 'Bearer',
      expiresAt: Date.now() + 3_600_000,
    });
    await client.getAccessToken();
    return client;
  },
  async 'grantkit, one adapter for all'() {
    const client = createTokenClient({ adapter: sharedAdapter });
    await client.setTokenSet({
      accessToken: 'at',
      tokenType: 'Bearer',
      expiresAt: Date.now() + 3_600_000,
    });
    await client.getAccessToken();
    return client;
  },
  async badgateway() {
    const client = new OAuth2Client({
      clientId: 'bench',
      clientSecret: 'secret',
      tokenEndpoint: 'http://127.0.0.1:9/token',
    });
    const wrapper = new OAuth2Fetch({
      client,
      getNewToken: () => ({
        accessToken: 'at',
        refreshToken: null,
        expiresAt: Date.now() + 3_600_000,
      }),
    });
    await wrapper.getAccessToken();
    return wrapper;
  },
};

async function createMany(make) {
  const clients = [];
  for (let i = 0; i < CLIENTS; i++) clients.push(await make());
  const alive = await heap();
  if (clients.length !== CLIENTS) throw new Error('unreachable');
  return alive;
}

async function hotPath(make) {
  const one = await make();
  const hotBase = await heap();
  for (let i = 0; i < CALLS; i++) await one.getAccessToken();
  return { hotBase, hot: await heap() };
}

const libs = {};
for (const [name, make] of Object.entries(makers)) {
  await make(); // load and warm the code before the baseline
  const base = await heap();
  const alive = await createMany(make); // the clients live only inside createMany's frame
  const dropped = await heap();
  const { hotBase, hot } = await hotPath(make);
  libs[name] = {
    perClientBytes: Math.round((alive - base) / CLIENTS),
    afterDropBytes: dropped - base,
    afterHotPathBytes: hot - hotBase,
  };
}
console.log(`@@RESULT ${JSON.stringify({ clients: CLIENTS, calls: CALLS, libs })}`);
