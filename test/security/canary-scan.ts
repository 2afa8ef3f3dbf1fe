// Canary scanning shared by the setup file (console output of every unit test) and the canary and
// BFF tests (responses, errors, objects). A "needle" is a secret in every encoding it could leak in:
// raw, URL/form-encoded, JSON-escaped, and base64 / base64url at each of the three byte alignments
// (so a leaked `Authorization: Basic …` or a base64'd blob is caught too).

/** Every token and code the emulator issues in the unit projects starts with this (see canary-setup.ts). */
export const SUITE_TOKEN_PREFIX = 'CANARY-emu-7f3a-';
/** Any text containing this marker is a leak: every canary value in test/security starts with it. */
export const CANARY_MARK = 'CANARY-';

export interface Needle {
  /** What leaked (never the value itself, so a failure message does not repeat the secret). */
  label: string;
  value: string;
}

const b64 = (text: string) => {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
};

/** The encodings of `secret` worth searching for. Short values (< 8 chars) get no base64 forms. */
export function needlesFor(label: string, secret: string): Needle[] {
  const texts = new Set<string>([
    secret,
    encodeURIComponent(secret),
    new URLSearchParams([['', secret]]).toString().slice(1),
    JSON.stringify(secret).slice(1, -1),
  ]);
  const forms = new Set(texts);
  // Base64 of each textual form (a Basic header encodes the form-encoded secret, RFC 6749 §2.3.1).
  for (const text of secret.length >= 8 ? texts : []) {
    for (let k = 0; k < 3; k++) {
      let slice = text.slice(k);
      slice = slice.slice(0, slice.length - (slice.length % 3));
      if (slice.length < 6) continue;
      const std = b64(slice);
      forms.add(std);
      forms.add(std.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  return [...forms].map((value) => ({ label, value }));
}

const JWT = /eyJ[A-Za-z0-9_-]+\.(eyJ[A-Za-z0-9_-]+)\.[A-Za-z0-9_-]*/g;

const decodeSegment = (segment: string): string => {
  try {
    const bin = atob(
      segment
        .replace(/-/g, '+')
        .replace(/_/g, '/')
        .padEnd(Math.ceil(segment.length / 4) * 4, '='),
    );
    return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  } catch {
    return '';
  }
};

/**
 * Labels of every needle found in `text`, plus `canary marker` when {@link CANARY_MARK} appears and
 * `canary inside a JWT` when a JWT-shaped string decodes to a payload holding a canary (the emulator's
 * JWT access tokens carry the canary in `jti`).
 */
export function findLeaks(text: string, needles: readonly Needle[] = []): string[] {
  const found = new Set<string>();
  if (text.includes(CANARY_MARK)) found.add('canary marker');
  for (const match of text.matchAll(JWT))
    if (decodeSegment(match[1]!).includes(CANARY_MARK)) found.add('canary inside a JWT');
  for (const { label, value } of needles)
    if (value !== '' && text.includes(value)) found.add(label);
  return [...found];
}

/** `text` with every canary and needle replaced, for failure messages. */
export function redact(text: string, needles: readonly Needle[] = []): string {
  let out = text.replace(/CANARY-[A-Za-z0-9._~-]*/g, 'CANARY-[redacted]');
  for (const { value } of needles) if (value.length >= 4) out = out.split(value).join('[redacted]');
  return out;
}
