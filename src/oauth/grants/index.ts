import type { Form } from '../../http/form.js';
import type { Ctx } from '../../pipeline/env.js';
import type { GrantType } from '../../policy.js';
import type { Realm } from '../../realm.js';
import { isLive } from '../../store/store.js';
import type { Caller } from '../client-auth.js';
import type { TokenResponse } from '../issue.js';
import { authorizationCodeGrant } from './authorization-code.js';
import { clientCredentialsGrant } from './client-credentials.js';
import { refreshTokenGrant } from './refresh-token.js';

export type GrantHandler = (form: Form, caller: Caller, c: Ctx) => Promise<TokenResponse>;

/** One handler per grant type (oidc-provider's registerGrantType); the policy says which are served. */
export const GRANTS: Record<GrantType, GrantHandler> = {
  authorization_code: authorizationCodeGrant,
  refresh_token: refreshTokenGrant,
  client_credentials: clientCredentialsGrant,
};

/** The seeded refresh token, still live: its presenter is taken as the client it says it is. */
export async function isLiveSeed(realm: Realm, token: string | undefined): Promise<boolean> {
  const r = token === undefined ? undefined : await realm.store.find('refresh', token);
  return r !== undefined && r.clientId === null && isLive(r, realm.clock.now());
}
