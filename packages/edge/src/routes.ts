import { createPkce, isGrantkitError, randomState, type TokenSet } from '@grantkit/core';
import { TOO_LARGE, readBounded } from './body';
import { canStartLogin, safeReturnTo } from './csrf';
import type { Context } from './context';
import { jsonAnswer, jsonError, redirect, withCookies } from './responses';
import type { SessionData } from './session';

/** What a route gets once its guards passed: the request's cookies and, when the route reads one, its session. */
export interface RouteInput {
  cookies: Map<string, string>;
  session: SessionData | undefined;
  /** The request's URL, parsed once by the handler. */
  url: URL;
}

/** {@link RouteInput} of a route whose session is required. */
export interface SessionInput extends RouteInput {
  session: SessionData;
}

/**
 * A route and its guards, declared once in the route table (`handler.ts`): `method` is the one it
 * serves (others get 405; a proxied path serves every method); `csrf` refuses a cross-site request
 * (403 `csrf`) before anything else; `session` reads the session, and `'required'` answers 401
 * `unauthenticated` without one.
 */
export interface Route {
  readonly method?: 'GET' | 'POST';
  readonly csrf?: boolean;
  readonly session?: 'optional' | 'required';
  handle(ctx: Context, request: Request, input: RouteInput): Promise<Response>;
}

/** How long a login may take, seconds (the login-intent cookie's life). */
const LOGIN_TTL = 600;

/** What the login-intent cookie holds: binds the callback to the browser that started the login. */
interface LoginIntent extends Record<string, unknown> {
  nonce: string;
  returnTo: string;
  state?: string;
  verifier?: string;
}

/**
 * The session as the browser may see it: never a token.
 *
 * @example
 * ```ts
 * const summary = (await (await fetch('/auth/session')).json()) as SessionSummary;
 * if (summary.authenticated) console.log('until', new Date(summary.expiresAt));
 * ```
 */
export interface SessionSummary {
  authenticated: boolean;
  /** When the current access token expires, ms since epoch (the edge renews it as needed). */
  expiresAt?: number;
  /** Granted scope, when the vendor says. */
  scope?: string;
}

export const summary = (tokens?: TokenSet): SessionSummary =>
  tokens
    ? {
        authenticated: true,
        expiresAt: tokens.expiresAt,
        ...(tokens.scope ? { scope: tokens.scope } : {}),
      }
    : { authenticated: false };

const errorLocation = (ctx: Context, code: string) => {
  const base = ctx.config.errorRedirect;
  return `${base}${base.includes('?') ? '&' : '?'}error=${encodeURIComponent(code)}`;
};

/** Starts a login: a fresh login-intent cookie, and the provider's authorization URL. */
async function startLogin(
  ctx: Context,
  cookies: Map<string, string>,
  returnTo: string,
): Promise<{ url: string; setCookies: string[] }> {
  const intent: LoginIntent = { nonce: randomState(16), returnTo };
  const params: { state?: string; codeChallenge?: string } = {};
  const { adapter } = ctx.config;
  if (adapter.supportsState) params.state = intent.state = randomState();
  if (adapter.supportsPkce) {
    const pkce = await createPkce();
    intent.verifier = pkce.verifier;
    params.codeChallenge = pkce.challenge;
  }
  const sealed = await ctx.keyring.seal('login', intent, LOGIN_TTL);
  return {
    url: adapter.authorizationUrl(params),
    setCookies: ctx.jar.write(cookies, ctx.jar.intentName, sealed, LOGIN_TTL),
  };
}

/** `GET login`: 302 to the provider, with a fresh login intent. */
export async function login(
  ctx: Context,
  request: Request,
  { cookies, url: requestUrl }: RouteInput,
): Promise<Response> {
  // Another site may link to the app, not log the browser in: its login intent would let it finish
  // the login with a code of its own (login CSRF). `canStartLogin` says which navigations may.
  if (!canStartLogin(request, ctx.config.allowedOrigins))
    return redirect(errorLocation(ctx, 'login_cross_site'));
  const returnTo = safeReturnTo(
    requestUrl.searchParams.get('returnTo'),
    ctx.config.defaultReturnTo,
  );
  const { url, setCookies } = await startLogin(ctx, cookies, returnTo);
  return redirect(url, setCookies);
}

