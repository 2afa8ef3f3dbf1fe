/** Shared state of one emulator: clock, clients, tokens, codes, consent. @internal */
import { SignJWT } from 'jose';
import type {
  EmulatedVendor,
  EmulatorOptions,
  FirstDollarApp,
  FirstDollarPartner,
  FirstOrionKey,
  GraphqlResolver,
  OAuth2Client,
  OrangeLogicClient,
} from './types';
import { randomToken } from './util';
import { TEST_CREDENTIALS } from './credentials';

export type TokenKind = 'fd-partner' | 'fd-app' | 'fo-v1' | 'fo-v2' | 'ol' | 'ol-client' | 'oauth2';

/** An access token, refresh token or authorization code. Times are virtual-clock ms. */
export interface Grant {
  vendor: EmulatedVendor;
  kind: TokenKind;
  clientId: string;
  appId?: string;
  userId?: string;
  sub: string;
  exp?: number;
  scope?: string;
  /** Tokens descending from one authorization share it (RFC 7009 revocation of the whole grant). */
  grantId: string;
  used?: boolean;
  codeChallenge?: string;
  redirectUri?: string;
}

/** Lifetime of an authorization code. */
export const CODE_TTL_MS = 10 * 60 * 1000;

export class EmulatorState {
  /** Fixed clock (`EmulatorOptions.now` given): `#base` is the time. Else `#base` is an offset from `Date.now()`. */
  readonly fixedClock: boolean;
  #base: number;
  readonly ttl: Record<
    'firstDollar' | 'firstOrionV2' | 'firstOrionV1' | 'orangeLogic' | 'oauth2',
    number
  >;
  readonly refreshTtl: { orangeLogic?: number; oauth2?: number };
  readonly fdPartners: FirstDollarPartner[];
  readonly fdApps: FirstDollarApp[];
  readonly foKeys: FirstOrionKey[];
  readonly olClients: OrangeLogicClient[];
  readonly oauth2Clients: OAuth2Client[];
  foRefreshUnsupported: boolean;
  /** `EmulatorOptions.orangeLogic.consentPage`. */
  readonly olConsentPage: boolean;
  /** Prefix of every issued token and code (`EmulatorOptions.tokenPrefix`). */
  readonly tokenPrefix: string;
  graphqlResolver: GraphqlResolver | undefined;
  readonly access = new Map<string, Grant>();
  readonly refresh = new Map<string, Grant>();
  readonly codes = new Map<string, Grant>();
  readonly #revoked = new Set<string>();
  readonly #regranted = new Set<string>();
  readonly #key = crypto.getRandomValues(new Uint8Array(32));
  readonly #kid = randomToken(8);

  constructor(o: EmulatorOptions = {}) {
    this.fixedClock = o.now !== undefined;
    this.#base = o.now ?? 0;
    const t = o.accessTokenTtl ?? {};
    this.ttl = {
      firstDollar: t.firstDollar ?? 3600,
      firstOrionV2: t.firstOrionV2 ?? 3600,
      firstOrionV1: t.firstOrionV1 ?? 3600,
      orangeLogic: t.orangeLogic ?? 86400,
      oauth2: t.oauth2 ?? 3600,
    };
    this.refreshTtl = {
      orangeLogic: o.refreshTokenTtl?.orangeLogic ?? 30 * 86400,
      oauth2: o.refreshTokenTtl?.oauth2,
    };
    this.fdPartners = o.firstDollar?.partners ?? [TEST_CREDENTIALS.firstDollarPartner];
    this.fdApps = o.firstDollar?.apps ?? [TEST_CREDENTIALS.firstDollarApp];
    this.foKeys = o.firstOrion?.keys ?? [TEST_CREDENTIALS.firstOrion];
    this.olClients = o.orangeLogic?.clients ?? [TEST_CREDENTIALS.orangeLogic];
    this.oauth2Clients = o.oauth2?.clients ?? [
      { ...TEST_CREDENTIALS.oauth2, redirectUris: [TEST_CREDENTIALS.oauth2.redirectUri] },
      {
        ...TEST_CREDENTIALS.oauth2Public,
        redirectUris: [TEST_CREDENTIALS.oauth2Public.redirectUri],
      },
    ];
    this.foRefreshUnsupported = o.firstOrion?.refreshUnsupported ?? false;
    this.olConsentPage = o.orangeLogic?.consentPage ?? false;
    this.tokenPrefix = o.tokenPrefix ?? '';
    this.graphqlResolver = o.firstDollar?.graphql;
  }

