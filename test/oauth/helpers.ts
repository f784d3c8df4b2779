// The helpers live in test/support/. This file only keeps the old names working for files that still
// import them from here (new tests under test/store/ and test/core/ on other branches); import
// test/support/* directly in new code.
import { obtainTokens } from '../support/oauth.js';
import type { AS } from '../support/servers.js';

export { ISSUER, RESOURCE, makeAS, type AS } from '../support/servers.js';
export { challengeOf, verifier } from '../support/pkce.js';
export { OVERSIZED, basic, form } from '../support/http.js';
export { REDIRECT, authorize, introspect, redeem, register, token, type Authorized, type Tokens } from '../support/oauth.js';
export { expectOAuthError } from '../support/oauth-error.js';
export { snapshot } from '../support/snapshot.js';

/** obtainTokens(as, { params }) under its old name. */
export const publicClientWithTokens = (as: AS, params: Record<string, string> = {}) => obtainTokens(as, { params });
