/**
 * `@grantkit/edge`: a backend-for-frontend for Workers, Deno and Node.
 *
 * @module
 */
import { createTokenClient, type TokenClient, type TokenClientOptions } from '@grantkit/core';

/**
 * A server-to-server token client (Partner API client_credentials), one per isolate.
 *
 * @example
 * ```ts
 * const partner = createPartnerClient({ adapter: firstDollarPartner({ clientId, clientSecret }) });
 * const token = await partner.getAccessToken();
 * ```
 */
export function createPartnerClient(options: TokenClientOptions): TokenClient {
  return createTokenClient(options);
}
