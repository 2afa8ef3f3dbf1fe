import { createPkce, isGrantkitError, randomState, type ConsentRequiredError, type TokenSet } from '@grantkit/core';
import { TOO_LARGE, readBounded } from './body';
import { canStartLogin, isSameOriginRequest, safeReturnTo } from './csrf';
import { jsonError, withCookies, type Context } from './context';
import type { SessionData } from './session';

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
 * const summary: SessionSummary = await (await fetch('/auth/session')).json();
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
  tokens ? { authenticated: true, expiresAt: tokens.expiresAt, ...(tokens.scope ? { scope: tokens.scope } : {}) } : { authenticated: false };

const redirect = (location: string, cookies: readonly string[] = []) =>
  withCookies(new Response(null, { status: 302, headers: { location, 'cache-control': 'no-store' } }), cookies);

const errorLocation = (ctx: Context, code: string) => {
  const base = ctx.options.errorRedirect ?? '/';
  return `${base}${base.includes('?') ? '&' : '?'}error=${encodeURIComponent(code)}`;
};

/** Starts a login: a fresh login-intent cookie, and the provider's authorization URL. */
async function startLogin(ctx: Context, cookies: Map<string, string>, returnTo: string): Promise<{ url: string; setCookies: string[] }> {
  const intent: LoginIntent = { nonce: randomState(16), returnTo };
  const params: { state?: string; codeChallenge?: string } = {};
  if (ctx.adapter.supportsState) params.state = intent.state = randomState();
  if (ctx.adapter.supportsPkce) {
    const pkce = await createPkce();
    intent.verifier = pkce.verifier;
    params.codeChallenge = pkce.challenge;
  }
  const sealed = await ctx.keyring.seal('login', intent, ctx.loginTtl);
  return { url: ctx.adapter.authorizationUrl(params), setCookies: ctx.jar.write(cookies, ctx.jar.intentName, sealed, ctx.loginTtl) };
}

export async function login(ctx: Context, request: Request): Promise<Response> {
  // Another site may link to the app, not log the browser in: its login intent would let it finish
  // the login with a code of its own (login CSRF). `canStartLogin` says which navigations may.
  if (!canStartLogin(request, ctx.options.allowedOrigins ?? [])) return redirect(errorLocation(ctx, 'login_cross_site'));
  const returnTo = safeReturnTo(new URL(request.url).searchParams.get('returnTo'), ctx.options.defaultReturnTo ?? '/');
  const { url, setCookies } = await startLogin(ctx, ctx.cookies(request), returnTo);
  return redirect(url, setCookies);
}

type Exchanged = { ok: true; session: SessionData; returnTo: string; setCookies: string[] } | { ok: false; response: Response };

/** The checks and exchange shared by `callback` (redirects) and `exchange` (JSON). */
async function exchangeCode(ctx: Context, request: Request, code: string | null, state: string | null, asJson: boolean): Promise<Exchanged> {
  const cookies = ctx.cookies(request);
  const fail = (status: number, error: string, message: string): Exchanged => ({
    ok: false,
    response: asJson ? jsonError(status, error, message) : redirect(errorLocation(ctx, error), ctx.jar.clear(cookies, ctx.jar.intentName)),
  });
  if (!code || code.length > 4096) return { ok: false, response: jsonError(400, 'invalid_request', 'The authorization code is missing') };
  const intent = await ctx.keyring.open<LoginIntent>('login', ctx.jar.read(cookies, ctx.jar.intentName));
  if (!intent) return fail(403, 'login_intent_missing', 'This browser did not start a login (or it expired): start again');
  if (intent.state !== undefined && intent.state !== state) return fail(403, 'state_mismatch', 'The state does not match this login');
  try {
    const session = await ctx.exchange(code, intent.verifier);
    const setCookies = [...ctx.jar.clear(cookies, ctx.jar.intentName), ...(await ctx.writeSession(cookies, session))];
    return { ok: true, session, returnTo: safeReturnTo(intent.returnTo, ctx.options.defaultReturnTo ?? '/'), setCookies };
  } catch (error) {
    ctx.report(error);
    if (isGrantkitError(error, 'consent_required')) {
      if (asJson) return { ok: false, response: jsonError(401, 'consent_required', 'The user must consent again', {}) };
      const again = await startLogin(ctx, cookies, intent.returnTo);
      return { ok: false, response: redirect((error as ConsentRequiredError).consentUrl ?? again.url, again.setCookies) };
    }
    const codeOf = isGrantkitError(error) ? (error.code === 'oauth_error' ? 'exchange_refused' : error.code) : 'internal_error';
    return fail(isGrantkitError(error, 'oauth_error') ? 400 : 502, codeOf, 'The code exchange failed');
  }
}

