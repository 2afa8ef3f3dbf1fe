import { del, get, set } from 'idb-keyval';
import type { GrantkitSession } from './types';

// Only a pending returnTo and the last session summary are ever stored: never a token (the browser has
// none). Each key ends with the session client's basePath: two edges on one origin keep theirs apart.
const RETURN_TO = 'grantkit:returnTo:';
const SESSION = 'grantkit:session:';

/**
 * Runs `fn` where IndexedDB exists; a no-op (undefined) elsewhere (SSR, workers without IDB, private
 * modes that throw): idb-keyval opens its store on first use, so a missing `indexedDB` throws here.
 */
const guard = async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
  try {
    return await fn();
  } catch {}
};

/** Remembers where to go after the login. */
export const saveReturnTo = (base: string, path: string): Promise<unknown> =>
  guard(() => set(RETURN_TO + base, path));

/** Reads and forgets the pending returnTo. */
export const takeReturnTo = (base: string): Promise<string | undefined> =>
  guard(() => get<string>(RETURN_TO + base).finally(() => del(RETURN_TO + base)));

/** Stores the last session summary (no token: the edge never sends one). */
export const saveSession = (base: string, session: GrantkitSession): Promise<unknown> =>
  guard(() => set(SESSION + base, session));

/** The last stored session summary. */
export const loadSession = (base: string): Promise<GrantkitSession | undefined> =>
  guard(() => get<GrantkitSession>(SESSION + base));
