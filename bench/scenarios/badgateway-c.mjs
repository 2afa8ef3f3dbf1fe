export * from '@badgateway/oauth2-client';
