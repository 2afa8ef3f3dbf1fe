/**
 * The token client's pure decisions: how fresh a token set is, which set a renewal starts from,
 * whether it adopts a set instead of renewing, and which failures are not worth a second try. No
 * state and no I/O: `createTokenClient` calls them with what it holds and the time.
 */
import { isGrantkitError } from './errors';
import type { TokenSet } from './token-set';

/**
 * Whether a token set is still valid `marginMs` after `now` (ms). With the adapter's refresh window
 * as the margin: the set is fresh (served as is). With the clock skew: it is not expired yet. Between
 * the two, the set is inside its refresh window: still served while one renewal runs in the
 * background. (A token that close to its end may expire on the wire, hence the skew.)
 */
export const isValidFor = (tokens: TokenSet, now: number, marginMs: number): boolean =>
  now < tokens.expiresAt - marginMs;

/**
 * The set a renewal starts from. `held` is what the client held when the renewal began, `current`
 * what it holds now (a request may have stored a set while the renewal read the storage), `stored`
 * what the storage answered. When nothing changed in this process, the stored set wins if it expires
 * later or carries another refresh token (another instance sharing the storage renewed, and may have
 * rotated the refresh token). When a set was stored in this process meanwhile, it is the newest this
 * process knows: the stored one wins only if it expires later still.
 */
export const renewalBase = (
  held: TokenSet | undefined,
  current: TokenSet | undefined,
  stored: TokenSet | null | undefined,
): TokenSet | undefined =>
  !stored || !current
    ? (stored ?? current) // a storage may answer null for nothing
    : stored.expiresAt > current.expiresAt ||
        (current === held && stored.refreshToken !== current.refreshToken)
      ? stored
      : current;

/**
 * Whether a renewal adopts `base` instead of renewing: it is not the `held` set the renewal was
 * asked to replace (another instance renewed, or a request in this process stored a set), and it is
 * fresh.
 */
export const adoptable = (
  base: TokenSet,
  held: TokenSet | undefined,
  now: number,
  windowMs: number,
): boolean => base !== held && isValidFor(base, now, windowMs);

/** Whether `tokens` carries a refresh token that has not expired at `now`. */
export const refreshUsable = (
  tokens: TokenSet | undefined,
  now: number,
): tokens is TokenSet & { refreshToken: string } =>
  tokens?.refreshToken !== undefined &&
  (tokens.refreshExpiresAt === undefined || tokens.refreshExpiresAt > now);

/**
 * Failures the next call would only repeat: unreachable, timed out, aborted, or the client itself
 * refused (`client_rejected`: a fallback grant sends the same credentials).
 */
export const isFatal = (error: unknown): boolean =>
  isGrantkitError(error) &&
  (error.code === 'aborted' ||
    error.code === 'network_error' ||
    error.code === 'timeout' ||
    error.code === 'client_rejected');
