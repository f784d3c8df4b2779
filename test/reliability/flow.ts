// Only test/reliability/soak.test.ts (edited on another branch) still imports from here; everything
// else imports test/support/oauth.ts. Delete this file once soak.test.ts does too.
import { obtainTokens } from '../support/oauth.js';

/** obtainTokens in the flat shape soak.test.ts reads: the tokens with the client_id beside them. */
export async function tokensFor(oauthUrl: string) {
  const { clientId, tokens } = await obtainTokens(oauthUrl);
  return { ...tokens, clientId };
}
