import type { Form } from '../../http/form.js';
import { OAuthError } from '../../http/oauth-error.js';
import type { Ctx } from '../../pipeline/env.js';
import { abbreviate, s256, safeEqual } from '../../secrets.js';
import type { Caller } from '../client-auth.js';
import { assertRoom, issueTokens, refreshIssued, type TokenResponse } from '../issue.js';
import { VERIFIER_RE } from '../params.js';
import { unknown, when, whyDead } from '../why-inactive.js';
import { narrowResources } from './resources.js';

/** grant_type=authorization_code with PKCE (OAuth 2.1 §4.1.3). */
export async function authorizationCodeGrant(form: Form, caller: Caller, c: Ctx): Promise<TokenResponse> {
  const realm = c.get('realm');
  const note = c.get('note');
  const code = form.get('code');
  if (code === undefined) throw new OAuthError('invalid_request', 'code is missing');
  const verifier = form.get('code_verifier');
  if (verifier === undefined) {
    note.verifier = 'missing';
    throw new OAuthError('invalid_request', 'code_verifier is missing (PKCE is required)');
  }
  if (!VERIFIER_RE.test(verifier)) throw new OAuthError('invalid_request', 'code_verifier must be 43-128 characters of [A-Za-z0-9-._~] (RFC 7636 §4.1)');

  // A full store refuses before the code is spent (nothing changes on a refused request); whether a
  // refresh token is due depends on the code's scope, unknown yet, so room for one is asked always.
  await assertRoom(realm, realm.policy.refreshTokenIssuance !== 'never' && caller.client!.grant_types.includes('refresh_token'));
  // Consumed before any check: a code is spent by its first redemption, right or wrong.
  const spent = await realm.store.consume('code', code);
  const now = realm.clock.now();
  const lifetime = `codes live ${realm.policy.codeTtlSeconds} s`;
  if (spent.outcome === 'missing') {
    // Swept: a code dies only by expiring, and its tombstone says so for a while.
    const why = await whyDead(realm, 'code', code);
    throw new OAuthError('invalid_grant', why === undefined ? unknown('authorization code') : `${why}; ${lifetime}`);
  }
  const record = spent.record;
  note.grantId = abbreviate(record.grantId);
  if (spent.outcome === 'already') {
    // A spent code is watched for replay until it would have expired; after that it only says so.
    if (record.expiresAt <= now) throw new OAuthError('invalid_grant', `${await whyDead(realm, 'code', code, record)}; ${lifetime}`);
    const revoked = await realm.revokeGrant(record.grantId, 'code-replayed');
    note.revoked = revoked;
    throw new OAuthError('invalid_grant', `authorization code was already used; the ${revoked} token(s) issued from it are revoked (OAuth 2.1 §4.1.3)`);
  }
  if (record.expiresAt <= now) {
    throw new OAuthError('invalid_grant', `authorization code expired at ${when(realm, record.expiresAt)}; ${lifetime}`);
  }
  if (record.clientId !== caller.clientId) throw new OAuthError('invalid_grant', 'authorization code was issued to another client');
  const redirectUri = form.get('redirect_uri');
  if (record.redirectUri !== undefined && redirectUri !== record.redirectUri) {
    throw new OAuthError('invalid_grant', redirectUri === undefined ? 'redirect_uri is required: it was sent to /authorize' : 'redirect_uri differs from the one sent to /authorize');
  }
  const matched = safeEqual(s256(verifier), record.codeChallenge);
  note.verifier = matched ? 'matched' : 'mismatch';
  if (!matched) throw new OAuthError('invalid_grant', 'code_verifier does not match the code_challenge (PKCE S256)');
  const resources = narrowResources(form, record.resources);
  note.scopes = record.scope;
  note.resources = resources;
  const refresh = refreshIssued(realm.policy, caller.client!.grant_types, record.scope) ? 'new' : 'none';
  return issueTokens(realm, { ...record, clientId: caller.clientId, resources, defaultAudience: c.get('urls').resource, issuer: c.get('urls').issuer, flaw: c.get('tokenFlaw') }, refresh, c.get('generation'));
}
