export * from '@grantkit/edge';
