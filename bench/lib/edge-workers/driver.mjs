// (4a, in-isolate view) A load driver inside workerd: `total` requests, `concurrency` in flight, to the
// proxy or the bare Worker through a service binding, so no Node HTTP client shares the measured path.
// POST { target: 'proxy' | 'bare' | a profile variant, total, concurrency, headers, body } → { ms, failures, first? }.
export default {
  async fetch(request, env) {
    const { target, total, concurrency, headers, body } = await request.json();
    const service = env[target.toUpperCase().replace(/-/g, '_')];
    const url = `http://${target}.bench/api/graphql`;
    let started = 0;
    let failures = 0;
    let first;
    // workerd reads its clock at ms granularity (and deployed, advances it only on I/O): rounds last
    // hundreds of ms, and the clock is read after I/O turns.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: Math.min(concurrency, total) }, async () => {
        while (started < total) {
          started += 1;
          const response = await service.fetch(url, { method: 'POST', headers, body });
          const text = await response.text();
          if (
            response.status !== 200 ||
            !text.includes('"pong"') ||
            response.headers.has('set-cookie')
          ) {
            failures += 1;
            first ??= `${response.status} ${text.slice(0, 200)}`;
          }
        }
      }),
    );
    const ms = Date.now() - t0;
    return Response.json({ ms, failures, ...(first ? { first } : {}) });
  },
};
