export * from 'arctic';
