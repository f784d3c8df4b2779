import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthTokensSchema } from '@modelcontextprotocol/core';
import { RESOURCE, makeAS, type AS } from '../support/servers.js';
import { REDIRECT, authorize, codeGrantParams, inactiveToRs, introspect, redeem, register, token, type Authorized } from '../support/oauth.js';
import { challengeOf } from '../support/pkce.js';
import { OVERSIZED, basic, form } from '../support/http.js';
import { expectOAuthError } from '../support/oauth-error.js';
import { snapshot } from '../support/snapshot.js';

let as: AS;
let clientId: string;
beforeAll(async () => {
  as = makeAS({ tokenTtlSeconds: 1234 });
  clientId = (await register(as)).client_id;
});
afterAll(() => as.realm.close());

const codeParams = (a: Authorized, extra: Record<string, string> = {}) => codeGrantParams(clientId, a, extra);
const qs = (p: Record<string, string>) => new URLSearchParams(p).toString();

describe('/token: bad input is refused without touching state', () => {
  let pending: Authorized;
  beforeAll(async () => {
    pending = await authorize(as, clientId);
  });
  const cases: Array<[string, () => RequestInit, number, string, RegExp]> = [
    ['JSON body', () => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(codeParams(pending)) }), 400, 'invalid_request', /x-www-form-urlencoded.*application\/json/],
    ['no content type', () => ({ method: 'POST', body: new Blob([qs(codeParams(pending))]) }), 400, 'invalid_request', /x-www-form-urlencoded/],
    ['missing grant_type', () => form({ code: pending.code, client_id: clientId }), 400, 'invalid_request', /grant_type is missing/],
    ['empty grant_type', () => form({ grant_type: '', client_id: clientId }), 400, 'invalid_request', /grant_type is missing/],
    ['grant_type=client_credentials by a public client', () => form({ grant_type: 'client_credentials', client_id: clientId }), 401, 'invalid_client', /client_credentials needs client authentication.*public client/],
    ['grant_type=password', () => form({ grant_type: 'password', username: 'u', password: 'p', client_id: clientId }), 400, 'unsupported_grant_type', /password/],
    ['grant_type=device_code', () => form({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: clientId }), 400, 'unsupported_grant_type', /device_code/],
    ['duplicated grant_type', () => form(`${qs(codeParams(pending))}&grant_type=authorization_code`), 400, 'invalid_request', /grant_type must not be repeated/],
    ['duplicated code', () => form(`${qs(codeParams(pending))}&code=${pending.code}`), 400, 'invalid_request', /code must not be repeated/],
    ['duplicated client_id', () => form(`${qs(codeParams(pending))}&client_id=${clientId}`), 400, 'invalid_request', /client_id must not be repeated/],
    ['duplicated code_verifier', () => form(`${qs(codeParams(pending))}&code_verifier=${pending.verifier}`), 400, 'invalid_request', /code_verifier must not be repeated/],
    ['missing code', () => form(codeParams(pending, { code: '' })), 400, 'invalid_request', /code is missing/],
    ['missing code_verifier', () => form(codeParams(pending, { code_verifier: '' })), 400, 'invalid_request', /code_verifier is missing/],
    ['code_verifier of 42 characters', () => form(codeParams(pending, { code_verifier: 'a'.repeat(42) })), 400, 'invalid_request', /43-128/],
    ['code_verifier of 129 characters', () => form(codeParams(pending, { code_verifier: 'a'.repeat(129) })), 400, 'invalid_request', /43-128/],
    ['code_verifier with reserved characters', () => form(codeParams(pending, { code_verifier: `${'a'.repeat(50)}/+=` })), 400, 'invalid_request', /43-128/],
    ['missing refresh_token', () => form({ grant_type: 'refresh_token', client_id: clientId }), 400, 'invalid_request', /refresh_token is missing/],
    ['no client identification', () => form(codeParams(pending, { client_id: '' })), 401, 'invalid_client', /client authentication required/],
    ['unknown client_id', () => form(codeParams(pending, { client_id: 'nobody' })), 401, 'invalid_client', /unknown client_id/],
    ['body over 64 KiB', () => form(`${qs(codeParams(pending))}&${OVERSIZED}`), 413, 'invalid_request', /64 KiB/],
  ];
  it.each(cases)('%s -> %i %s', async (_name, init, status, error, describes) => {
    const before = await snapshot(as.realm);
    await expectOAuthError(await as.req('/token', init()), status, error, describes);
    expect(await snapshot(as.realm)).toEqual(before);
  });

  it.each(['GET', 'PUT', 'DELETE', 'PATCH'])('%s -> 405 with Allow: POST', async (method) => {
    const res = await as.req(`/token?${qs(codeParams(pending))}`, { method });
    expect(res.headers.get('allow')).toBe('POST');
    await expectOAuthError(res, 405, 'invalid_request', /POST/);
  });

  it('counts unsupported grant types under one key, whatever the grant_type says', async () => {
    const before = as.realm.counters.tokenCallsByGrant.unsupported ?? 0;
    for (const g of ['constructor', 'toString', '__proto__', 'constructor', 'urn:x:custom']) {
      await expectOAuthError(await token(as, { grant_type: g, client_id: clientId }), 400, 'unsupported_grant_type');
    }
    const byGrant = as.realm.counters.tokenCallsByGrant;
    expect(byGrant.unsupported).toBe(before + 5);
    expect(Object.keys(byGrant).every((k) => ['authorization_code', 'refresh_token', 'client_credentials', 'unsupported'].includes(k))).toBe(true);
    expect(Object.getPrototypeOf(byGrant)).toBe(Object.prototype);
    for (const n of Object.values(byGrant)) expect(typeof n).toBe('number');
  });

  it('the code survived every rejected request above', async () => {
    await redeem(as, clientId, pending);
  });
});