/** A successful code exchange: the new session, where the login goes back to, its cookies. */
interface Exchanged {
  session: SessionData;
  returnTo: string;
  setCookies: string[];
}

/** A failure's code: a grantkit error's own, else `internal_error`. */
const codeOf = (error: unknown): string => (isGrantkitError(error) ? error.code : 'internal_error');

/** The checks and exchange shared by `callback` (redirects) and `exchange` (JSON); a failure is its answer. */
async function exchangeCode(
  ctx: Context,
  request: Request,
  cookies: Map<string, string>,
  code: string | null,
  state: string | null,
  asJson: boolean,
): Promise<Exchanged | Response> {
  const fail = (status: number, error: string, message: string): Response =>
    asJson
      ? jsonError(status, error, message)
      : redirect(errorLocation(ctx, error), ctx.jar.clear(cookies, ctx.jar.intentName));
  if (!code || code.length > 4096)
    return jsonError(400, 'invalid_request', 'The authorization code is missing');
  const intent = await ctx.keyring.open<LoginIntent>(
    'login',
    ctx.jar.read(cookies, ctx.jar.intentName),
  );
  if (!intent)
    return fail(
      403,
      'login_intent_missing',
      'This browser did not start a login (or it expired): start again',
    );
  if (intent.state !== undefined && intent.state !== state)
    return fail(403, 'state_mismatch', 'The state does not match this login');
  try {
    // The app's connection id (option `vault`) first: a failure there must not spend the code.
    const cid = ctx.config.vault ? await ctx.config.vault.connectionId(request) : undefined;
    const session = await ctx.sessions.exchange(
      code,
      intent.verifier,
      typeof cid === 'string' && cid !== '' ? cid : undefined,
    );
    const setCookies = [
      ...ctx.jar.clear(cookies, ctx.jar.intentName),
      ...(await ctx.sessions.write(cookies, session)),
    ];
    return {
      session,
      returnTo: safeReturnTo(intent.returnTo, ctx.config.defaultReturnTo),
      setCookies,
    };
  } catch (error) {
    ctx.report(error);
    if (isGrantkitError(error, 'consent_required')) {
      if (asJson) return jsonError(401, 'consent_required', 'The user must consent again');
      const again = await startLogin(ctx, cookies, intent.returnTo);
      return redirect(error.consentUrl ?? again.url, again.setCookies);
    }
    const failed = codeOf(error);
    return fail(
      failed === 'oauth_error' ? 400 : failed === 'store_unavailable' ? 503 : 502,
      failed === 'oauth_error' ? 'exchange_refused' : failed,
      'The code exchange failed',
    );
  }
}

/** `GET callback`: the provider's redirect back; exchanges the code, 302 to `returnTo`. */
export async function callback(
  ctx: Context,
  request: Request,
  { cookies, url }: RouteInput,
): Promise<Response> {
  const providerError = url.searchParams.get('error');
  // An RFC 6749 error code is ASCII; anything else is replaced, so the redirect can always be encoded.
  // The login ends there: its intent is cleared, so no later code can finish it (First Dollar echoes
  // no `state` to tie a code to its login).
  if (providerError && !url.searchParams.has('code'))
    return redirect(
      errorLocation(ctx, providerError.slice(0, 64).replace(/[^\w.-]/g, '_')),
      ctx.jar.clear(cookies, ctx.jar.intentName),
    );
  const result = await exchangeCode(
    ctx,
    request,
    cookies,
    url.searchParams.get('code'),
    url.searchParams.get('state'),
    false,
  );
  return result instanceof Response ? result : redirect(result.returnTo, result.setCookies);
}

/** Largest `POST exchange` body: `{ code, state }` needs far less. */
const MAX_EXCHANGE_BODY = 8192;

