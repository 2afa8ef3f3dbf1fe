/**
 * Bounded body reads: nothing here ever holds more than its limit (plus the one chunk that crossed
 * it) in memory, whatever `Content-Length` says and whether the body is chunked.
 * @internal
 */

/** What {@link readBounded} gives for a body past its limit. */
export const TOO_LARGE = Symbol('too large');

/**
 * The `Content-Length` a request declares, when it is a plain decimal number (RFC 9110 §8.6);
 * `undefined` when absent or malformed (a malformed one is no promise about the size: the read is
 * counted anyway).
 */
function declaredLength(headers: Headers): number | undefined {
  const value = headers.get('content-length')?.trim();
  return value !== undefined && /^\d{1,16}$/.test(value) ? Number(value) : undefined;
}

/**
 * Reads a stream of at most `limit` bytes. Stops reading (and cancels the stream) as soon as the
 * bytes read pass the limit.
 *
 * @example
 * const bytes = await readStreamBounded(response.body, 65_536);
 * if (bytes === TOO_LARGE) return new Response('Too large', { status: 502 });
 */
export async function readStreamBounded(
  stream: ReadableStream<Uint8Array> | null,
  limit: number,
): Promise<Uint8Array | typeof TOO_LARGE> {
  if (!stream) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return TOO_LARGE;
    }
    chunks.push(value);
  }
  return concat(chunks, size);
}

/**
 * Reads a request body of at most `limit` bytes. Stops reading (and cancels the stream) as soon as
 * the bytes read, or a declared `Content-Length`, pass the limit: a chunked body or a lying length
 * never makes the handler buffer more than `limit` plus one chunk.
 *
 * @example
 * const body = await readBounded(request, 16_384);
 * if (body === TOO_LARGE) return Response.json({ error: 'payload_too_large' }, { status: 413 });
 * const json = JSON.parse(new TextDecoder().decode(body));
 */
export async function readBounded(
  request: Request,
  limit: number,
): Promise<Uint8Array | typeof TOO_LARGE> {
  const declared = declaredLength(request.headers);
  if (declared !== undefined && declared > limit) {
    await request.body?.cancel().catch(() => {});
    return TOO_LARGE;
  }
  return readStreamBounded(request.body, limit);
}

/** A request body from {@link readOrStream}: whole bytes, or a stream to forward as it arrives. */
export type BoundedBody =
  { bytes: Uint8Array } | { stream: ReadableStream<Uint8Array>; tooLarge(): boolean };

/**
 * Reads the first `buffer` bytes of a request body: a body that ends there is returned whole (it
 * can be sent twice); a longer one becomes a stream that replays those bytes, then passes the rest
 * on as it arrives and errors (cancelling the request body) as soon as the total passes `limit`.
 * `tooLarge()` then says the error was the limit. A declared `Content-Length` over `limit` is
 * refused before any read. Memory: at most `buffer` plus one chunk, whatever the body's size.
 *
 * @example
 * const body = await readOrStream(request, 1_048_576, 65_536);
 * if (body === TOO_LARGE) return new Response(null, { status: 413 });
 * const init = 'bytes' in body ? { method: 'POST', body: body.bytes } : { method: 'POST', body: body.stream, duplex: 'half' };
 */
export async function readOrStream(
  request: Request,
  limit: number,
  buffer: number,
): Promise<BoundedBody | typeof TOO_LARGE> {
  const declared = declaredLength(request.headers);
  if (declared !== undefined && declared > limit) {
    await request.body?.cancel().catch(() => {});
    return TOO_LARGE;
  }
  if (!request.body) return { bytes: new Uint8Array(0) };
  const reader = request.body.getReader();
  const head: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { bytes: concat(head, size) };
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return TOO_LARGE;
    }
    head.push(value);
    if (size > Math.min(buffer, limit)) break;
  }
  let exceeded = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const queued = head.shift();
      if (queued) return controller.enqueue(queued);
      const { done, value } = await reader.read();
      if (done) return controller.close();
      size += value.byteLength;
      if (size > limit) {
        exceeded = true;
        await reader.cancel().catch(() => {});
        return controller.error(new RangeError('The request body is larger than the limit'));
      }
      controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason).catch(() => {});
    },
  });
  return { stream, tooLarge: () => exceeded };
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
