// Shared harness of test/security: canary credentials, an emulator that records every token and code
// it issues, a collector that dumps everything a user, a log or a browser could see, and a small
// browser (cookie jar, manual redirects) in front of an edge handler.
import { formatWithOptions, inspect } from 'node:util';
import {
  createVendorEmulator,
  type EmulatorOptions,
  type VendorEmulator,
} from '@grantkit/core/testing';
import { CSRF_HEADER } from '@grantkit/edge';
import { expect } from 'vitest';
import { findLeaks, needlesFor, redact, type Needle } from './canary-scan';

/** A distinctive canary for every secret a deployment holds. All start with CANARY- (canary-scan.ts). */
export const CANARY = {
  fdPartnerSecret: 'CANARY-secret-fdpartner-7f3a91c2e4',
  fdAppSecret: 'CANARY-secret-fdapp-7f3a91c2e4',
  foApiKey: 'CANARY-apikey-firstorion-7f3a91c2e4',
  foSecretKey: 'CANARY-secret-firstorion-7f3a91c2e4',
  olSecret: 'CANARY-secret-orangelogic-7f3a91c2e4',
  // Keeps the characters that RFC 6749 §2.3.1 form-encoding changes, so encoded leaks are searched too.
  oauth2Secret: 'CANARY-secret-oauth2 x:y+/=7f3a91c2e4',
  cookieKey: 'CANARY-cookie-key-current-7f3a91c2e4-0123456789',
  cookieKeyOld: 'CANARY-cookie-key-previous-7f3a91c2e4-012345678',
  tokenPrefix: 'CANARY-tok-7f3a91c2e4-',
} as const;

export const IDS = {
  fdPartner: 'partner_CANARYTEST_api@partner.firstdollar.com',
  fdApp: { appId: 'app_SECURITY', clientId: 'fd-app-security-client' },
  ol: 'ol-security-client',
  oauth2: 'oauth2-security-client',
  oauth2Post: 'oauth2-security-post',
  oauth2Public: 'oauth2-security-public',
};
export const REDIRECT = 'https://app.example/auth/callback';
export const ORIGIN = 'https://app.example';
export const FD = 'https://api.dev.firstdollar.com';
export const FO = 'https://api.firstorion.example';
export const OL = 'https://acme.orangelogic.example';
export const AS = 'https://id.example';

/** An emulator holding only canary clients, issuing canary-marked tokens, recording every token and code. */
export function canaryEmulator(extra: EmulatorOptions = {}) {
  const emu = createVendorEmulator({
    tokenPrefix: CANARY.tokenPrefix,
    firstDollar: {
      partners: [{ clientId: IDS.fdPartner, clientSecret: CANARY.fdPartnerSecret }],
      apps: [{ ...IDS.fdApp, clientSecret: CANARY.fdAppSecret, redirectUri: REDIRECT }],
    },
    firstOrion: { keys: [{ apiKey: CANARY.foApiKey, secretKey: CANARY.foSecretKey }] },
    orangeLogic: {
      clients: [{ clientId: IDS.ol, clientSecret: CANARY.olSecret, redirectUri: REDIRECT }],
    },
    oauth2: {
      clients: [
        { clientId: IDS.oauth2, clientSecret: CANARY.oauth2Secret, redirectUris: [REDIRECT] },
        {
          clientId: IDS.oauth2Post,
          clientSecret: CANARY.oauth2Secret,
          redirectUris: [REDIRECT],
          tokenEndpointAuthMethod: 'client_secret_post',
        },
        { clientId: IDS.oauth2Public, redirectUris: [REDIRECT], tokenEndpointAuthMethod: 'none' },
      ],
    },
    ...extra,
  });
  const issued = new Set<string>();
  const record = async (response: Response) => {
    const location = response.headers.get('location');
    if (location) {
      const code = new URL(location, 'https://x.invalid').searchParams.get('code');
      if (code) issued.add(code);
    }
    if ((response.headers.get('content-type') ?? '').includes('json')) {
      const body = (await response
        .clone()
        .json()
        .catch(() => undefined)) as Record<string, unknown> | undefined;
      for (const field of ['access_token', 'token', 'refresh_token'])
        if (typeof body?.[field] === 'string') issued.add(body[field] as string);
    }
    return response;
  };
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) =>
    record(await emu.fetch(input, init))) as typeof globalThis.fetch;
  const issueCode: VendorEmulator['issueCode'] = (...args) => {
    const code = emu.issueCode(...args);
    issued.add(code);
    return code;
  };
  return { emu, fetch, issued, issueCode };
}

/** Everything observable, dumped as text, then scanned for canaries. */
export class Collector {
  readonly items: { where: string; text: string }[] = [];
  /** Objects seen, printed again at `expectClean()`: after the flow, when they hold tokens. */
  readonly #live: { where: string; value: unknown }[] = [];

