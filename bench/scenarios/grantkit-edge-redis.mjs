export * from '@grantkit/edge/redis';
