import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuthServer } from '../../src/server.js';
import { makeAS, type AS } from '../support/servers.js';
import { REDIRECT, authorize, inactiveToRs, introspect, obtainTokens, register, token } from '../support/oauth.js';
import { challengeOf, verifier } from '../support/pkce.js';
import { basic, form } from '../support/http.js';
import { expectOAuthError } from '../support/oauth-error.js';

/** Two authorization servers in one process, configured identically: they must still share nothing. */
let a: AS;
let b: AS;
beforeEach(() => {
  a = makeAS({ seedRefreshToken: 'seed-a' });
  b = makeAS();
});
afterEach(() => {
  a.realm.close();
  b.realm.close();
});

const refresh = (as: AS, clientId: string, rt: string) => token(as, { grant_type: 'refresh_token', refresh_token: rt, client_id: clientId });

describe('two createAuthServer() instances in one process', () => {
  it('a client registered on A is unknown on B (authorize page, token endpoint)', async () => {
    const id = (await register(a)).client_id;
    expect((await a.realm.store.clientIds()).includes(id)).toBe(true);
    expect((await b.realm.store.countClients())).toBe(0);
    const q = new URLSearchParams({ response_type: 'code', client_id: id, redirect_uri: REDIRECT, code_challenge: challengeOf(verifier()), code_challenge_method: 'S256' });
    const page = await b.req(`/authorize?${q}`);
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
    expect(await page.text()).toMatch(/unknown client_id/);
    expect((await a.req(`/authorize?${q}`)).status).toBe(302);
  });

  it("A's tokens are unknown to B: code, access token, refresh token", async () => {
    const id = (await register(a)).client_id;
    const idOnB = (await register(b)).client_id;
    const code = await authorize(a, id);
    const onB = await token(b, { grant_type: 'authorization_code', code: code.code, code_verifier: code.verifier, redirect_uri: REDIRECT, client_id: idOnB });
    await expectOAuthError(onB, 400, 'invalid_grant', /unknown/);
    const { clientId, tokens } = await obtainTokens(a);
    expect(await introspect(b, tokens.access_token)).toEqual(inactiveToRs(/^token is unknown/));
    expect(await introspect(b, tokens.refresh_token!)).toEqual(inactiveToRs(/^token is unknown/));
    expect((await introspect(a, tokens.access_token)).active).toBe(true);
    await expectOAuthError(await refresh(b, idOnB, tokens.refresh_token!), 400, 'invalid_grant');
    expect((await refresh(a, clientId, tokens.refresh_token!)).status).toBe(200);
  });

  it('each has its own resource-server secret by default', () => {
    expect(a.realm.config.introspectionClientSecret).not.toBe(b.realm.config.introspectionClientSecret);
  });

  it("A's RS credentials do not open B's introspection", async () => {
    const { tokens } = await obtainTokens(b);
    const res = await b.req('/introspect', form({ token: tokens.access_token }, basic(a.realm.config.introspectionClientId, a.realm.config.introspectionClientSecret)));
    await expectOAuthError(res, 401, 'invalid_client');
  });

  it("the rotation switch on A (control plane) leaves B's refresh tokens alone", async () => {
    const onA = await obtainTokens(a);
    const onB = await obtainTokens(b);
    const switched = await a.req('/control/rotate', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"on":true}' });
    expect(switched.status).toBe(200);
    expect(a.realm.policy.rotateRefreshTokens).toBe(true);
    expect(b.realm.policy.rotateRefreshTokens).toBe(false);
    const ra = (await (await refresh(a, onA.clientId, onA.tokens.refresh_token!)).json()) as { refresh_token: string };
    expect(ra.refresh_token).not.toBe(onA.tokens.refresh_token);
    for (let i = 0; i < 2; i++) {
      const rb = (await (await refresh(b, onB.clientId, onB.tokens.refresh_token!)).json()) as { refresh_token: string };
      expect(rb.refresh_token).toBe(onB.tokens.refresh_token);
    }
  });

  it("A's faults and clock do not touch B", async () => {
    a.realm.faults.add({ endpoint: 'authorize', effect: { kind: 'oauth-error', error: 'access_denied' } });
    const onB = await obtainTokens(b, { params: { state: 's' } });
    const idA = (await register(a)).client_id;
    const q = new URLSearchParams({ response_type: 'code', client_id: idA, redirect_uri: REDIRECT, code_challenge: challengeOf(verifier()), code_challenge_method: 'S256' });
    const denied = new URL((await a.req(`/authorize?${q}`)).headers.get('location')!);
    expect(denied.searchParams.get('error')).toBe('access_denied');
    a.realm.clock.advance(10 * 24 * 3600);
    expect((await introspect(b, onB.tokens.access_token)).active).toBe(true);
  });

  it('the seeded refresh token exists only where it was configured', async () => {
    const idA = (await register(a)).client_id;
    const idB = (await register(b)).client_id;
    expect((await refresh(a, idA, 'seed-a')).status).toBe(200);
    await expectOAuthError(await refresh(b, idB, 'seed-a'), 400, 'invalid_grant');
  });

  it('createAuthServer() without options also yields separate realms', async () => {
    const x = createAuthServer();
    const y = createAuthServer();
    try {
      expect(x.realm).not.toBe(y.realm);
      expect(x.realm.store).not.toBe(y.realm.store);
      expect(x.realm.faults).not.toBe(y.realm.faults);
      const res = await x.app.request('/register', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ redirect_uris: [REDIRECT] }) });
      expect(res.status).toBe(201);
      expect((await x.realm.store.countClients())).toBe(1);
      expect((await y.realm.store.countClients())).toBe(0);
    } finally {
      x.realm.close();
      y.realm.close();
    }
  });
});