/** `POST exchange`: the callback for SPAs, JSON in and out. */
export async function exchange(
  ctx: Context,
  request: Request,
  { cookies }: RouteInput,
): Promise<Response> {
  const bytes = await readBounded(request, MAX_EXCHANGE_BODY);
  if (bytes === TOO_LARGE) return jsonError(413, 'payload_too_large', 'Body too large');
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return jsonError(400, 'invalid_request', 'Body must be JSON { code, state? }');
  }
  const fields = (body ?? {}) as { code?: unknown; state?: unknown };
  const code = typeof fields.code === 'string' ? fields.code : null;
  const state = typeof fields.state === 'string' ? fields.state : null;
  const result = await exchangeCode(ctx, request, cookies, code, state, true);
  if (result instanceof Response) return result;
  return withCookies(
    jsonAnswer({ ...summary(result.session.tokens), returnTo: result.returnTo }),
    result.setCookies,
  );
}

/** `GET session`: what the browser may know of its session. */
export async function session(
  _ctx: Context,
  _request: Request,
  { session }: RouteInput,
): Promise<Response> {
  return jsonAnswer(summary(session?.tokens), { vary: 'cookie' });
}

/** `POST refresh`: renews the session now. */
export async function refresh(
  ctx: Context,
  _request: Request,
  { cookies, session }: SessionInput,
): Promise<Response> {
  try {
    const client = await ctx.sessions.clientFor(session);
    const tokens = await client.refresh();
    return withCookies(
      jsonAnswer(summary(tokens)),
      await ctx.sessions.write(cookies, { ...session, tokens }),
    );
  } catch (error) {
    return sessionFailure(ctx, cookies, session.sid, error);
  }
}

/** `POST logout`: revokes where the vendor can, ends the session, clears the cookie. */
export async function logout(
  ctx: Context,
  _request: Request,
  { cookies }: RouteInput,
): Promise<Response> {
  // Best effort: with the session store down, the browser's cookie is still cleared (the stored
  // session then ends with its TTL), rather than a 503 that leaves the user logged in.
  const session = await ctx.sessions.read(cookies).catch((error: unknown) => {
    ctx.report(error);
    return undefined;
  });
  // A session filed into a vault (option `vault`) ends here only: its connection outlives it.
  if (session && !(ctx.config.vault && typeof session.cid === 'string')) {
    // Revoke at the vendor where the adapter can (RFC 7009); a failure is reported, never keeps the session.
    const revoked = await ctx.sessions
      .clientFor(session)
      .then((client) => client.revoke())
      .catch((error: unknown) => ({ error }));
    if (revoked.error) ctx.report(revoked.error);
  }
  if (session) await ctx.sessions.forget(session.sid);
  return withCookies(jsonAnswer(summary()), ctx.jar.clear(cookies, ctx.jar.sessionName));
}

/**
 * The status of a failure the user cannot fix by logging in again: 503 while the session store is
 * unavailable (nothing was lost: retry), 504 when the vendor timed out, else 502 (the vendor, or the
 * operator's configuration: `client_rejected`).
 */
export function failureStatus(error: unknown): 502 | 503 | 504 {
  if (isGrantkitError(error, 'store_unavailable')) return 503;
  return isGrantkitError(error, 'timeout') ? 504 : 502;
}

/** Maps a failed renewal to a response: consent gone → 401 `consent_required` and the session cleared. */
export async function sessionFailure(
  ctx: Context,
  cookies: Map<string, string>,
  sid: string,
  error: unknown,
): Promise<Response> {
  ctx.report(error);
  const code = codeOf(error);
  // The user must log in again: consent gone, refresh token refused or expired.
  if (code === 'consent_required' || code === 'reauthorization_required') {
    await ctx.sessions.forget(sid);
    return jsonError(
      401,
      code,
      'The user must log in and consent again',
      ctx.jar.clear(cookies, ctx.jar.sessionName).map((c): [string, string] => ['set-cookie', c]),
    );
  }
  const status = failureStatus(error);
  // The message says which side failed, never a secret.
  return jsonError(
    status,
    code,
    status === 503
      ? 'The session store is unavailable: try again'
      : 'The vendor could not be reached',
  );
}
