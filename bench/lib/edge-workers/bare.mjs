// (4) Edge overhead: the baseline, a bare passthrough Worker. It forwards the request as it came
// (method, headers, body; the caller sends the bearer token itself) to the same upstream URL as the
// proxy route, and returns the upstream's response untouched.
export default {
  async fetch(request, env) {
    const target = new URL(env.UPSTREAM);
    target.search = new URL(request.url).search;
    return fetch(new Request(target, request));
  },
};