  /** The virtual clock (ms): real time plus the offset `advance` / `set` gave, or the fixed time. */
  get now(): number {
    return this.fixedClock ? this.#base : Date.now() + this.#base;
  }

  /** Moves the clock by `ms` (it keeps following real time unless fixed). */
  advance(ms: number): void {
    this.#base += ms;
  }

  /** Sets the clock to `ms` (it keeps following real time from there unless fixed). */
  set(ms: number): void {
    this.#base = this.fixedClock ? ms : ms - Date.now();
  }

  /** Signs an HS256 JWT with `iat` / `exp` from the virtual clock. */
  signJwt(claims: Record<string, unknown>, ttlSeconds: number): Promise<string> {
    const iat = Math.floor(this.now / 1000);
    return new SignJWT({ ...claims, jti: this.tokenPrefix + randomToken(12) })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: this.#kid })
      .setIssuedAt(iat)
      .setExpirationTime(iat + ttlSeconds)
      .sign(this.#key);
  }

  /** Stores and returns a new access token (a JWT when `jwtClaims` is given, else opaque). */
  async issueAccess(
    g: Omit<Grant, 'exp'>,
    ttlSeconds: number,
    jwtClaims?: Record<string, unknown>,
  ): Promise<string> {
    const token = jwtClaims
      ? await this.signJwt(jwtClaims, ttlSeconds)
      : this.tokenPrefix + randomToken();
    this.access.set(token, { ...g, exp: this.now + ttlSeconds * 1000 });
    return token;
  }

  /** Stores and returns a new single-use refresh token. */
  issueRefresh(g: Omit<Grant, 'exp' | 'used'>, ttlSeconds?: number): string {
    const token = this.tokenPrefix + randomToken();
    this.refresh.set(token, {
      ...g,
      exp: ttlSeconds === undefined ? undefined : this.now + ttlSeconds * 1000,
    });
    return token;
  }

  /** Stores and returns a new single-use authorization code (10 minutes). */
  issueCode(g: Omit<Grant, 'exp' | 'used' | 'grantId'>): string {
    const code = this.tokenPrefix + randomToken();
    this.codes.set(code, { ...g, grantId: randomToken(12), exp: this.now + CODE_TTL_MS });
    return code;
  }

  /** True when the grant exists, is unused and unexpired. */
  live(g: Grant | undefined): g is Grant {
    return g !== undefined && !g.used && (g.exp === undefined || this.now < g.exp);
  }

  /** A live access token of `vendor` whose consent still holds, or undefined. */
  validAccess(token: string | undefined, vendor: EmulatedVendor): Grant | undefined {
    const g = token === undefined ? undefined : this.access.get(token);
    return this.live(g) && g.vendor === vendor && !this.consentRevoked(g) ? g : undefined;
  }

  revokeConsent(id: string, userId?: string): void {
    if (userId === undefined) {
      for (const k of this.#regranted) if (k.startsWith(`${id}\0`)) this.#regranted.delete(k);
    } else {
      this.#regranted.delete(`${id}\0${userId}`);
    }
    this.#revoked.add(`${id}\0${userId ?? '*'}`);
  }

  grantConsent(id: string, userId?: string): void {
    if (userId === undefined) {
      for (const k of [...this.#revoked, ...this.#regranted]) {
        if (k.startsWith(`${id}\0`)) {
          this.#revoked.delete(k);
          this.#regranted.delete(k);
        }
      }
      return;
    }
    this.#revoked.delete(`${id}\0${userId}`);
    if (this.#revoked.has(`${id}\0*`)) this.#regranted.add(`${id}\0${userId}`);
  }

  /** Whether consent was revoked for the grant's app / client and user. */
  consentRevoked(g: Pick<Grant, 'clientId' | 'appId' | 'userId'>): boolean {
    return [g.clientId, g.appId].some((id) => {
      if (id === undefined) return false;
      if (g.userId !== undefined && this.#revoked.has(`${id}\0${g.userId}`)) return true;
      return (
        this.#revoked.has(`${id}\0*`) &&
        !(g.userId !== undefined && this.#regranted.has(`${id}\0${g.userId}`))
      );
    });
  }

  /** Deletes every token of a grant (RFC 7009: revoking a refresh token revokes its access tokens). */
  revokeGrant(grantId: string): void {
    for (const map of [this.access, this.refresh])
      for (const [k, g] of map) if (g.grantId === grantId) map.delete(k);
  }
}
