// A server message may echo the bearer token it refused; an error's message must not carry it. Runs
// of 32+ token characters (JWTs, opaque tokens, keys) are cut from server text that goes into one,
// counting a character the server quoted encoded as one: a percent escape (`%2F`, `%2b`), a JSON
// escape (`\/`, `\u002f`) — else a base64 token quoted URL- or JSON-encoded slips through in runs
// shorter than 32.
const TOKEN_CHAR = String.raw`(?:[A-Za-z0-9\-._~+/]|%[0-9A-Fa-f]{2}|\\(?:\/|u[0-9A-Fa-f]{4}))`;
const TOKEN_LIKE = new RegExp(`${TOKEN_CHAR}{32,}(?:=|%3[Dd])*`, 'g');

/** `text` with every token-like run (32+ token characters, raw or escaped) replaced by `[redacted]`. */
export const scrub = (text: string): string => text.replace(TOKEN_LIKE, '[redacted]');
