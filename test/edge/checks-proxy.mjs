// Edge suite checks (see ./suite.mjs for `t`): run unchanged in Node, workerd and Deno.

/** @param {Record<string, any>} t the suite's browser, vendor and helpers */
export function proxyChecks(t) {
  return {};
}