  add(where: string, text: string): void {
    this.items.push({ where, text });
  }

  /** `String`, `JSON.stringify` and `util.inspect` of an object (what a logger prints). */
  object(where: string, value: unknown, live = true): void {
    if (live && typeof value === 'object' && value !== null) this.#live.push({ where, value });
    this.add(`${where} String`, String(value));
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch (error) {
      json = `JSON.stringify threw ${String(error)}`;
    }
    this.add(`${where} JSON`, String(json));
    this.add(`${where} inspect`, inspect(value, { depth: 8 }));
  }

  /** An error: message, stack, String, JSON, inspect, and the same for each cause. */
  error(where: string, error: unknown): void {
    let e: unknown = error;
    for (let depth = 0; e !== undefined && e !== null && depth < 6; depth++) {
      const label = depth === 0 ? where : `${where} cause#${depth}`;
      if (e instanceof Error) {
        this.add(`${label} message`, e.message);
        this.add(`${label} stack`, e.stack ?? '');
      }
      this.object(label, e);
      e = e instanceof Error ? e.cause : undefined;
    }
  }

  /** A response as the browser gets it: status line, every header (each Set-Cookie), body. */
  async response(where: string, response: Response): Promise<string> {
    const text = await response.clone().text();
    const headers = [...response.headers].map(([k, v]) => `${k}: ${v}`);
    for (const cookie of response.headers.getSetCookie()) headers.push(`set-cookie: ${cookie}`);
    this.add(where, `${response.status}\n${headers.join('\n')}\n\n${text}`);
    return text;
  }

  /** Fails naming each leak (the redacted text, never the canary). */
  expectClean(extra: Iterable<string> = []): void {
    for (const { where, value } of this.#live.splice(0))
      this.object(`${where} (after the flow)`, value, false);
    const needles: Needle[] = [
      ...Object.entries(CANARY).flatMap(([name, value]) => needlesFor(`canary ${name}`, value)),
      // Each issued token and code, also without its canary prefix (a leak of the random part alone).
      ...[...extra]
        .flatMap((token) => [
          token,
          token.startsWith(CANARY.tokenPrefix) ? token.slice(CANARY.tokenPrefix.length) : token,
        ])
        .flatMap((token) => needlesFor('an issued token or code', token)),
    ];
    const leaks = this.items.flatMap(({ where, text }) =>
      findLeaks(text, needles).map(
        (label) => `${where}: ${label}\n    ${redact(text, needles).slice(0, 400)}`,
      ),
    );
    expect(leaks, leaks.join('\n')).toEqual([]);
  }
}

/** Sends console output to the collector (formatted as Node prints it) instead of the terminal, until the returned restore. */
export function captureConsole(collector: Collector) {
  const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const originals = methods.map((m) => console[m]);
  methods.forEach((m) => {
    console[m] = (...args: unknown[]) =>
      collector.add(`console.${m}`, formatWithOptions({ depth: 8 }, ...args));
  });
  return () => methods.forEach((m, i) => (console[m] = originals[i]!));
}

export type Handler = (request: Request) => Promise<Response | null>;

/** A browser in front of a handler: cookie jar (honouring Max-Age=0), no automatic redirects, every response collected. */
export function browser(handler: Handler, collector: Collector, origin = ORIGIN) {
  const jar = new Map<string, string>();
  const same = {
    origin,
    [CSRF_HEADER]: '1',
    'sec-fetch-site': 'same-origin',
    'content-type': 'application/json',
  };
  async function call(
    path: string,
    init: {
      method?: string;
      headers?: Record<string, string>;
      body?: string;
      cookies?: Map<string, string>;
    } = {},
  ) {
    const cookies = init.cookies ?? jar;
    const headers = new Headers(init.headers);
    if (cookies.size) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const request = new Request(new URL(path, origin), {
      method: init.method ?? 'GET',
      headers,
      body: init.body ?? null,
    });
    const response = (await handler(request)) ?? new Response('fallthrough', { status: 404 });
    const text = await collector.response(
      `${init.method ?? 'GET'} ${path.split('?')[0]}`,
      response,
    );
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (value === '' || /max-age=0/i.test(attrs.join(';'))) cookies.delete(name);
      else cookies.set(name, value);
    }
    return {
      response,
      status: response.status,
      text,
      location: response.headers.get('location'),
      json: () => JSON.parse(text) as Record<string, unknown>,
    };
  }
  /** A state-changing request from the app's own origin. */
  const post = (path: string, body?: unknown, cookies?: Map<string, string>) =>
    call(path, {
      method: 'POST',
      headers: same,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(cookies ? { cookies } : {}),
    });
  return { jar, call, post, same };
}
