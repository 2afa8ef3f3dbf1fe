import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createVendorEmulator, TEST_CREDENTIALS } from './testing/index';
import { firstDollarApp } from './adapters/first-dollar';
import { createTokenClient } from './token-client';
import { GraphQLRequestError } from './errors';
import { createGraphQLClient, firstDollarGraphQLEndpoint } from './graphql';
import { GraphQLDomainError } from './errors';

const BASE = 'https://emulator.test';
const { firstDollarApp: app } = TEST_CREDENTIALS;

async function setup() {
  const emu = createVendorEmulator();
  const tokenClient = createTokenClient({
    adapter: firstDollarApp({ ...app, apiBaseUrl: BASE }),
    fetch: emu.fetch,
    now: () => emu.clock.now(),
  });
  await tokenClient.exchangeCode(emu.issueCode('firstDollar', app.appId));
  const graphql = createGraphQLClient({
    tokenClient,
    endpoint: firstDollarGraphQLEndpoint({ apiBaseUrl: BASE, appId: app.appId }),
    retryDelay: 5,
  });
  return { emu, graphql, tokenClient };
}

describe('First Dollar GraphQL client', () => {
  it('answers data for query { ping } on the OAuth App endpoint', async () => {
    const { graphql } = await setup();
    await expect(graphql.request<{ ping: string }>('query { ping }')).resolves.toEqual({
      ping: 'pong',
    });
  });

  it('transport errors[] become GraphQLRequestError', async () => {
    const { graphql } = await setup();
    const error = await graphql.request('query { nope }').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphQLRequestError);
    expect(error).toMatchObject({ code: 'graphql_error' });
  });

  it('a server message echoing the bearer token is redacted everywhere the error can be printed', async () => {
    const { emu, graphql, tokenClient } = await setup();
    const token = await tokenClient.getAccessToken();
    emu.setGraphqlResolver(() => {
      throw new Error(`token ${token} is not allowed here`);
    });
    const error = (await graphql
      .request('query { secretThing }')
      .catch((e: unknown) => e)) as GraphQLRequestError;
    expect(error).toBeInstanceOf(GraphQLRequestError);
    expect(error.errors[0]?.message).toBe('token [redacted] is not allowed here');
    for (const printed of [
      error.message,
      String(error),
      JSON.stringify(error),
      inspect(error, { depth: 5 }),
      JSON.stringify(error.errors),
    ]) {
      expect(printed).not.toContain(token);
    }
  });

  it('typed union errors become GraphQLDomainError; retryable ones are retried with backoff', async () => {
    const { emu, graphql } = await setup();
    let calls = 0;
    emu.setGraphqlResolver((query) => {
      if (!query.includes('createThing')) return undefined;
      calls++;
      return calls < 3
        ? {
            createThing: {
              __typename: 'InternalServerError',
              code: 'INTERNAL',
              message: 'try later',
              retryable: true,
            },
          }
        : { createThing: { __typename: 'Thing', id: 't1' } };
    });
    await expect(graphql.request('mutation { createThing { __typename } }')).resolves.toEqual({
      createThing: { __typename: 'Thing', id: 't1' },
    });
    expect(calls).toBe(3);
    emu.setGraphqlResolver(() => ({
      createThing: {
        __typename: 'BadRequestError',
        code: 'INVALID_NAME',
        message: 'bad name',
        retryable: false,
      },
    }));
    const error = await graphql
      .request('mutation { createThing { __typename } }')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphQLDomainError);
    expect(error).toMatchObject({
      typename: 'BadRequestError',
      errorCode: 'INVALID_NAME',
      retryable: false,
      path: ['createThing'],
    });
  });

  it('revoked consent surfaces as consent_required', async () => {
    const { emu, graphql } = await setup();
    emu.revokeConsent(app.appId);
    await expect(graphql.request('query { ping }')).rejects.toMatchObject({
      code: 'consent_required',
    });
  });
});
