import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  ClientRejectedError,
  ConfigurationError,
  ConsentRequiredError,
  GrantkitError,
  GraphQLDomainError,
  GraphQLRequestError,
  OAuthError,
  ReauthorizationRequiredError,
  StoreUnavailableError,
  errorFromJSON,
  errorToJSON,
  isGrantkitError,
  type GrantkitErrorJSON,
} from './errors';

/** One error of every class and code, as the code that throws them builds them. */
const samples: GrantkitError[] = [
  new ConfigurationError('clientId must be a non-empty string'),
  new GrantkitError('network_error', 'The request could not reach the server'),
  new GrantkitError('timeout', 'The request timed out'),
  new GrantkitError('aborted', 'The request was aborted'),
  new GrantkitError('invalid_response', 'Token endpoint answered without a JSON object', {
    status: 200,
    requestId: 'r-1',
  }),
  new GrantkitError('unauthorized', 'The API refused the access token after a refresh', {
    status: 401,
  }),
  new GrantkitError('http_error', 'GraphQL endpoint answered HTTP 502 without JSON', {
    status: 502,
  }),
  new OAuthError(
    { error: 'http_500' },
    { status: 500, code: 'http_error', message: 'Token endpoint answered HTTP 500' },
  ),
  new OAuthError(
    { error: 'invalid_scope', error_description: 'no such scope' },
    { status: 400, requestId: 'r-2' },
  ),
  new ConsentRequiredError(
    'https://my.dev.firstdollar.com/oauth/app/a/',
    { error: 'http_401' },
    { status: 401 },
  ),
  new ReauthorizationRequiredError(
    'the refresh token was refused',
    { error: 'invalid_grant', error_description: 'expired' },
    { status: 400 },
  ),
  new ReauthorizationRequiredError('there is no refresh token'),
  new ClientRejectedError({ error: 'invalid_client' }, { status: 401 }),
  new GraphQLRequestError([{ message: 'Cannot query field', path: ['me', 0] }], 200),
  new GraphQLDomainError('BadRequestError', 'INVALID', 'bad input', false, ['createUser']),
  new StoreUnavailableError('The token store did not answer in time'),
];

describe('errors', () => {
  it.each(samples.map((e) => [e.name, e.code, e] as const))(
    '%s (%s) survives JSON both ways as its own class',
    (_name, _code, error) => {
      const json = JSON.parse(JSON.stringify(errorToJSON(error))) as GrantkitErrorJSON;
      const again = errorFromJSON(json);
      expect(again.constructor).toBe(error.constructor);
      expect(again.toJSON()).toEqual(error.toJSON());
      expect(String(again)).toBe(String(error));
      expect(isGrantkitError(again, error.code)).toBe(true);
    },
  );

  it('a consent_required from across a boundary keeps its consent URL', () => {
    const again = errorFromJSON(errorToJSON(samples[9]));
    expect(again).toBeInstanceOf(ConsentRequiredError);
    if (!isGrantkitError(again, 'consent_required')) throw new Error('narrowing failed');
    expect(again.consentUrl).toBe('https://my.dev.firstdollar.com/oauth/app/a/');
  });

  it('anything else becomes invalid_response with no word of its own message', () => {
    expect(errorToJSON(new Error('token abc'))).toEqual({
      code: 'invalid_response',
      message: 'Renewal failed',
    });
    expect(errorToJSON('x', 'The revocation failed')).toEqual({
      code: 'invalid_response',
      message: 'The revocation failed',
    });
  });

  it('a payload without the fields of its class (an older sender) is the base class with its code', () => {
    const again = errorFromJSON({
      code: 'consent_required',
      message: 'The user must consent again (the vendor answered 401)',
      status: 401,
    });
    expect(again.constructor).toBe(GrantkitError);
    expect(again).toMatchObject({ code: 'consent_required', status: 401 });
  });

  it('isGrantkitError narrows to the class of the code', () => {
    const error: unknown = samples[9];
    if (isGrantkitError(error, 'consent_required'))
      expectTypeOf(error).toMatchTypeOf<ConsentRequiredError>();
    if (isGrantkitError(error, 'client_rejected'))
      expectTypeOf(error.error).toEqualTypeOf<string>();
    if (isGrantkitError(error, 'graphql_error'))
      expectTypeOf(error).toMatchTypeOf<GraphQLRequestError>();
    if (isGrantkitError(error)) {
      expectTypeOf(error).toMatchTypeOf<GrantkitError>();
      if (error.code === 'config_invalid') expectTypeOf(error).toMatchTypeOf<ConfigurationError>();
    }
    expect(isGrantkitError(error, 'consent_required')).toBe(true);
    expect(isGrantkitError(error, 'client_rejected')).toBe(false);
  });
});
