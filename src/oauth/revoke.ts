import type { Hono } from 'hono';
import { readForm } from '../http/form.js';
import { OAuthError } from '../http/oauth-error.js';
import type { AppEnv, Ctx } from '../pipeline/env.js';
import { methodNotAllowed } from '../pipeline/method.js';
import { strike } from '../pipeline/strike.js';
import { abbreviate } from '../secrets.js';
import { authenticateClient } from './client-auth.js';

/**
 * POST /revoke (RFC 7009). Unknown tokens still get 200 (§2.2), so a client cannot probe for tokens.
 * Revoking a refresh token revokes its whole grant, access tokens included (§2.1).
 */
export function mountRevoke(app: Hono<AppEnv>): void {
  app.post('/revoke', revoke);
  app.all('/revoke', methodNotAllowed('POST'));
}

async function revoke(c: Ctx): Promise<Response> {
  const realm = c.get('realm');
  realm.counters.revocations++;
  const note = c.get('note');
  note.endpoint = 'revoke';
  const form = await readForm(c.req);
  const caller = await authenticateClient(c, form, { allowPublic: realm.policy.revocationAuthMethods.includes('none') });
  note.clientId = caller.clientId;
  const token = form.get('token');
  if (token === undefined) throw new OAuthError('invalid_request', 'token is missing');
  await strike(c, 'revoke');

  const notYours = () => new OAuthError('unauthorized_client', 'token was issued to another client (RFC 7009 §2.1)');
  const tryAccess = async () => {
    const r = await realm.store.find('access', token);
    if (!r) return false;
    if (r.clientId !== caller.clientId) throw notYours();
    await realm.store.destroy('access', token, 'revoked');
    note.grantId = abbreviate(r.grantId);
    note.revoked = 1;
    note.reason = 'access token revoked';
    return true;
  };
  const tryRefresh = async () => {
    const r = await realm.store.find('refresh', token);
    if (!r) return false;
    if (r.clientId !== null && r.clientId !== caller.clientId) throw notYours();
    note.grantId = abbreviate(r.grantId);
    note.revoked = await realm.revokeGrant(r.grantId, 'grant-revoked');
    note.reason = `refresh token revoked with its grant (${note.revoked} tokens)`;
    return true;
  };
  // The hint orders the search; an unknown hint is ignored (§2.1: the server extends its search).
  if (form.get('token_type_hint') === 'refresh_token') (await tryRefresh()) || (await tryAccess());
  else (await tryAccess()) || (await tryRefresh());
  return new Response(null, { status: 200, headers: { 'Cache-Control': 'no-store' } });
}
