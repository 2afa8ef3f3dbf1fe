export * from 'oidc-client-ts';
