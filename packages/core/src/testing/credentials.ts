/**
 * Default test credentials, used by {@link createVendorEmulator} when its options omit a vendor's
 * clients. They are fakes: safe to commit, useless anywhere but the emulator.
 *
 * The generic OAuth 2.0 secret deliberately contains `:`, `+`, `/` and `=` so that a client that
 * skips the form-urlencoding of RFC 6749 §2.3.1 before Basic encoding is caught.
 *
 * @example
 * import { TEST_CREDENTIALS } from '@grantkit/core/testing';
 * const { clientId, clientSecret } = TEST_CREDENTIALS.firstDollarPartner;
 */
export const TEST_CREDENTIALS = {
  firstDollarPartner: {
    clientId: 'partner_TEST_api@partner.firstdollar.com',
    clientSecret: 'fd-partner-test-secret',
  },
  firstDollarApp: {
    appId: 'app_TEST',
    clientId: 'fd-app-test-client',
    clientSecret: 'fd-app-test-secret',
    redirectUri: 'http://127.0.0.1/auth/callback',
  },
  firstOrion: {
    apiKey: 'fo-test-api-key',
    secretKey: 'fo-test-secret-key',
  },
  orangeLogic: {
    clientId: 'ol-test-client',
    clientSecret: 'ol-test-secret',
    redirectUri: 'http://127.0.0.1/auth/callback',
  },
  oauth2: {
    clientId: 'oauth2-test-client',
    clientSecret: 'oauth2 test:secret+/=',
    redirectUri: 'http://127.0.0.1/auth/callback',
    tokenEndpointAuthMethod: 'client_secret_basic',
  },
  oauth2Public: {
    clientId: 'oauth2-test-public',
    redirectUri: 'http://127.0.0.1/auth/callback',
    tokenEndpointAuthMethod: 'none',
  },
} as const satisfies {
  firstDollarPartner: { clientId: string; clientSecret: string };
  firstDollarApp: { appId: string; clientId: string; clientSecret: string; redirectUri: string };
  firstOrion: { apiKey: string; secretKey: string };
  orangeLogic: { clientId: string; clientSecret: string; redirectUri: string };
  oauth2: {
    clientId: string;
    clientSecret: string;
    redirectUri: string;
    tokenEndpointAuthMethod: 'client_secret_basic';
  };
  oauth2Public: { clientId: string; redirectUri: string; tokenEndpointAuthMethod: 'none' };
};
