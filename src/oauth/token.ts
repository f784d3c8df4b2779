import type { Hono } from 'hono';
import { NO_STORE, OAuthError, jsonResponse } from '../http/oauth-error.js';
import { methodNotAllowed, omitFields, readForm, strike, type AppEnv, type Ctx, type Form } from '../http/kit.js';
import type { Realm } from '../realm.js';
import { s256, safeEqual } from '../secrets.js';
import { authenticateClient, type Caller } from './client-auth.js';
import { issueTokens, type TokenResponse } from './issue.js';
import { VERIFIER_RE, parseResources, parseScope } from './params.js';

const GRANTS = ['authorization_code', 'refresh_token'] as const;

/** POST /token: the authorization_code (PKCE) and refresh_token grants (OAuth 2.1 §4.1.3, §4.3). */
export function mountToken(app: Hono<AppEnv>, realm: Realm): void {
  app.post('/token', (c) => token(c, realm));
  app.all('/token', methodNotAllowed('POST'));
}

async function token(c: Ctx, realm: Realm): Promise<Response> {
  realm.counters.tokenCalls++;
  const note = c.get('note');
  const form = await readForm(c, ['resource']);
  const grant = form.get('grant_type');
  if (grant === undefined) throw new OAuthError('invalid_request', 'grant_type is missing');
  note.grant = grant;
  // Keyed by the grants we serve only: a client's arbitrary grant_type must not grow the counters.
  const known = (GRANTS as readonly string[]).includes(grant);
  const key = known ? grant : 'unsupported';
  const byGrant = realm.counters.tokenCallsByGrant;
  byGrant[key] = (Object.hasOwn(byGrant, key) ? byGrant[key]! : 0) + 1;
  if (!known) {
    throw new OAuthError('unsupported_grant_type', `grant_type ${JSON.stringify(grant)} is not supported; use ${GRANTS.join(' or ')}`);
  }
  const caller = authenticateClient(c, form, realm, {
    allowPublic: true,
    registeredMethodOnly: true,
    adoptUnknown: () => grant === 'refresh_token' && isLiveSeed(realm, form.get('refresh_token')),
  });
  note.clientId = caller.clientId;
  if (!caller.client!.grant_types.includes(grant)) {
    throw new OAuthError('unauthorized_client', `client did not register grant_type ${grant}`);
  }

  const s = await strike(c, realm, 'token', { grant });
  if (s.response) return s.response;
  if (s.error) throw s.error;

  const body = grant === 'authorization_code' ? redeemCode(form, caller, realm) : refresh(form, caller, realm);
  if (grant === 'refresh_token') realm.counters.refreshes++;
  if (caller.adopted) realm.store.clients.set(caller.clientId, caller.client!);
  return jsonResponse(omitFields(body, s.omit), 200, NO_STORE);
}

function redeemCode(form: Form, caller: Caller, realm: Realm): TokenResponse {
  const code = form.get('code');
  if (code === undefined) throw new OAuthError('invalid_request', 'code is missing');
  const verifier = form.get('code_verifier');
  if (verifier === undefined) throw new OAuthError('invalid_request', 'code_verifier is missing (PKCE is required)');
  if (!VERIFIER_RE.test(verifier)) throw new OAuthError('invalid_request', 'code_verifier must be 43-128 characters of [A-Za-z0-9-._~] (RFC 7636 §4.1)');

  // Consumed before any check: a code is spent by its first redemption, right or wrong.
  const found = realm.store.consumeCode(code);
  if (found.replayOf) {
    const revoked = realm.store.revokeGrant(found.replayOf);
    throw new OAuthError('invalid_grant', `authorization code was already used; the ${revoked} token(s) issued from it are revoked (OAuth 2.1 §4.1.3)`);
  }
  if (found.expired) throw new OAuthError('invalid_grant', 'authorization code has expired (codes live 60 s)');
  const record = found.record;
  if (!record) throw new OAuthError('invalid_grant', 'authorization code is unknown');
  if (record.clientId !== caller.clientId) throw new OAuthError('invalid_grant', 'authorization code was issued to another client');
  const redirectUri = form.get('redirect_uri');
  if (record.redirectUri !== undefined && redirectUri !== record.redirectUri) {
    throw new OAuthError('invalid_grant', redirectUri === undefined ? 'redirect_uri is required: it was sent to /authorize' : 'redirect_uri differs from the one sent to /authorize');
  }
  if (!safeEqual(s256(verifier), record.codeChallenge)) throw new OAuthError('invalid_grant', 'code_verifier does not match the code_challenge (PKCE S256)');
  const resources = narrowResources(form, record.resources);
  return issueTokens(realm, { ...record, clientId: caller.clientId, resources }, caller.client!.grant_types.includes('refresh_token') ? 'new' : 'none');
}

function refresh(form: Form, caller: Caller, realm: Realm): TokenResponse {
  const presented = form.get('refresh_token');
  if (presented === undefined) throw new OAuthError('invalid_request', 'refresh_token is missing');
  const record = realm.store.findRefresh(presented);
  if (!record) throw new OAuthError('invalid_grant', 'refresh token is unknown, expired or revoked');
  if (record.rotated) {
    const revoked = realm.store.revokeGrant(record.grantId);
    throw new OAuthError('invalid_grant', `refresh token was already rotated; its reuse revoked the whole family (${revoked} tokens, OAuth 2.1 §4.3.1)`);
  }
  if (record.clientId !== null && record.clientId !== caller.clientId) throw new OAuthError('invalid_grant', 'refresh token was issued to another client');
  // Scope may only narrow (RFC 6749 §6): the grant's own scope is all a refresh may ask for.
  const scope = parseScope(form.get('scope'), record.scope, 'scope may only narrow on refresh; this grant holds') ?? record.scope;
  const resources = narrowResources(form, record.resources);

  // Tokens stay in the refresh token's grant (the seeded one's too, whoever uses it), so revoking
  // the refresh token revokes what it issued (RFC 7009 §2.1) and reuse revokes the family.
  const grant = { clientId: caller.clientId, scope, resources, sub: record.sub, grantId: record.grantId, original: { scope: record.scope, resources: record.resources } };
  if (realm.faults.rotateRefreshTokens) {
    realm.store.retireRefresh(presented);
    return issueTokens(realm, grant, 'new');
  }
  return issueTokens(realm, grant, { reuse: presented });
}

/** RFC 8707 §2.2: at the token endpoint, `resource` may only narrow what was authorized. */
function narrowResources(form: Form, authorized: string[]): string[] {
  const requested = parseResources(form.all('resource'));
  if (requested.length === 0) return authorized;
  if (authorized.length === 0) return requested;
  const outside = requested.filter((r) => !authorized.includes(r));
  if (outside.length) throw new OAuthError('invalid_target', `resource ${outside.join(', ')} was not part of the authorization`);
  return requested;
}

function isLiveSeed(realm: Realm, token: string | undefined): boolean {
  const r = token === undefined ? undefined : realm.store.findRefresh(token);
  return r !== undefined && r.clientId === null && !r.rotated;
}
