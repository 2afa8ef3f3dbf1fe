// (b) authorization URL (state + PKCE) + code exchange + refresh (refresh tokens, memory cache).
import { Auth0Client } from '@auth0/auth0-spa-js';

const auth0 = new Auth0Client({
  domain: 'tenant.example',
  clientId: 'id',
  useRefreshTokens: true,
  authorizationParams: { redirect_uri: 'https://app.example/cb' },
});
export const login = () => auth0.loginWithRedirect();
export const callback = () => auth0.handleRedirectCallback();
export const refresh = () => auth0.getTokenSilently({ cacheMode: 'off' });
export const getToken = () => auth0.getTokenSilently();
