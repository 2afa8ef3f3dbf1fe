/** The vendors the demo shows; the server (`server.mjs`) mounts an edge handler for each. */
export const VENDORS = {
  firstDollar: {
    name: 'First Dollar',
    page: '/',
    account: '/account',
    basePath: '/auth',
    api: '/api/graphql',
    about:
      'First Dollar OAuth App: the consent page names no redirect or state (the edge binds the callback to this browser with a login-intent cookie); tokens last 1 h and the refresh token rotates.',
  },
  orangeLogic: {
    name: 'Orange Logic',
    page: '/orange-logic',
    account: '/orange-logic/account',
    basePath: '/ol/auth',
    api: '/ol/api/echo',
    about:
      'Orange Logic (OrangeDAM) OAuth 2.0 on your tenant site: the authorize step echoes the state, which the edge checks; access tokens last 24 h, refresh tokens 30 days, and every refresh returns a new pair.',
  },
} as const;

export type Vendor = keyof typeof VENDORS;

/** The vendor of a page path: `/orange-logic…` is Orange Logic, everything else First Dollar. */
export const vendorOfPath = (path: string): Vendor =>
  path === VENDORS.orangeLogic.page || path.startsWith(`${VENDORS.orangeLogic.page}/`)
    ? 'orangeLogic'
    : 'firstDollar';
