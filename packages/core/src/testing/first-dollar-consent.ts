/**
 * First Dollar's consent page `/oauth/app/<appId>/`.
 * @internal
 */
import { consentPage, decisionOf, deniedRedirect } from './consent-page';
import type { EmuRequest } from './route';
import type { EmulatorState } from './state';
import { html, parseForm, redirect } from './util';

const PERMISSIONS = [
  'Read your First Dollar account, benefits and balances',
  'Call the First Dollar API on your behalf',
  'Stay connected until you revoke its access',
];

/**
 * The consent page: GET shows it (Allow / Deny); POST with `decision=allow` (or no decision) or GET
 * `?auto=1` consents and redirects with a code; POST `decision=deny` redirects with
 * `error=access_denied` (RFC 6749 §4.1.2.1; First Dollar documents no `state`).
 */
export function consent(s: EmulatorState, r: EmuRequest): Response {
  const app = s.fdApps.find((a) => a.appId === r.params[0]);
  if (!app) return html(404, '<!doctype html><title>Not found</title><h1>Unknown app</h1>');
  let user = r.url.searchParams.get('user') || 'user_1';
  if (r.method === 'GET' && r.url.searchParams.get('auto') !== '1') {
    return consentPage({
      vendor: 'First Dollar',
      app: app.name ?? app.appId,
      action: r.path + r.url.search,
      user,
      redirectUri: app.redirectUri,
      permissions: PERMISSIONS,
    });
  }
  if (r.method === 'POST') {
    const form = parseForm(r.text);
    const decision = form.ok ? decisionOf(form.fields) : undefined;
    if (!form.ok || decision === undefined)
      return html(400, '<!doctype html><title>Bad request</title><h1>Malformed consent form</h1>');
    if (decision === 'deny') return deniedRedirect(app.redirectUri, null);
    if (form.fields.user) user = form.fields.user;
  }
  s.grantConsent(app.appId, user);
  s.grantConsent(app.clientId, user);
  const code = s.issueCode({
    vendor: 'firstDollar',
    kind: 'fd-app',
    clientId: app.clientId,
    appId: app.appId,
    userId: user,
    sub: user,
  });
  const target = new URL(app.redirectUri);
  target.searchParams.set('code', code);
  return redirect(target);
}
