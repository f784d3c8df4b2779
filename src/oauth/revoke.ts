import type { Hono } from 'hono';
import { OAuthError } from '../http/oauth-error.js';
import { methodNotAllowed, readForm, strike, type AppEnv, type Ctx } from '../http/kit.js';
import type { Realm } from '../realm.js';
import { authenticateClient } from './client-auth.js';

/**
 * POST /revoke (RFC 7009). Unknown tokens still get 200 (§2.2), so a client cannot probe for tokens.
 * Revoking a refresh token revokes its whole grant, access tokens included (§2.1).
 */
export function mountRevoke(app: Hono<AppEnv>, realm: Realm): void {
  app.post('/revoke', (c) => revoke(c, realm));
  app.all('/revoke', methodNotAllowed('POST'));
}

async function revoke(c: Ctx, realm: Realm): Promise<Response> {
  realm.counters.revocations++;
  const note = c.get('note');
  const form = await readForm(c);
  const caller = authenticateClient(c, form, realm, { allowPublic: true });
  note.clientId = caller.clientId;
  const token = form.get('token');
  if (token === undefined) throw new OAuthError('invalid_request', 'token is missing');
  const s = await strike(c, realm, 'revoke');
  if (s.response) return s.response;
  if (s.error) throw s.error;

  const hint = form.get('token_type_hint');
  const tryAccess = () => {
    const r = realm.store.accessTokens.get(token);
    if (!r) return false;
    if (r.clientId !== caller.clientId) throw new OAuthError('unauthorized_client', 'token was issued to another client (RFC 7009 §2.1)');
    realm.store.revokeAccess(token);
    note.detail = 'access token revoked';
    return true;
  };
  const tryRefresh = () => {
    const r = realm.store.findRefresh(token);
    if (!r) return false;
    if (r.clientId !== null && r.clientId !== caller.clientId) throw new OAuthError('unauthorized_client', 'token was issued to another client (RFC 7009 §2.1)');
    const n = realm.store.revokeGrant(r.grantId);
    note.detail = `refresh token revoked with its grant (${n} tokens)`;
    return true;
  };
  // The hint orders the search; an unknown hint is ignored (§2.1: the server extends its search).
  if (hint === 'refresh_token') tryRefresh() || tryAccess();
  else tryAccess() || tryRefresh();
  return new Response(null, { status: 200, headers: { 'Cache-Control': 'no-store' } });
}
