import { del, get, set } from 'idb-keyval';
import type { GrantkitSession } from './types';

// Only a pending returnTo and the last session summary are ever stored: never a token (the browser has none).
const RETURN_TO = 'grantkit:returnTo';
const SESSION = 'grantkit:session';

/**
 * Runs `fn` where IndexedDB exists; a no-op (undefined) elsewhere (SSR, workers without IDB, private
 * modes that throw): idb-keyval opens its store on first use, so a missing `indexedDB` throws here.
 */
const guard = async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
  try {
    return await fn();
  } catch {
    return undefined;
  }
};

/** Remembers where to go after the login. */
export const saveReturnTo = (path: string): Promise<unknown> => guard(() => set(RETURN_TO, path));

/** Reads and forgets the pending returnTo. */
export const takeReturnTo = (): Promise<string | undefined> =>
  guard(async () => {
    const path = await get<string>(RETURN_TO);
    await del(RETURN_TO);
    return path;
  });

/** Stores the last session summary (no token: the edge never sends one). */
export const saveSession = (session: GrantkitSession): Promise<unknown> =>
  guard(() => set(SESSION, session));

/** The last stored session summary. */
export const loadSession = (): Promise<GrantkitSession | undefined> =>
  guard(() => get<GrantkitSession>(SESSION));
