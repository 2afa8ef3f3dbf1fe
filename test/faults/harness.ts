// Shared pieces of the fault matrix: an emulator whose every issued token and code is recorded (so a
// row can prove none leaks), a storage that can be inspected, and the assertions every row makes.
import { expect } from 'vitest';
import {
  createTokenClient,
  firstDollarApp,
  firstDollarPartner,
  isGrantkitError,
  memoryStorage,
  type Adapter,
  type GrantkitError,
  type TokenClient,
  type TokenSet,
  type TokenStorage,
} from '@grantkit/core';
import {
  createVendorEmulator,
  TEST_CREDENTIALS,
  type EmulatorOptions,
  type Fault,
  type VendorEmulator,
} from '@grantkit/core/testing';

export const BASE = 'https://vendor.test';
export const T0 = Date.UTC(2030, 0, 1);
export const HOUR = 3600_000;
/** Planted in fault bodies: a value the vendor sent that must never be echoed into an error. */
export const CANARY = 'CANARY-fault-matrix-7f3a1c';
export const { firstDollarPartner: partner, firstDollarApp: app } = TEST_CREDENTIALS;

/**
 * Per-attempt timeout of token calls in the matrix; latency faults (2 s) are measured against it. Far
 * above what a healthy in-process answer takes even on a loaded 2-core CI machine (150 ms was not: an
 * answer past it was retried and the row counted one request too many).
 */
export const TIMEOUT_MS = 600;
/** Retries after the first attempt: every "retried" row makes exactly 1 + RETRIES token requests. */
export const RETRIES = 2;
/** The longest Retry-After the client will wait (ky caps the header at this). */
export const MAX_RETRY_AFTER_MS = 150;
export const retry = { limit: RETRIES, backoffLimit: 5, maxRetryAfter: MAX_RETRY_AFTER_MS };

export const HTML_PAGE =
  '<!doctype html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>';

export interface Recorder {
  emu: VendorEmulator;
  /** A fetch over the emulator that records every token the vendor sends back. */
  fetch: typeof fetch;
  /** Every access token, refresh token and code issued, the client secrets and the canary. */
  secrets(): string[];
  /** Issues a First Dollar code for the test app and records it. */
  code(): string;
  /** Wall-clock time of every request to `path` (ms, performance.now()). */
  times(path: string): number[];
}

export function recorder(options: EmulatorOptions = {}): Recorder {
  const emu = createVendorEmulator({ now: T0, ...options });
  const issued = new Set<string>();
  const seen: { path: string; at: number }[] = [];
  const record = async (response: Response) => {
    try {
      const body = (await response.clone().json()) as Record<string, unknown>;
      for (const field of ['access_token', 'refresh_token', 'token'])
        if (typeof body[field] === 'string') issued.add(body[field]);
    } catch {
      // Not JSON (an injected page) or a reset body: nothing was issued to this caller.
    }
  };
  const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const path = new URL(request.url).pathname;
    seen.push({ path, at: performance.now() });
    const response = await emu.fetch(request);
    if (/\/auth\b|token/.test(path)) await record(response);
    return response;
  }) as typeof fetch;
  return {
    emu,
    fetch: fetcher,
    secrets: () => [partner.clientSecret, app.clientSecret, CANARY, ...issued],
    code() {
      const code = emu.issueCode('firstDollar', app.appId);
      issued.add(code);
      return code;
    },
    times: (path) => seen.filter((s) => s.path === path).map((s) => s.at),
  };
}

/** A storage whose content and writes a row can inspect. */
export interface InspectableStorage extends TokenStorage {
  readonly writes: number;
  peek(): TokenSet | undefined;
}

export function inspectableStorage(key: string): InspectableStorage {
  const inner = memoryStorage();
  let writes = 0;
  let last: TokenSet | undefined;
  return {
    get: (k) => inner.get(k),
    set(k, value) {
      writes++;
      if (k === key) last = structuredClone(value);
      return inner.set(k, value);
    },
    delete(k) {
      if (k === key) last = undefined;
      return inner.delete(k);
    },
    get writes() {
      return writes;
    },
    peek: () => (last === undefined ? undefined : structuredClone(last)),
  };
}

export interface CoreHarness extends Recorder {
  storage: InspectableStorage;
  client: TokenClient;
}

export const PARTNER_KEY = 'grantkit:first-dollar-partner';
export const APP_KEY = 'grantkit:first-dollar-app';

type HarnessOptions = { emulator?: EmulatorOptions; skewMs?: number };

/** A token client of `adapter` on the emulator's clock (shifted by `skewMs`), with inspectable storage. */
function harness(adapter: Adapter, key: string, options: HarnessOptions): CoreHarness {
  const rec = recorder(options.emulator);
  const storage = inspectableStorage(key);
  const client = createTokenClient({
    adapter,
    fetch: rec.fetch,
    storage,
    now: () => rec.emu.clock.now() + (options.skewMs ?? 0),
    timeout: TIMEOUT_MS,
    retry,
  });
  return { ...rec, storage, client };
}

export const partnerHarness = (options: HarnessOptions = {}): CoreHarness =>
  harness(firstDollarPartner({ ...partner, apiBaseUrl: BASE }), PARTNER_KEY, options);

export const appHarness = (options: HarnessOptions = {}): CoreHarness =>
  harness(firstDollarApp({ ...app, apiBaseUrl: BASE, consentBaseUrl: BASE }), APP_KEY, options);

export const faults = (emu: VendorEmulator, list: Fault | readonly Fault[]) => {
  for (const f of Array.isArray(list) ? list : [list]) emu.fault(f as Fault);
};

/** What a failing row expects of the error. */
export interface ExpectedError {
  code: GrantkitError['code'];
  /** The class name (`OAuthError`, `ConsentRequiredError`, …). */
  name: string;
  status?: number;
  /** The OAuth `error` field, for OAuthError and subclasses. */
  error?: string;
}

/** Asserts the typed error and that no secret, token or code is in its message, String() or JSON. */
export function expectTypedError(
  error: unknown,
  expected: ExpectedError,
  secrets: readonly string[],
): void {
  expect(isGrantkitError(error), `not a GrantkitError: ${String(error)}`).toBe(true);
  const e = error as GrantkitError & { error?: string };
  expect({ code: e.code, name: e.name }).toEqual({ code: expected.code, name: expected.name });
  if ('status' in expected) expect(e.status).toBe(expected.status);
  if (expected.error !== undefined) expect(e.error).toBe(expected.error);
  expectNoSecrets([e.message, String(e), JSON.stringify(e)].join('\n'), secrets);
}

/** No secret, and no 24-character piece of its start or end (a truncated message still leaks). */
export function expectNoSecrets(text: string, secrets: readonly string[]): void {
  for (const secret of secrets) {
    const pieces = secret.length > 24 ? [secret.slice(0, 24), secret.slice(-24)] : [secret];
    for (const piece of pieces)
      expect(
        text.includes(piece),
        `a secret, token or code leaked into: ${text.slice(0, 300)}`,
      ).toBe(false);
  }
}

/** Runs `p` and returns what it threw (fails the test if it resolved). */
export async function failure(p: Promise<unknown>): Promise<unknown> {
  const outcome = await p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok)
    throw new Error(`expected a failure, got ${JSON.stringify(outcome.value)?.slice(0, 200)}`);
  return outcome.error;
}
