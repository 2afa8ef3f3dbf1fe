import { expect, it } from 'vitest';
import { createSessionClient } from './session-client';

const refusal = (options: unknown): string => {
  try {
    createSessionClient(options as never);
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).not.toContain('CANARY');
    return (error as Error).message;
  }
  throw new Error('accepted');
};

it('createSessionClient refuses every option its docs rule out, naming the option', () => {
  expect(refusal({ basepath: '/auth' })).toBe(
    'createSessionClient: unknown option "basepath" (did you mean "basePath"?)',
  );
  expect(refusal({ graphql: '/api/graphql' })).toBe(
    'createSessionClient: unknown option "graphql"',
  );
  expect(refusal({ basePath: 'auth' })).toBe(
    'createSessionClient: "basePath" must be a path starting with "/", not a string',
  );
  expect(refusal({ basePath: '//evil.example/auth' })).toMatch(/"basePath" must be a path/);
  expect(refusal({ graphqlPath: 42 })).toBe(
    'createSessionClient: "graphqlPath" must be a path starting with "/", not a number',
  );
  expect(refusal({ graphqlPath: 'CANARY-https://api.example/graphql' })).toMatch(
    /"graphqlPath" must be a path/,
  );
  expect(refusal({ fetch: {} })).toBe(
    'createSessionClient: "fetch" must be a function, not an object',
  );
  expect(refusal(null)).toBe('createSessionClient: the options must be an object, not null');
});

it('createSessionClient accepts every documented option', () => {
  expect(() => createSessionClient()).not.toThrow();
  expect(() =>
    createSessionClient({
      basePath: '/auth/',
      graphqlPath: '/api/graphql',
      fetch: globalThis.fetch,
    }),
  ).not.toThrow();
  expect(() => createSessionClient({ basePath: undefined })).not.toThrow();
});
