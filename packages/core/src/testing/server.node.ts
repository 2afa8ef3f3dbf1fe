/// <reference types="node" />
/** Loopback HTTP server for the emulator (Node only). */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { checkOptions, optionRules, type OptionRule } from '../options';
import type { AddressInfo } from 'node:net';
import { isDroppedConnection } from './emulator';
import type { VendorEmulator } from './types';

const MAX_BODY = 1024 * 1024;

/**
 * Options of {@link listenEmulator}.
 * @example
 * const opts: ListenOptions = { port: 0, fallback: (req) => (new URL(req.url).pathname === '/health' ? new Response('ok') : null) };
 */
export interface ListenOptions {
  /** @default 0 (a free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Tried first; a returned Response is sent, `null` falls through to the emulator. */
  fallback?: (request: Request) => Promise<Response | null> | Response | null;
}

/** What each option of {@link listenEmulator} may hold. */
const LISTEN_RULES: Readonly<Record<keyof ListenOptions, OptionRule>> = {
  port: optionRules.where(
    (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65_535,
    'a port number from 0 (a free one) to 65535',
  ),
  host: optionRules.string(),
  fallback: optionRules.function(),
};

/**
 * A running loopback server.
 * @example
 * const { url, close } = await listenEmulator(emulator);
 * await close();
 */
export interface EmulatorServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:53124`. */
  url: string;
  close(): Promise<void>;
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        req.pause();
        reject(new BodyTooLarge());
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function toRequest(req: IncomingMessage, base: string): Promise<Request> {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2)
    headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  const method = req.method ?? 'GET';
  const body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(req);
  return new Request(new URL(req.url ?? '/', base), {
    method,
    headers,
    body: body && body.length > 0 ? new Uint8Array(body) : undefined,
  });
}

async function send(res: ServerResponse, response: Response): Promise<void> {
  const cookies = response.headers.getSetCookie();
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') res.setHeader(name, value);
  });
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  res.statusCode = response.status;
  res.end(Buffer.from(await response.arrayBuffer()));
}

/**
 * Serves an emulator over HTTP on a loopback port. Each request is buffered (max 1 MB, else 413),
 * offered to `fallback` first, then to `emulator.handle`. A `drop` fault destroys the socket.
 *
 * @example
 * import { createVendorEmulator } from '@grantkit/core/testing';
 * import { listenEmulator } from '@grantkit/core/testing/node';
 *
 * const emulator = createVendorEmulator();
 * const server = await listenEmulator(emulator, { port: 0 });
 * const res = await fetch(`${server.url}/oauth/app/app_TEST/?auto=1`, { redirect: 'manual' });
 * await server.close();
 */
export async function listenEmulator(
  emulator: VendorEmulator,
  opts: ListenOptions = {},
): Promise<EmulatorServer> {
  checkOptions('listenEmulator', opts, LISTEN_RULES);
  const host = opts.host ?? '127.0.0.1';
  let base = '';
  const server = createServer((req, res) => {
    void (async () => {
      let request: Request;
      try {
        request = await toRequest(req, base);
      } catch (e) {
        res.statusCode = e instanceof BodyTooLarge ? 413 : 400;
        res.setHeader('content-type', 'application/json');
        res.setHeader('connection', 'close');
        res.end(
          JSON.stringify({
            error: 'invalid_request',
            error_description:
              e instanceof BodyTooLarge ? 'Body larger than 1 MB' : 'Malformed request',
          }),
        );
        return;
      }
      try {
        const response = (await opts.fallback?.(request)) ?? (await emulator.handle(request));
        await send(res, response);
      } catch (e) {
        if (isDroppedConnection(e)) {
          req.socket.destroy();
          return;
        }
        if (!res.headersSent) {
          res.statusCode = 500;
          res.setHeader('content-type', 'application/json');
          res.end(
            JSON.stringify({
              error: 'server_error',
              error_description: e instanceof Error ? e.message : 'Internal error',
            }),
          );
        } else res.destroy();
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url: base,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}
