import { afterEach, describe, expect, it } from 'vitest';
import { makeAS, type AS } from '../support/servers.js';
import { REDIRECT, authorize, inactiveToRs, introspect, obtainTokens, redeem, register, token } from '../support/oauth.js';
import { challengeOf, verifier } from '../support/pkce.js';
import { basic, form } from '../support/http.js';

let as: AS;
afterEach(() => as?.realm.close());

describe('policies beyond the happy path', () => {
  it('a client that registered a scope gets it by default and may not ask for more (invalid_scope)', async () => {
    as = makeAS({ scopes: 'a b c' });
    const client = await register(as, { scope: 'a b' });
    const tokens = await redeem(as, client.client_id, await authorize(as, client.client_id));
    expect(tokens.scope).toBe('a b');
    const q = new URLSearchParams({ response_type: 'code', client_id: client.client_id, redirect_uri: REDIRECT, code_challenge: challengeOf(verifier()), code_challenge_method: 'S256', scope: 'a c', state: 's' });
    const res = await as.req(`/authorize?${q}`);
    const back = new URL(res.headers.get('location')!);
    expect(back.searchParams.get('error')).toBe('invalid_scope');
    expect(back.searchParams.get('error_description')).toContain('this client registered: a b');
  });

  it('HEAD /authorize is refused and mints no code (link previews, prefetchers)', async () => {
    as = makeAS();
    const client = await register(as);
    const q = new URLSearchParams({ response_type: 'code', client_id: client.client_id, redirect_uri: REDIRECT, code_challenge: challengeOf(verifier()), code_challenge_method: 'S256' });
    const res = await as.req(`/authorize?${q}`, { method: 'HEAD' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
    expect((await as.realm.store.counts()).codes).toBe(0);
  });

  it('the registered auth method binds /token only: /introspect and /revoke take either secret method', async () => {
    as = makeAS();
    const client = await register(as, { token_endpoint_auth_method: 'client_secret_post' });
    const { tokens } = await obtainTokens(as);
    const viaBasic = await as.req('/introspect', form({ token: tokens.access_token }, basic(client.client_id, client.client_secret!)));
    expect(viaBasic.status).toBe(200);
    expect(((await viaBasic.json()) as { active: boolean }).active).toBe(true);
    const atToken = await token(as, { grant_type: 'refresh_token', refresh_token: 'x' }, basic(client.client_id, client.client_secret!));
    expect(atToken.status).toBe(401);
  });

  it('revoking the seeded refresh token revokes the access tokens it issued (RFC 7009 §2.1)', async () => {
    as = makeAS({ seedRefreshToken: 'seed-1' });
    const client = await register(as);
    const res = await token(as, { grant_type: 'refresh_token', refresh_token: 'seed-1', client_id: client.client_id });
    const { access_token } = (await res.json()) as { access_token: string };
    expect((await introspect(as, access_token)).active).toBe(true);
    expect((await as.req('/revoke', form({ token: 'seed-1', client_id: client.client_id }))).status).toBe(200);
    expect(await introspect(as, access_token)).toEqual(inactiveToRs(/^access token was revoked at .* with its grant: a refresh token of the grant was revoked at POST \/revoke/));
    expect((await token(as, { grant_type: 'refresh_token', refresh_token: 'seed-1', client_id: client.client_id })).status).toBe(400);
  });

  it('an access token lives exactly expires_in seconds of the realm clock', async () => {
    as = makeAS({ tokenTtlSeconds: 10 });
    const { tokens } = await obtainTokens(as);
    expect(tokens.expires_in).toBe(10);
    as.realm.clock.advance(9.5);
    expect((await introspect(as, tokens.access_token)).active).toBe(true);
    as.realm.clock.advance(0.5);
    expect(await introspect(as, tokens.access_token)).toEqual(inactiveToRs(/^access token expired at .* \(0 s ago\)$/));
  });
});

describe('CORS for browser-based clients', () => {
  it('answers a browser (with Origin) at /token, /register, /revoke and /introspect, and preflights', async () => {
    as = makeAS();
    const origin = 'https://web-client.example';
    const pre = await as.req('/token', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    for (const path of ['/token', '/register', '/revoke', '/introspect']) {
      const res = await as.req(path, { ...form({}), headers: { ...form({}).headers, origin } });
      expect(res.headers.get('access-control-allow-origin'), path).toBe('*');
      expect(res.headers.get('access-control-expose-headers'), path).toContain('WWW-Authenticate');
    }
  });

  it('leaves CORS headers off for server-side callers (no Origin) at the token endpoint', async () => {
    as = makeAS();
    const res = await as.req('/token', form({ grant_type: 'refresh_token' }));
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});
