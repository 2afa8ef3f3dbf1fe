/**
 * First Dollar's consent page `/oauth/app/<appId>/`.
 * @internal
 */
import type { EmuRequest } from './route';
import type { EmulatorState } from './state';
import { escapeHtml, html, parseForm, redirect } from './util';

/** The consent page: GET shows a form, POST (or GET `?auto=1`) consents and redirects with a code. */
export function consent(s: EmulatorState, r: EmuRequest): Response {
  const app = s.fdApps.find((a) => a.appId === r.params[0]);
  if (!app) return html(404, '<!doctype html><title>Not found</title><h1>Unknown app</h1>');
  let user = r.url.searchParams.get('user') || 'user_1';
  if (r.method === 'GET' && r.url.searchParams.get('auto') !== '1') {
    const a = escapeHtml(app.appId);
    return html(
      200,
      `<!doctype html><html><head><meta charset="utf-8"><title>Authorize ${a}</title></head><body>` +
        `<h1>Allow ${a} to access your First Dollar data?</h1>` +
        `<form method="post" action="${escapeHtml(r.path)}"><label>User <input name="user" value="${escapeHtml(user)}"></label> ` +
        `<button id="allow" type="submit">Allow</button></form></body></html>`,
    );
  }
  if (r.method === 'POST') {
    const form = parseForm(r.text);
    if (form.ok && form.fields.user) user = form.fields.user;
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
