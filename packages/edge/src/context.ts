import { resolveOptions, type AuthHandlerOptions, type EdgeConfig } from './options';
import { createSessionRegistry, type SessionRegistry } from './registry';
import { cookieJar, createKeyring, parseCookies, type CookieJar, type Keyring } from './session';

/** What every route of a handler shares. */
export interface Context {
  /** The options, checked, with every default filled. */
  readonly config: EdgeConfig;
  /** Cookie names, attributes and chunking. */
  readonly jar: CookieJar;
  /** Seals and opens session cookies and login intents. */
  readonly keyring: Keyring;
  /** Sessions and their token clients in this isolate. */
  readonly sessions: SessionRegistry;
  /** The request's cookies (first occurrence of a name wins). */
  cookies(request: Request): Map<string, string>;
  /** Hands an error the handler turned into a response to `onError` (a throwing hook is ignored). */
  report(error: unknown): void;
}

/** Builds the context of a handler; throws `ConfigurationError` for bad options. */
export function createContext(options: AuthHandlerOptions): Context {
  const config = resolveOptions(options);
  const keyring = createKeyring(config.secrets);
  const jar = cookieJar(config.cookie);
  const { onError } = config; // called detached: its `this` is never the config (it holds the secrets)
  // A logging hook never breaks a response: neither its throw nor, when async, its rejection.
  const report = (error: unknown) => {
    try {
      Promise.resolve(onError?.(error)).catch(() => {});
    } catch {
      // thrown synchronously
    }
  };
  return {
    config,
    jar,
    keyring,
    sessions: createSessionRegistry(config, keyring, jar, report),
    cookies: (request) => parseCookies(request.headers.get('cookie')),
    report,
  };
}
