// The helpers live in test/support/. This file only keeps the old names and signatures working for
// files that still import them from here (new tests under test/store/ and test/core/ on other
// branches); import test/support/* directly in new code.
import { register as registerClient, visitAuthorize } from '../support/oauth.js';

export { rsBase, start } from '../support/servers.js';
export type { Answer } from '../support/answer.js';
export { ctl, get, post } from '../support/control.js';
export { pkce } from '../support/pkce.js';
export { REDIRECT as REDIRECT_URI, introspectByQuery as introspect, obtainTokens, refreshGrant, tokenRequest, type Tokens } from '../support/oauth.js';
export { callTool, rpc } from '../support/mcp.js';

/** register(oauthUrl, { token_endpoint_auth_method }) under its old signature. */
export const register = (oauthUrl: string, method: 'none' | 'client_secret_post' = 'none') =>
  registerClient(oauthUrl, { token_endpoint_auth_method: method, grant_types: ['authorization_code', 'refresh_token'] });

/** visitAuthorize under its old name and signature (state 'xyz' unless given). */
export const authorize = (oauthUrl: string, clientId: string, challenge: string, state = 'xyz') => visitAuthorize(oauthUrl, clientId, challenge, { state });
