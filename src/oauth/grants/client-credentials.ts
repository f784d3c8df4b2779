import type { Form } from '../../http/form.js';
import type { Ctx } from '../../pipeline/env.js';
import { abbreviate, randomToken } from '../../secrets.js';
import type { Caller } from '../client-auth.js';
import { grantedScope } from '../client-scopes.js';
import { assertRoom, issueTokens, type TokenResponse } from '../issue.js';
import { parseResources } from '../params.js';

/**
 * grant_type=client_credentials (RFC 6749 §4.4, OAuth 2.1 §4.2): a machine client acting for itself.
 * token.ts has already refused a public client (§4.4: confidential clients only) and one that did not
 * register the grant. Scope as at /authorize, `resource` as an audience (RFC 8707 §2), the client as
 * `sub`, and no refresh token (§4.4.3: the client can always ask again).
 */
export async function clientCredentialsGrant(form: Form, caller: Caller, c: Ctx): Promise<TokenResponse> {
  const realm = c.get('realm');
  const note = c.get('note');
  const scope = grantedScope(form.get('scope'), caller.client!, realm.policy);
  const resources = parseResources(form.all('resource')).map((r) => (r === realm.resource ? realm.resource : r));
  await assertRoom(realm, false);
  note.scopes = scope;
  note.resources = resources;
  const grantId = randomToken('cc_', 12);
  note.grantId = abbreviate(grantId);
  const grant = { clientId: caller.clientId, scope, resources, sub: caller.clientId, grantId, defaultAudience: c.get('urls').resource, issuer: c.get('urls').issuer, flaw: c.get('tokenFlaw') };
  return issueTokens(realm, grant, 'none', c.get('generation'));
}
