import { describe, expect, it } from 'vitest';
import { freshAS } from '../support/servers.js';
import { authorize, codeGrantParams, register, token } from '../support/oauth.js';
import { basic } from '../support/http.js';
import { expectOAuthError } from '../support/oauth-error.js';

const as = freshAS();

describe('the registered token_endpoint_auth_method is the one /token accepts (RFC 7591 §2)', () => {
  it('a client registered with client_secret_post that sends Basic gets 401 invalid_client with a Basic challenge; posting the secret works', async () => {
    const client = await register(as, { token_endpoint_auth_method: 'client_secret_post' });
    const a = await authorize(as, client.client_id);
    const { client_id: _id, ...params } = codeGrantParams(client.client_id, a);
    const viaBasic = await token(as, params, basic(client.client_id, client.client_secret!));
    await expectOAuthError(viaBasic, 401, 'invalid_client', /client registered token_endpoint_auth_method client_secret_post but used client_secret_basic/);
    expect(viaBasic.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    // The refused request did not spend the code.
    const ok = await token(as, { ...codeGrantParams(client.client_id, a), client_secret: client.client_secret! });
    expect(ok.status).toBe(200);
  });

  it('a client registered with client_secret_basic that posts its secret gets 401 invalid_client', async () => {
    const client = await register(as, { token_endpoint_auth_method: 'client_secret_basic' });
    const a = await authorize(as, client.client_id);
    const res = await token(as, { ...codeGrantParams(client.client_id, a), client_secret: client.client_secret! });
    await expectOAuthError(res, 401, 'invalid_client', /client registered token_endpoint_auth_method client_secret_basic but used client_secret_post/);
  });
});
