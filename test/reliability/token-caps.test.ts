import { afterEach, describe, expect, it } from 'vitest';
import type { StartOptions } from '../../src/server.js';
import { makeAS, type AS } from '../support/servers.js';
import { authorize, redeem, register, token, visitAuthorize } from '../support/oauth.js';
import { expectOAuthError } from '../support/oauth-error.js';
import { pkce } from '../support/pkce.js';

let as: AS | undefined;
afterEach(() => as?.realm.close());
const fresh = (o: StartOptions) => (as = makeAS(o));

describe('live codes and tokens are capped (issue 10)', () => {
  it('beyond MAX_CODES, /authorize redirects temporarily_unavailable naming the setting and the reset; reset makes room', async () => {
    const s = fresh({ maxCodes: 3 });
    const clientId = (await register(s)).client_id;
    for (let i = 0; i < 3; i++) await authorize(s, clientId);
    const v = await visitAuthorize(s, clientId, pkce().challenge, { state: 'st' });
    expect(v.status).toBe(302);
    expect(v.location!.searchParams.get('error')).toBe('temporarily_unavailable');
    expect(v.location!.searchParams.get('error_description')).toMatch(/MAX_CODES.*POST \/control\/reset/);
    expect(v.location!.searchParams.get('state')).toBe('st');
    expect((await s.realm.store.list('code')).length).toBe(3);
    // Expired codes make room once they are swept (their grace over).
    s.realm.clock.advance(s.realm.policy.codeTtlSeconds + 61);
    await authorize(s, clientId);
  });

  it('beyond MAX_ACCESS_TOKENS, /token answers 429 temporarily_unavailable and keeps nothing new', async () => {
    const s = fresh({ maxAccessTokens: 2 });
    const clientId = (await register(s)).client_id;
    for (let i = 0; i < 2; i++) await redeem(s, clientId, await authorize(s, clientId));
    const a = await authorize(s, clientId);
    const res = await token(s, { grant_type: 'authorization_code', code: a.code, code_verifier: a.verifier, redirect_uri: a.redirectUri, client_id: clientId });
    await expectOAuthError(res, 429, 'temporarily_unavailable', /access tokens.*MAX_ACCESS_TOKENS.*POST \/control\/reset/);
    expect((await s.realm.store.list('access')).length).toBe(2);
    expect((await s.realm.store.list('refresh')).length).toBe(2);
    // Refused before anything was spent: once there is room, the very same code redeems.
    expect((await s.realm.store.find('code', a.code))?.consumedAt).toBeUndefined();
    expect((await s.req('/control/revoke-access', { method: 'POST' })).status).toBe(200);
    const again = await token(s, { grant_type: 'authorization_code', code: a.code, code_verifier: a.verifier, redirect_uri: a.redirectUri, client_id: clientId });
    expect(again.status).toBe(200);
  });

  it('a rotated refresh token is not spent by a refresh refused for a full store', async () => {
    const s = fresh({ maxRefreshTokens: 1 });
    s.realm.setPolicy({ rotateRefreshTokens: true });
    const clientId = (await register(s)).client_id;
    const tokens = await redeem(s, clientId, await authorize(s, clientId));
    const refresh = () => token(s, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: clientId });
    await expectOAuthError(await refresh(), 429, 'temporarily_unavailable', /refresh tokens.*MAX_REFRESH_TOKENS/);
    expect((await s.realm.store.find('refresh', tokens.refresh_token!))?.consumedAt).toBeUndefined();
    // Not reuse: the refused refresh left the token live, so nothing was revoked.
    expect((await s.realm.store.list('access')).length).toBe(1);
  });

  it('beyond MAX_REFRESH_TOKENS, /token answers 429 and the access token minted with it is taken back', async () => {
    const s = fresh({ maxRefreshTokens: 1 });
    const clientId = (await register(s)).client_id;
    await redeem(s, clientId, await authorize(s, clientId));
    const a = await authorize(s, clientId);
    const res = await token(s, { grant_type: 'authorization_code', code: a.code, code_verifier: a.verifier, redirect_uri: a.redirectUri, client_id: clientId });
    await expectOAuthError(res, 429, 'temporarily_unavailable', /refresh tokens.*MAX_REFRESH_TOKENS/);
    expect((await s.realm.store.list('access')).length).toBe(1);
    expect((await s.realm.store.list('refresh')).length).toBe(1);
  });

  it('/control/seed-refresh counts against MAX_REFRESH_TOKENS: 429 beyond it, nothing seeded, reseeding a kept one still works', async () => {
    const s = fresh({ maxRefreshTokens: 2 });
    const seed = (t: string) => s.req('/control/seed-refresh', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: t }) });
    expect((await seed('seed-a')).status).toBe(200);
    expect((await seed('seed-b')).status).toBe(200);
    const refused = await seed('seed-c');
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error_description: string }).error_description).toMatch(/refresh tokens are full \(2 kept, MAX_REFRESH_TOKENS\): nothing seeded/);
    expect((await s.realm.store.list('refresh')).length).toBe(2);
    expect(await s.realm.store.find('refresh', 'seed-c')).toBeUndefined();
    const res = await token(s, { grant_type: 'refresh_token', refresh_token: 'seed-c', client_id: 'anyone' });
    // Not a live seed, so the unknown client presenting it is not adopted.
    await expectOAuthError(res, 401, 'invalid_client');
    expect((await seed('seed-a')).status).toBe(200);
  });
});