export async function callback(ctx: Context, request: Request): Promise<Response> {
  const url = new URL(request.url);
  const providerError = url.searchParams.get('error');
  // An RFC 6749 error code is ASCII; anything else is replaced, so the redirect can always be encoded.
  if (providerError && !url.searchParams.has('code')) return redirect(errorLocation(ctx, providerError.slice(0, 64).replace(/[^\w.-]/g, '_')));
  const result = await exchangeCode(ctx, request, url.searchParams.get('code'), url.searchParams.get('state'), false);
  return result.ok ? redirect(result.returnTo, result.setCookies) : result.response;
}

/** Largest `POST exchange` body: `{ code, state }` needs far less. */
const MAX_EXCHANGE_BODY = 8192;

export async function exchange(ctx: Context, request: Request): Promise<Response> {
  if (!isSameOriginRequest(request, ctx.options.allowedOrigins ?? [])) return jsonError(403, 'csrf', 'Cross-site request refused');
  const bytes = await readBounded(request, MAX_EXCHANGE_BODY);
  if (bytes === TOO_LARGE) return jsonError(413, 'payload_too_large', 'Body too large');
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return jsonError(400, 'invalid_request', 'Body must be JSON { code, state? }');
  }
  const fields = (typeof body === 'object' && body !== null ? body : {}) as { code?: unknown; state?: unknown };
  const code = typeof fields.code === 'string' ? fields.code : null;
  const state = typeof fields.state === 'string' ? fields.state : null;
  const result = await exchangeCode(ctx, request, code, state, true);
  if (!result.ok) return result.response;
  return withCookies(Response.json({ ...summary(result.session.tokens), returnTo: result.returnTo }, { headers: { 'cache-control': 'no-store' } }), result.setCookies);
}

export async function session(ctx: Context, request: Request): Promise<Response> {
  const data = await ctx.readSession(ctx.cookies(request));
  return Response.json(summary(data?.tokens), { headers: { 'cache-control': 'no-store', vary: 'cookie' } });
}

export async function refresh(ctx: Context, request: Request): Promise<Response> {
  if (!isSameOriginRequest(request, ctx.options.allowedOrigins ?? [])) return jsonError(403, 'csrf', 'Cross-site request refused');
  const cookies = ctx.cookies(request);
  const data = await ctx.readSession(cookies);
  if (!data) return jsonError(401, 'unauthenticated', 'Not logged in');
  try {
    const client = await ctx.clientFor(data);
    const tokens = await client.refresh();
    return withCookies(Response.json(summary(tokens), { headers: { 'cache-control': 'no-store' } }), await ctx.writeSession(cookies, { ...data, tokens }));
  } catch (error) {
    return sessionFailure(ctx, cookies, data.sid, error);
  }
}

export async function logout(ctx: Context, request: Request): Promise<Response> {
  if (!isSameOriginRequest(request, ctx.options.allowedOrigins ?? [])) return jsonError(403, 'csrf', 'Cross-site request refused');
  const cookies = ctx.cookies(request);
  const data = await ctx.readSession(cookies);
  if (data) {
    // Revoke at the vendor where the adapter can (RFC 7009); a failure is reported, never keeps the session.
    const revoked = await ctx.clientFor(data).then((client) => client.revoke()).catch((error: unknown) => ({ error }));
    if (revoked.error) ctx.report(revoked.error);
    await ctx.forget(data.sid);
  }
  return withCookies(Response.json(summary(), { headers: { 'cache-control': 'no-store' } }), ctx.jar.clear(cookies, ctx.jar.sessionName));
}

/** Maps a failed renewal to a response: consent gone → 401 `consent_required` and the session cleared. */
export async function sessionFailure(ctx: Context, cookies: Map<string, string>, sid: string, error: unknown): Promise<Response> {
  ctx.report(error);
  if (ctx.isConsentError(error)) {
    await ctx.forget(sid);
    const code = isGrantkitError(error, 'consent_required') ? 'consent_required' : 'reauthorization_required';
    return jsonError(401, code, 'The user must log in and consent again', [...ctx.jar.clear(cookies, ctx.jar.sessionName).map((c): [string, string] => ['set-cookie', c])]);
  }
  const status = isGrantkitError(error, 'timeout') ? 504 : 502;
  return jsonError(status, isGrantkitError(error) ? error.code : 'internal_error', 'The vendor could not be reached');
}