describe('/token: authorization_code grant', () => {
  it('answers access_token, Bearer, expires_in = tokenTtlSeconds, refresh_token, scope; no-store', async () => {
    const res = await token(as, codeParams(await authorize(as, clientId)));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'scope', 'token_type']);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 1234, scope: 'mcp:read mcp:write' });
    expect(OAuthTokensSchema.parse(body).access_token).toBe(body.access_token);
    const info = await introspect(as, body.access_token as string);
    expect((info.exp as number) - (info.iat as number)).toBe(1234);
  });

  it('tokens carry 256 random bits: 43 base64url characters after the prefix, never repeated', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const t = await redeem(as, clientId, await authorize(as, clientId));
      expect(t.access_token).toMatch(/^at_[A-Za-z0-9_-]{43,}$/);
      expect(t.refresh_token).toMatch(/^rt_[A-Za-z0-9_-]{43,}$/);
      expect(Buffer.from(t.access_token.slice(3), 'base64url').length).toBeGreaterThanOrEqual(32);
      seen.add(t.access_token).add(t.refresh_token!);
    }
    expect(seen.size).toBe(80);
  });

  it.each([43, 128])('accepts a code_verifier of %i characters', async (n) => {
    const v = 'A-._~'.repeat(26).slice(0, n);
    const a = await authorize(as, clientId, { code_challenge: challengeOf(v) });
    await redeem(as, clientId, { ...a, verifier: v });
  });

  it('PKCE mismatch -> invalid_grant, and no token is minted', async () => {
    const a = await authorize(as, clientId);
    const before = (await as.realm.store.counts()).accessTokens;
    const res = await token(as, codeParams(a, { code_verifier: 'b'.repeat(43) }));
    await expectOAuthError(res, 400, 'invalid_grant', /code_verifier does not match/);
    expect((await as.realm.store.counts()).accessTokens).toBe(before);
  });

  it('redirect_uri must equal the one sent to /authorize', async () => {
    const a = await authorize(as, clientId);
    await expectOAuthError(await token(as, codeParams(a, { redirect_uri: '' })), 400, 'invalid_grant', /redirect_uri is required/);
    const b = await authorize(as, clientId);
    await expectOAuthError(await token(as, codeParams(b, { redirect_uri: 'http://127.0.0.1:1/callback' })), 400, 'invalid_grant', /differs/);
  });

  it('an unknown code -> invalid_grant', async () => {
    await expectOAuthError(await token(as, codeParams({ ...(await authorize(as, clientId)), code: 'ac_nope' })), 400, 'invalid_grant', /unknown/);
  });

  it('a replayed code -> invalid_grant, and the tokens issued from it are revoked', async () => {
    const a = await authorize(as, clientId);
    const first = await redeem(as, clientId, a);
    expect(await introspect(as, first.access_token)).toMatchObject({ active: true });
    const replay = await token(as, codeParams(a));
    await expectOAuthError(replay, 400, 'invalid_grant', /already used.*revoked/);
    expect(await introspect(as, first.access_token)).toEqual(inactiveToRs(/^access token was revoked at .* with its grant: the authorization code of the grant was redeemed a second time/));
    expect(await introspect(as, first.refresh_token!)).toEqual(inactiveToRs(/^refresh token was revoked at .* redeemed a second time/));
    expect((await as.realm.store.find('refresh', first.refresh_token!))).toBeUndefined();
    const refresh = await token(as, { grant_type: 'refresh_token', refresh_token: first.refresh_token!, client_id: clientId });
    await expectOAuthError(refresh, 400, 'invalid_grant');
  });

  it('resource: narrows within the authorization, outside it -> invalid_target', async () => {
    const a = await authorize(as, clientId, {}, ['https://a.example/mcp', 'https://b.example/mcp']);
    const t = await redeem(as, clientId, a, { resource: 'https://b.example/mcp' });
    expect((await introspect(as, t.access_token)).aud).toBe('https://b.example/mcp');
    const b = await authorize(as, clientId, {}, ['https://a.example/mcp']);
    await expectOAuthError(await token(as, codeParams(b, { resource: 'https://c.example/mcp' })), 400, 'invalid_target', /c\.example/);
  });

  it('resource: both authorized resources become the audience when none is named', async () => {
    const a = await authorize(as, clientId, {}, ['https://a.example/mcp', 'https://b.example/mcp']);
    const t = await redeem(as, clientId, a);
    expect((await introspect(as, t.access_token)).aud).toEqual(['https://a.example/mcp', 'https://b.example/mcp']);
    const c = await authorize(as, clientId);
    expect((await introspect(as, (await redeem(as, clientId, c)).access_token)).aud).toBe(RESOURCE);
  });

  it('a client registered without refresh_token gets no refresh token and may not refresh', async () => {
    const id = (await register(as, { grant_types: ['authorization_code'] })).client_id;
    const t = await redeem(as, id, await authorize(as, id), { client_id: id });
    expect(t.refresh_token).toBeUndefined();
    const res = await token(as, { grant_type: 'refresh_token', refresh_token: 'rt_x', client_id: id });
    await expectOAuthError(res, 400, 'unauthorized_client', /refresh_token/);
  });
});

