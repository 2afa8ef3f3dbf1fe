// The browser side of the many-servers tests (Node processes on Redis, Deno processes on Deno KV):
// one user logging in through a process, then waves of proxied requests spread over the processes.
import type { ChildProcess } from 'node:child_process';
import { TEST_CREDENTIALS, type VendorEmulator } from '@grantkit/core/testing';

const ORIGIN = 'http://127.0.0.1';
const TOKEN = '/v0/auth/token';

/** A server process of the test, and the URL it listens on. */
export interface Proc {
  url: string;
  child: ChildProcess;
}

/** The session cookies a response sets (name=value pairs, deletions left out). */
export const sessionCookie = (response: Response): string =>
  response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .filter((c) => c.startsWith('grantkit') && !c.endsWith('='))
    .join('; ');

/** Logs in through `proc`; the exchanged access token expires in 2 s: every process sees it expired. */
export async function login(proc: Proc, emu: VendorEmulator): Promise<string> {
  const nav = { 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate' };
  const intent = await fetch(`${proc.url}/auth/login`, { headers: nav, redirect: 'manual' });
  const cookie = intent.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  emu.fault({ path: TOKEN, expiresIn: 2, times: 1 });
  const code = emu.issueCode('firstDollar', TEST_CREDENTIALS.firstDollarApp.appId);
  const cb = await fetch(`${proc.url}/auth/callback?code=${code}`, {
    headers: { ...nav, cookie },
    redirect: 'manual',
  });
  const session = sessionCookie(cb);
  if (!session) throw new Error(`login failed: ${cb.status}`);
  return session;
}

/** What a wave of requests got back. */
export interface Wave {
  statuses: Record<number, number>;
  codes: Record<string, number>;
  /** The Set-Cookie that arrived last (a browser keeps that one), or the cookie sent. */
  newest: string;
  cleared: number;
}

/** One proxied GraphQL ping through `proc`, as the SPA sends it (same origin, CSRF header). */
export const ping = (proc: Proc, cookie: string): Promise<Response> =>
  fetch(`${proc.url}/api/graphql`, {
    method: 'POST',
    headers: {
      origin: ORIGIN,
      'x-grantkit-csrf': '1',
      'sec-fetch-site': 'same-origin',
      'content-type': 'application/json',
      cookie,
    },
    body: '{"query":"query { ping }"}',
  });

/** `n` concurrent proxied GraphQL pings, round-robin over `procs`, all with `cookie`. */
export async function wave(procs: Proc[], n: number, cookie: string): Promise<Wave> {
  const out: Wave = { statuses: {}, codes: {}, newest: cookie, cleared: 0 };
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const response = await ping(procs[i % procs.length]!, cookie);
      const text = await response.text();
      out.statuses[response.status] = (out.statuses[response.status] ?? 0) + 1;
      if (response.status !== 200) {
        const code = (JSON.parse(text) as { error?: string }).error ?? 'unknown';
        out.codes[code] = (out.codes[code] ?? 0) + 1;
      }
      const set = response.headers.getSetCookie();
      if (set.some((c) => /^grantkit[^=]*=;/.test(c))) out.cleared++;
      if (set.length) out.newest = sessionCookie(response); // whichever Set-Cookie arrives last wins, as in a browser
    }),
  );
  return out;
}

/** Whether `cookie` is a live session, asked of `proc`. */
export const loggedIn = async (proc: Proc, cookie: string): Promise<boolean> =>
  (
    (await (await fetch(`${proc.url}/auth/session`, { headers: { cookie } })).json()) as {
      authenticated: boolean;
    }
  ).authenticated;
