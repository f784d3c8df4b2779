import type { TokenFlaw } from '../faults.js';
import { OAuthError } from '../http/oauth-error.js';
import { OFFLINE_ACCESS, type Policy } from '../policy.js';
import type { Realm } from '../realm.js';
import { randomToken } from '../secrets.js';
import { sharedList } from '../store/shared-list.js';
import { flawedClaims, signAccessJwt } from './access-jwt.js';

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token?: string;
  scope: string;
}

/** Refuses to issue for a request that started before a reset: nothing it was given is still valid. */
export function assertSameGeneration(realm: Realm, startedIn: number): void {
  if (realm.generation !== startedIn) {
    throw new OAuthError('invalid_grant', 'the server was reset (POST /control/reset) while this request was in flight; nothing from before the reset is valid: register and authorize again');
  }
}

/**
 * Whether a code grant comes with a refresh token. SEP-2207 has the authorization server decide from
 * the client's registered grant types (a client that cannot use the refresh grant gets none) and its
 * own policy: `offline_access` also wants that scope in the grant, `never` issues none.
 */
export function refreshIssued(policy: Readonly<Policy>, clientGrantTypes: readonly string[], scope: readonly string[]): boolean {
  if (policy.refreshTokenIssuance === 'never' || !clientGrantTypes.includes('refresh_token')) return false;
  return policy.refreshTokenIssuance === 'always' || scope.includes(OFFLINE_ACCESS);
}

/** The store refuses tokens for a grant revoked meanwhile (a replay or reuse racing this request). */
const revoked = () => new OAuthError('invalid_grant', 'the grant was revoked while this request was served (a replayed code or a reused refresh token); authorize again');
const full = (what: string, cap: number, setting: string) =>
  new OAuthError('temporarily_unavailable', `${what} are full (${cap} kept, ${setting}); POST /control/reset to clear them`, 429);

/**
 * Refuses before a code or a rotated refresh token is spent when what it would mint cannot be kept:
 * a request refused for a full store must not change state (the code stays redeemable once there is
 * room). Requests racing for the last places are still caught where the tokens are saved.
 */
export async function assertRoom(realm: Realm, refresh: boolean): Promise<void> {
  const { maxAccessTokens, maxRefreshTokens } = realm.config;
  if (!(await realm.store.hasRoom('access', maxAccessTokens))) throw full('access tokens', maxAccessTokens, 'MAX_ACCESS_TOKENS');
  if (refresh && !(await realm.store.hasRoom('refresh', maxRefreshTokens))) throw full('refresh tokens', maxRefreshTokens, 'MAX_REFRESH_TOKENS');
}

/** Mints an access token (and, when asked, a refresh token) for one grant. */
export async function issueTokens(
  realm: Realm,
  grant: {
    clientId: string;
    scope: string[];
    resources: string[];
    sub: string;
    grantId: string;
    /** The audience of a token requested without `resource`: this server's resource as the client names it (`c.get('urls').resource`). */
    defaultAudience?: string;
    /** A rotated refresh token keeps the original grant's scope and resources (RFC 6749 §6). */
    original?: { scope: string[]; resources: string[] };
    /** A JWT's `iss`: the issuer as the client names it (`c.get('urls').issuer`); the realm's by default. */
    issuer?: string;
    /** A token-flaw fault's: the access token is a JWT with this flaw, whatever the format (faults.ts). */
    flaw?: TokenFlaw;
  },
  refresh: 'new' | { reuse: string } | 'none',
  /** The realm's generation when the request started (`c.get('generation')`): after a reset nothing is issued. */
  startedIn: number = realm.generation,
): Promise<TokenResponse> {
  assertSameGeneration(realm, startedIn);
  // Every string here is already a copy: form values (http/form.ts), stored records, the registration.
  const { clientId, sub } = grant;
  const now = realm.clock.now();
  const iat = Math.floor(now / 1000);
  const ttl = realm.policy.accessTokenTtlSeconds;
  // Validity is kept to the millisecond, so a token lives exactly the expires_in it was announced
  // with; exp (whole seconds, RFC 7662) is that instant rounded down.
  const expiresAt = now + ttl * 1000;
  const exp = iat + ttl;
  // A token requested without `resource` is for this server's one protected resource.
  let aud = sharedList(grant.resources.length > 0 ? grant.resources : [grant.defaultAudience ?? realm.resource]);
  const scope = sharedList(grant.scope);
  let access: string;
  let record = { iat, exp, expiresAt };
  if (realm.policy.accessTokenFormat === 'jwt' || grant.flaw) {
    // RFC 9068: the store keeps it under the JWT itself, so introspection and revocation need no change.
    const base = { iss: grant.issuer ?? realm.issuer, sub, aud, client_id: clientId, scope: grant.scope.join(' '), iat, exp, jti: randomToken('', 16) };
    const claims = flawedClaims(base, grant.flaw);
    access = await signAccessJwt(realm, claims, grant.flaw);
    // What was minted is what is recorded: an introspecting resource server is told the same.
    aud = claims.aud;
    if (claims.exp !== exp) record = { iat: claims.iat, exp: claims.exp, expiresAt: claims.exp * 1000 };
  } else {
    access = randomToken('at_');
  }
  // Every field named in the literal: a spread adds its fields after the literal's, and V8 then keeps
  // them in a separate properties store (40 bytes more per token, and every token is kept).
  const saved = await realm.store.upsert('access', access, {
    clientId,
    scope,
    aud,
    sub,
    grantId: grant.grantId,
    iat: record.iat,
    exp: record.exp,
    expiresAt: record.expiresAt,
  }, realm.config.maxAccessTokens);
  if (saved === 'full') throw full('access tokens', realm.config.maxAccessTokens, 'MAX_ACCESS_TOKENS');
  if (!saved) throw revoked();
  // A reset while the store saved it: what it saved belongs to no live grant.
  if (realm.generation !== startedIn) {
    await realm.store.destroy('access', access);
    assertSameGeneration(realm, startedIn);
  }
  const body: TokenResponse = { access_token: access, token_type: 'Bearer', expires_in: ttl, scope: grant.scope.join(' ') };
  if (refresh === 'new') {
    const rt = randomToken('rt_');
    const kept = grant.original ?? grant;
    const refreshExpiresAt = now + realm.policy.refreshTokenTtlSeconds * 1000;
    const record = { clientId, scope: sharedList(kept.scope), resources: sharedList(kept.resources), sub, grantId: grant.grantId, iat, expiresAt: refreshExpiresAt, consumedAt: undefined };
    const savedRefresh = await realm.store.upsert('refresh', rt, record, realm.config.maxRefreshTokens);
    if (savedRefresh !== true) {
      await realm.store.destroy('access', access);
      throw savedRefresh === 'full' ? full('refresh tokens', realm.config.maxRefreshTokens, 'MAX_REFRESH_TOKENS') : revoked();
    }
    if (realm.generation !== startedIn) {
      await Promise.all([realm.store.destroy('access', access), realm.store.destroy('refresh', rt)]);
      assertSameGeneration(realm, startedIn);
    }
    body.refresh_token = rt;
  } else if (refresh !== 'none') {
    body.refresh_token = refresh.reuse;
  }
  return body;
}
