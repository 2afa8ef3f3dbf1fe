/**
 * The emulated vendors' consent page (First Dollar `/oauth/app/<appId>/`, Orange Logic
 * `/oauth2/auth` with `consentPage`): one self-contained HTML page, inline CSS, no external asset,
 * with `#allow` and `#deny` buttons that POST a `decision` back to the same URL.
 * @internal
 */
import { escapeHtml, redirect } from './util';

/** What the page shows. Every string is escaped here; none may be a token or a code. */
export interface ConsentPageContent {
  /** The vendor's name, e.g. 'First Dollar'. */
  vendor: string;
  /** The app asking for access (its registered name, else its id). */
  app: string;
  /** The form's target: the page's own path and query. */
  action: string;
  /** The user id the emulator signs in as (editable). */
  user: string;
  /** Where the browser goes next (the registered redirect URI). */
  redirectUri: string;
  /** What the app may do, one line each. */
  permissions: readonly string[];
}

const CSS =
  '*{box-sizing:border-box}body{margin:0;min-height:100vh;display:flex;align-items:center;' +
  'justify-content:center;background:#eef1f5;color:#1d2433;font:15px/1.5 system-ui,-apple-system,' +
  '"Segoe UI",Roboto,sans-serif}.banner{position:fixed;top:0;left:0;right:0;padding:8px 16px;' +
  'background:#fff4d6;border-bottom:1px solid #e8c96b;color:#5c4400;font-size:13px;text-align:center}' +
  'main{width:min(440px,92vw);margin-top:48px;background:#fff;border-radius:12px;padding:28px 28px 24px;' +
  'box-shadow:0 2px 4px rgba(0,0,0,.06),0 12px 32px rgba(0,0,0,.08)}.vendor{font-weight:600;color:#49546a;' +
  'font-size:13px;letter-spacing:.04em;text-transform:uppercase}h1{font-size:20px;margin:6px 0 16px}' +
  'ul{padding-left:20px;margin:0 0 16px}label{display:block;font-size:13px;color:#49546a;margin-bottom:16px}' +
  'input{display:block;width:100%;margin-top:4px;padding:8px 10px;border:1px solid #c6cdd8;border-radius:6px;' +
  'font:inherit}.to{font-size:13px;color:#49546a;word-break:break-all}.actions{display:flex;gap:12px;' +
  'justify-content:flex-end;margin-top:20px}button{font:inherit;font-weight:600;padding:9px 20px;' +
  'border-radius:6px;cursor:pointer}#deny{background:#fff;color:#1d2433;border:1px solid #c6cdd8}' +
  '#allow{background:#1f6feb;color:#fff;border:1px solid #1f6feb}button:focus-visible{outline:3px solid #9cc2ff}';

/** The page (200, HTML, no-store, a CSP allowing nothing but its inline style). */
export function consentPage(c: ConsentPageContent): Response {
  const vendor = escapeHtml(c.vendor);
  const app = escapeHtml(c.app);
  const items = c.permissions.map((p) => `<li>${escapeHtml(p)}</li>`).join('');
  const body =
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width,initial-scale=1">' +
    `<link rel="icon" href="data:,"><title>Authorize ${app} · ${vendor} (emulated)</title>` +
    `<style>${CSS}</style></head><body>` +
    `<div class="banner" role="note" id="emulated">Emulated ${vendor}: this page is served by the grantkit ` +
    'vendor emulator. No real account is involved and no credentials are used.</div>' +
    `<main><div class="vendor">${vendor}</div><h1><strong id="app">${app}</strong> wants to access your ${vendor} account</h1>` +
    `<p>If you allow it, ${app} will be able to:</p><ul>${items}</ul>` +
    `<form method="post" action="${escapeHtml(c.action)}">` +
    `<label>Signed in as (emulated user id)<input name="user" value="${escapeHtml(c.user)}" autocomplete="off"></label>` +
    `<div class="to">You will be sent back to ${escapeHtml(c.redirectUri)}</div>` +
    '<div class="actions"><button id="deny" type="submit" name="decision" value="deny">Deny</button>' +
    '<button id="allow" type="submit" name="decision" value="allow" autofocus>Allow</button></div>' +
    '</form></main></body></html>';
  return new Response(body, {
    status: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy':
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'",
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
    },
  });
}

/** The RFC 6749 §4.1.2.1 answer to a denial: `redirectUri?error=access_denied&error_description=…[&state=…]`. */
export function deniedRedirect(redirectUri: string, state: string | null): Response {
  const target = new URL(redirectUri);
  target.searchParams.set('error', 'access_denied');
  target.searchParams.set('error_description', 'The user denied the authorization request');
  if (state !== null) target.searchParams.set('state', state);
  return redirect(target);
}

/** The decision a consent form posted: `allow` when absent (a form with no buttons), `undefined` when unknown. */
export function decisionOf(fields: Record<string, string>): 'allow' | 'deny' | undefined {
  const d = fields.decision ?? 'allow';
  return d === 'allow' || d === 'deny' ? d : undefined;
}