describe('/token: confidential clients', () => {
  let basicClient: { id: string; secret: string };
  let postClient: { id: string; secret: string };
  beforeAll(async () => {
    const b = await register(as, { token_endpoint_auth_method: 'client_secret_basic' });
    const p = await register(as, { token_endpoint_auth_method: 'client_secret_post' });
    basicClient = { id: b.client_id, secret: b.client_secret! };
    postClient = { id: p.client_id, secret: p.client_secret! };
  });
  const params = (a: Authorized) => ({ grant_type: 'authorization_code', code: a.code, code_verifier: a.verifier, redirect_uri: REDIRECT });

  it('client_secret_basic works', async () => {
    const res = await token(as, params(await authorize(as, basicClient.id)), basic(basicClient.id, basicClient.secret));
    expect(res.status).toBe(200);
    expect((await introspect(as, ((await res.json()) as { access_token: string }).access_token)).client_id).toBe(basicClient.id);
  });

  it('client_secret_post works', async () => {
    const res = await token(as, { ...params(await authorize(as, postClient.id)), client_id: postClient.id, client_secret: postClient.secret });
    expect(res.status).toBe(200);
  });

  it('wrong secret with Basic -> 401 invalid_client with WWW-Authenticate: Basic', async () => {
    const a = await authorize(as, basicClient.id);
    const before = await snapshot(as.realm);
    const res = await token(as, params(a), basic(basicClient.id, `${basicClient.secret}x`));
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="http:\/\/localhost:9100"/);
    await expectOAuthError(res, 401, 'invalid_client', /wrong client_secret/);
    expect(await snapshot(as.realm)).toEqual(before);
  });

  it('wrong secret in the body -> 401 invalid_client without WWW-Authenticate', async () => {
    const res = await token(as, { ...params(await authorize(as, postClient.id)), client_id: postClient.id, client_secret: 'nope' });
    expect(res.headers.get('www-authenticate')).toBeNull();
    await expectOAuthError(res, 401, 'invalid_client', /wrong client_secret/);
  });

  it.each([
    ['no secret at all', () => ({ client_id: basicClient.id }), {}, 401, 'invalid_client', /confidential/],
    ['post for a basic client', () => ({ client_id: basicClient.id, client_secret: basicClient.secret }), {}, 401, 'invalid_client', /client_secret_basic.*client_secret_post/],
    ['basic for a post client', () => ({}), 'post-as-basic', 401, 'invalid_client', /client_secret_post.*client_secret_basic/],
    ['Basic and client_secret together', () => ({ client_secret: basicClient.secret }), 'basic', 400, 'invalid_request', /one client authentication method/],
    ['malformed Basic header', () => ({}), 'garbage', 401, 'invalid_client', /malformed Basic/],
  ] as const)('%s -> %i %s', async (_n, extra, how, status, error, describes) => {
    const id = how === 'post-as-basic' ? postClient.id : basicClient.id;
    const headers =
      how === 'basic' ? basic(basicClient.id, basicClient.secret) : how === 'post-as-basic' ? basic(postClient.id, postClient.secret) : how === 'garbage' ? { Authorization: 'Basic %%%' } : {};
    const res = await token(as, { ...params(await authorize(as, id)), ...extra() }, headers);
    await expectOAuthError(res, status, error, describes);
  });
});
