import type { Form } from '../../http/form.js';
import { OAuthError } from '../../http/oauth-error.js';
import type { Ctx } from '../../pipeline/env.js';
import { abbreviate, factDigest } from '../../secrets.js';
import type { Caller } from '../client-auth.js';
import { assertRoom, issueTokens, type TokenResponse } from '../issue.js';
import { parseScope } from '../params.js';
import { narrowResources } from './resources.js';
import { unknown, whyDead } from '../why-inactive.js';

const familyRevoked = (revoked: number) =>
  new OAuthError('invalid_grant', `refresh token was already rotated; its reuse revoked the whole family (${revoked} tokens, OAuth 2.1 §4.3.1)`);

/** grant_type=refresh_token (OAuth 2.1 §4.3), rotating when the policy says so (§4.3.1). */
export async function refreshTokenGrant(form: Form, caller: Caller, c: Ctx): Promise<TokenResponse> {
  const realm = c.get('realm');
  const note = c.get('note');
  const presented = form.get('refresh_token');
  if (presented === undefined) throw new OAuthError('invalid_request', 'refresh_token is missing');
  note.refreshDigest = factDigest(presented);
  // Not served (grant_types_supported drops it, RFC 8414 §2), yet the token is kept: it works again
  // once the policy issues refresh tokens (a refused request changes no state).
  if (realm.policy.refreshTokenIssuance === 'never') {
    throw new OAuthError('unsupported_grant_type', 'this server issues no refresh tokens and serves no refresh grant now (policy refreshTokenIssuance "never"); authorize again for a new access token');
  }
  const record = await realm.store.find('refresh', presented);
  // Past expiresAt (a rotated one: past the time its reuse is watched for), or gone: say which.
  if (!record || (record.expiresAt !== undefined && record.expiresAt <= realm.clock.now())) {
    throw new OAuthError('invalid_grant', (await whyDead(realm, 'refresh', presented, record)) ?? unknown('refresh token'));
  }
  note.grantId = abbreviate(record.grantId);
  const policy = realm.policy;
  const reuse = async () => {
    if (!policy.refreshReuseDetection) return new OAuthError('invalid_grant', 'refresh token was already rotated (reuse detection is off, policy refreshReuseDetection: the family is kept); use the newest refresh token');
    const revoked = await realm.revokeGrant(record.grantId, 'refresh-reused');
    note.revoked = revoked;
    return familyRevoked(revoked);
  };
  const sameClient = record.clientId === null || record.clientId === caller.clientId;
  // Within the grace window a rotated token refreshes again, for a client whose parallel refreshes
  // raced; another client presenting it is theft whatever the window.
  const inGrace = (consumedAt: number) => policy.rotateRefreshTokens && sameClient && realm.clock.now() < consumedAt + policy.rotationGraceSeconds * 1000;
  const graced = (consumedAt: number) => `a rotated refresh token, ${Math.round((realm.clock.now() - consumedAt) / 1000)} s after its rotation: inside the grace window (rotationGraceSeconds ${policy.rotationGraceSeconds})`;
  // A rotated token presented again: how long after its rotation (a stale replay, or a parallel refresh that lost).
  if (record.consumedAt !== undefined) note.replayAgeMs = realm.clock.now() - record.consumedAt;
  if (record.consumedAt !== undefined && !inGrace(record.consumedAt)) throw await reuse();
  if (!sameClient) throw new OAuthError('invalid_grant', 'refresh token was issued to another client');
  // Scope may only narrow (RFC 6749 §6): the grant's own scope is all a refresh may ask for.
  const scope = parseScope(form.get('scope'), record.scope, 'scope may only narrow on refresh; this grant holds') ?? record.scope;
  const resources = narrowResources(form, record.resources);
  note.scopes = scope;
  note.resources = resources;

  // Tokens stay in the refresh token's grant (the seeded one's too, whoever uses it), so revoking
  // the refresh token revokes what it issued (RFC 7009 §2.1) and reuse revokes the family.
  const grant = { clientId: caller.clientId, scope, resources, defaultAudience: c.get('urls').resource, issuer: c.get('urls').issuer, flaw: c.get('tokenFlaw'), sub: record.sub, grantId: record.grantId, original: { scope: record.scope, resources: record.resources } };
  if (policy.rotateRefreshTokens) {
    // The store decides the one winner: of parallel refreshes with one token, the others are reuse
    // (or, inside the grace window, refreshes of a rotated token).
    const keepUntil = realm.clock.now() + policy.rotatedRefreshMemorySeconds * 1000;
    // A full store refuses before the presented token is spent (nothing changes on a refused request).
    await assertRoom(realm, true);
    // A token rotated already (and in its grace window) is not spent again: it gets a new pair, as
    // Okta's and Auth0's leeway answers, and its first successor stays valid too.
    if (record.consumedAt === undefined) {
      const spent = await realm.store.consume('refresh', presented, keepUntil);
      // Revoked (or swept) between the find above and now.
      if (spent.outcome === 'missing') throw new OAuthError('invalid_grant', (await whyDead(realm, 'refresh', presented)) ?? unknown('refresh token'));
      if (spent.outcome === 'already') {
        const raced = await realm.store.find('refresh', presented);
        if (raced?.consumedAt !== undefined) note.replayAgeMs = realm.clock.now() - raced.consumedAt;
        if (raced?.consumedAt === undefined || !inGrace(raced.consumedAt)) throw await reuse();
        note.reason = graced(raced.consumedAt);
      }
    } else note.reason = graced(record.consumedAt);
    const issued = await issueTokens(realm, grant, 'new', c.get('generation'));
    note.rotated = true;
    return issued;
  }
  return issueTokens(realm, grant, { reuse: presented }, c.get('generation'));
}
