import { toTransportError } from './http';
import type { TokenClient } from './token-client';

/** Whether a fetch body can be sent twice (everything but streams and async iterables). */
const isReplayable = (body: RequestInit['body']): boolean =>
  body == null ||
  typeof body === 'string' ||
  body instanceof ArrayBuffer ||
  ArrayBuffer.isView(body) ||
  body instanceof Blob ||
  body instanceof URLSearchParams ||
  body instanceof FormData;

/** The access token each answer's request carried (kept as long as the answer is). */
const sent = new WeakMap<Response, string>();

/**
 * The access token the request of `response` carried, when an authorized `fetch` sent it: what an
 * error built from that answer must redact (the client may hold another by then, renewed meanwhile).
 */
export const sentToken = (response: Response): string | undefined => sent.get(response);

/**
 * The authorized `fetch` of a token client: `baseFetch(input, init)` with the client's token
 * attached; on 401, renews once (single flight, through `renewAfterRejection`) and resends once with
 * the new token.
 */
export async function authorizedFetch(
  client: Pick<TokenClient, 'getAccessToken' | 'renewAfterRejection' | 'authorization'>,
  baseFetch: typeof fetch,
  input: RequestInfo | URL,
  init?: RequestInit,
): Promise<Response> {
  const request = new Request(input, init);
  // A body that can be read twice is rebuilt for the retry instead of teed by clone() up front.
  const replayable = !(input instanceof Request) && isReplayable(init?.body);
  const signal = request.signal;
  const token = await client.getAccessToken({ signal });
  const send = async (req: Request, value: string) => {
    req.headers.set('authorization', client.authorization(value));
    try {
      const response = await baseFetch(req);
      sent.set(response, value);
      return response;
    } catch (error) {
      throw toTransportError(error, signal, req.url);
    }
  };
  const response = await send(replayable ? request : request.clone(), token);
  if (response.status !== 401) return response;
  const renewed = await client.renewAfterRejection(token, { signal });
  if (renewed.accessToken === token) return response;
  await response.body?.cancel();
  return send(replayable ? new Request(input, init) : request, renewed.accessToken);
}
