import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAS, type AS } from '../support/servers.js';
import { authorize, introspect, obtainTokens, redeem, register, token, type Tokens } from '../support/oauth.js';
import { OVERSIZED, basic, form } from '../support/http.js';
import { expectOAuthError } from '../support/oauth-error.js';
import { snapshot } from '../support/snapshot.js';

let as: AS;
let clientId: string;
let tokens: Tokens;
beforeAll(async () => {
  as = makeAS();
  ({ clientId, tokens } = await obtainTokens(as));
});
afterAll(() => as.realm.close());

const revoke = (params: Record<string, string> | string, headers: Record<string, string> = {}) => as.req('/revoke', form(params, headers));
const active = async (t: string) => (await introspect(as, t)).active;

describe('/revoke: bad input leaves every token alive', () => {
  const cases: Array<[string, () => RequestInit, number, string, RegExp]> = [
    ['missing token', () => form({ client_id: clientId }), 400, 'invalid_request', /token is missing/],
    ['duplicated token', () => form(`token=${tokens.access_token}&token=${tokens.refresh_token}&client_id=${clientId}`), 400, 'invalid_request', /token must not be repeated/],
    ['duplicated token_type_hint', () => form(`token=${tokens.access_token}&token_type_hint=access_token&token_type_hint=refresh_token&client_id=${clientId}`), 400, 'invalid_request', /token_type_hint must not be repeated/],
    ['no client identification', () => form({ token: tokens.access_token }), 401, 'invalid_client', /client authentication required/],
    ['unknown client', () => form({ token: tokens.access_token, client_id: 'nobody' }), 401, 'invalid_client', /unknown client_id/],
    ['JSON body', () => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token: tokens.access_token, client_id: clientId }) }), 400, 'invalid_request', /x-www-form-urlencoded/],
    ['body over 64 KiB', () => form(`token=${tokens.access_token}&client_id=${clientId}&${OVERSIZED}`), 413, 'invalid_request', /64 KiB/],
  ];
  it.each(cases)('%s -> %i %s', async (_n, init, status, error, describes) => {
    const before = await snapshot(as.realm);
    await expectOAuthError(await as.req('/revoke', init()), status, error, describes);
    expect(await snapshot(as.realm)).toEqual(before);
    expect(await active(tokens.access_token)).toBe(true);
  });

  it.each(['GET', 'PUT', 'DELETE'])('%s -> 405 with Allow: POST', async (method) => {
    const res = await as.req(`/revoke?token=${tokens.access_token}&client_id=${clientId}`, { method });
    expect(res.headers.get('allow')).toBe('POST');
    await expectOAuthError(res, 405, 'invalid_request', /POST/);
    expect(await active(tokens.access_token)).toBe(true);
  });

  it("another client cannot revoke a client's token", async () => {
    const other = (await register(as)).client_id;
    for (const t of [tokens.access_token, tokens.refresh_token!]) {
      await expectOAuthError(await revoke({ token: t, client_id: other }), 400, 'unauthorized_client', /another client/);
      expect(await active(t)).toBe(true);
    }
  });
});

describe('/revoke (RFC 7009)', () => {
  it('an unknown token -> 200 and nothing changes', async () => {
    const before = await snapshot(as.realm);
    const res = await revoke({ token: 'at_unknown', client_id: clientId });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect(await snapshot(as.realm)).toEqual(before);
  });

  it('an access token: it dies, its refresh token lives on', async () => {
    const t = await obtainTokens(as);
    const res = await revoke({ token: t.tokens.access_token, client_id: t.clientId });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await active(t.tokens.access_token)).toBe(false);
    expect(await active(t.tokens.refresh_token!)).toBe(true);
    // Revoking twice is still 200.
    expect((await revoke({ token: t.tokens.access_token, client_id: t.clientId })).status).toBe(200);
  });

  it('a refresh token: it dies with every access token of its grant, other grants untouched', async () => {
    const client = (await register(as)).client_id;
    const grant = await redeem(as, client, await authorize(as, client));
    const refreshed = await token(as, { grant_type: 'refresh_token', refresh_token: grant.refresh_token!, client_id: client });
    const second = ((await refreshed.json()) as Tokens).access_token;
    const otherGrant = await redeem(as, client, await authorize(as, client));
    expect((await revoke({ token: grant.refresh_token!, client_id: client })).status).toBe(200);
    for (const t of [grant.refresh_token!, grant.access_token, second]) expect(await active(t)).toBe(false);
    expect(await active(otherGrant.access_token)).toBe(true);
    expect(await active(otherGrant.refresh_token!)).toBe(true);
    const again = await token(as, { grant_type: 'refresh_token', refresh_token: grant.refresh_token!, client_id: client });
    await expectOAuthError(again, 400, 'invalid_grant');
  });

  it.each([
    ['access_token', 'access'],
    ['refresh_token', 'access'],
    ['refresh_token', 'refresh'],
    ['access_token', 'refresh'],
    ['something_else', 'refresh'],
  ] as const)('token_type_hint=%s for an %s token: the token is found and revoked', async (hint, kind) => {
    const t = await obtainTokens(as);
    const target = kind === 'access' ? t.tokens.access_token : t.tokens.refresh_token!;
    expect((await revoke({ token: target, token_type_hint: hint, client_id: t.clientId })).status).toBe(200);
    expect(await active(target)).toBe(false);
    // Revoking an access token spares the refresh token; revoking a refresh token takes the access token too.
    expect(await active(t.tokens.refresh_token!)).toBe(kind === 'access');
    expect(await active(t.tokens.access_token)).toBe(false);
  });

  it('a confidential client authenticates with Basic; a wrong secret -> 401 and the token lives', async () => {
    const c = await register(as, { token_endpoint_auth_method: 'client_secret_basic' });
    const a = await authorize(as, c.client_id);
    const res = await token(as, { grant_type: 'authorization_code', code: a.code, code_verifier: a.verifier, redirect_uri: a.redirectUri }, basic(c.client_id, c.client_secret!));
    const t = (await res.json()) as Tokens;
    const wrong = await revoke({ token: t.access_token }, basic(c.client_id, 'wrong'));
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic /);
    await expectOAuthError(wrong, 401, 'invalid_client');
    expect(await active(t.access_token)).toBe(true);
    expect((await revoke({ token: t.access_token }, basic(c.client_id, c.client_secret!))).status).toBe(200);
    expect(await active(t.access_token)).toBe(false);
  });
});
