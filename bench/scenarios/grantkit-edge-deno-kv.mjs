export * from '@grantkit/edge/deno-kv';
