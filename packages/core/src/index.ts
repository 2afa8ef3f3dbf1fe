/**
 * `@grantkit/core`: fetch-only OAuth token lifecycle for First Dollar, First Orion, Orange Logic and
 * any RFC 6749 server. Runs unchanged in browsers, Workers, Deno and Node.
 *
 * @example
 * ```ts
 * import { createTokenClient, firstDollarPartner } from '@grantkit/core';
 * const client = createTokenClient({ adapter: firstDollarPartner({ clientId, clientSecret }) });
 * const token = await client.getAccessToken();
 * ```
 *
 * @module
 */
export * from './errors';
export type { TokenStorage } from './storage';
export { memoryStorage } from './storage';
export type { TokenSet, TokenFieldMap } from './token-set';
export { normalizeTokenResponse, jwtExpiry } from './token-set';
export type { RetryOptions, HttpOptions } from './http';
export type {
  Adapter,
  AuthorizationCodeAdapter,
  AuthorizationParams,
  Grant,
  TokenAnswer,
  TokenRequest,
  TokenRevocation,
  TokenTypeHint,
} from './adapter';
export { oauth2, type OAuth2Options } from './adapters/oauth2';
export { createPkce, randomState } from './adapters/pkce';
export {
  firstDollarApp,
  firstDollarPartner,
  firstDollarHosts,
  type FirstDollarAppOptions,
  type FirstDollarCommonOptions,
  type FirstDollarEnvironment,
} from './adapters/first-dollar';
export {
  firstOrionOAuth,
  firstOrionV1,
  type FirstOrionCommonOptions,
  type FirstOrionEnvironment,
  type FirstOrionOAuthOptions,
  type FirstOrionV1Options,
} from './adapters/first-orion';
export {
  orangeLogic,
  orangeLogicClientCredentials,
  type OrangeLogicClientCredentialsOptions,
  type OrangeLogicOptions,
} from './adapters/orange-logic';
export {
  createTokenClient,
  tokenClientRules,
  type TokenClient,
  type TokenClientOptions,
} from './token-client';
export type { RevokeResult } from './revoke';
export {
  createGraphQLClient,
  firstDollarGraphQLEndpoint,
  findDomainError,
  graphqlPages,
  type GraphQLClient,
  type GraphQLClientOptions,
  type GraphQLPage,
  type GraphQLPagesOptions,
} from './graphql';
export { checkOptions, optionRules, type OptionRule } from './options';
export {
  eventTelemetry,
  type CallTrace,
  type EventHandler,
  type FallbackEvent,
  type LockWaitEvent,
  type RenewalEvent,
  type RevocationEvent,
  type ScopeEnd,
  type ScopeEnds,
  type ScopeStart,
  type Telemetry,
  type TokenCallEnd,
  type TokenCallStart,
  type TokenEvent,
} from './telemetry';
