// (b) authorization URL (state + PKCE) + code exchange + refresh, via UserManager.
import { UserManager } from 'oidc-client-ts';

const manager = new UserManager({
  authority: 'https://as.example',
  client_id: 'id',
  redirect_uri: 'https://app.example/cb',
  metadata: {
    issuer: 'https://as.example',
    authorization_endpoint: 'https://as.example/authorize',
    token_endpoint: 'https://as.example/token',
  },
});
export const login = () => manager.signinRedirect();
export const callback = () => manager.signinRedirectCallback();
export const refresh = () => manager.signinSilent();
export const getToken = async () => (await manager.getUser())?.access_token;
