import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OAuthTokensSchema } from '@modelcontextprotocol/core';
import { makeAS, type AS } from '../support/servers.js';
import { authorize, inactiveToRs, introspect, obtainTokens, redeem, register, token, type Tokens } from '../support/oauth.js';
import { basic } from '../support/http.js';
import { expectOAuthError } from '../support/oauth-error.js';
import { snapshot } from '../support/snapshot.js';

let as: AS;
beforeAll(() => {
  as = makeAS({ seedRefreshToken: 'seed-refresh-token-for-tests', tokenTtlSeconds: 600 });
});
afterAll(() => as.realm.close());
afterEach(() => {
  as.realm.setPolicy({ rotateRefreshTokens: false });
});

async function refresh(clientId: string, refreshToken: string, extra: Record<string, string> = {}): Promise<Tokens> {
  const res = await token(as, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId, ...extra });
  expect(res.status, await res.clone().text()).toBe(200);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const body = (await res.json()) as Tokens;
  OAuthTokensSchema.parse(body);
  expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 600 });
  return body;
}
const refreshRes = (clientId: string, refreshToken: string, extra: Record<string, string> = {}) =>
  token(as, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId, ...extra });

describe('refresh_token grant: bad input', () => {
  it.each([
    ['unknown refresh token', 'rt_unknown', {}, 400, 'invalid_grant', /^refresh token is unknown: never issued here/],
    ['unknown scope', null, { scope: 'mcp:admin' }, 400, 'invalid_scope', /"mcp:admin"/],
    ['resource outside the authorization', null, { resource: 'https://elsewhere.example/mcp' }, 400, 'invalid_target', /elsewhere/],
    ['resource with fragment', null, { resource: 'https://rs.example/mcp#f' }, 400, 'invalid_target', /fragment/],
  ] as const)('%s -> %s', async (_n, presented, extra, status, error, describes) => {
    const clientId = (await register(as)).client_id;
    const scoped = await redeem(as, clientId, await authorize(as, clientId, {}, ['https://rs.example/mcp']));
    const before = await snapshot(as.realm);
    const res = await refreshRes(clientId, presented ?? scoped.refresh_token!, extra);
    await expectOAuthError(res, status, error, describes);
    expect(await snapshot(as.realm)).toEqual(before);
    // The rejected refresh left the token usable.
    expect((await refresh(clientId, scoped.refresh_token!)).access_token).toBeTruthy();
  });

  it('a refresh token is bound to its client', async () => {
    const { tokens } = await obtainTokens(as);
    const other = (await register(as)).client_id;
    await expectOAuthError(await refreshRes(other, tokens.refresh_token!), 400, 'invalid_grant', /another client/);
  });
});

describe('refresh_token grant: scope and resource', () => {
  it('scope may narrow; the refresh token keeps the original grant', async () => {
    const { clientId, tokens } = await obtainTokens(as);
    const narrowed = await refresh(clientId, tokens.refresh_token!, { scope: 'mcp:read' });
    expect(narrowed.scope).toBe('mcp:read');
    expect(await introspect(as, narrowed.access_token)).toMatchObject({ active: true, scope: 'mcp:read' });
    expect((await refresh(clientId, tokens.refresh_token!)).scope).toBe('mcp:read mcp:write');
  });

  it('scope may not widen -> invalid_scope', async () => {
    const { clientId, tokens } = await obtainTokens(as, { params: { scope: 'mcp:read' } });
    expect(tokens.scope).toBe('mcp:read');
    const res = await refreshRes(clientId, tokens.refresh_token!, { scope: 'mcp:read mcp:write' });
    await expectOAuthError(res, 400, 'invalid_scope', /"mcp:write" cannot be granted; scope may only narrow on refresh/);
  });

  it('resource is honoured: aud in introspection', async () => {
    const clientId = (await register(as)).client_id;
    const t = await redeem(as, clientId, await authorize(as, clientId, {}, ['https://a.example/mcp', 'https://b.example/mcp']));
    const r = await refresh(clientId, t.refresh_token!, { resource: 'https://a.example/mcp' });
    expect((await introspect(as, r.access_token)).aud).toBe('https://a.example/mcp');
  });
});

describe('refresh_token grant: rotation off (default)', () => {
  it('the same refresh token keeps working and is returned unchanged', async () => {
    const { clientId, tokens } = await obtainTokens(as);
    const access = new Set([tokens.access_token]);
    for (let i = 0; i < 3; i++) {
      const r = await refresh(clientId, tokens.refresh_token!);
      expect(r.refresh_token).toBe(tokens.refresh_token);
      access.add(r.access_token);
    }
    expect(access.size).toBe(4);
    for (const t of access) expect((await introspect(as, t)).active).toBe(true);
  });
});

describe('refresh_token grant: rotation on', () => {
  it('each refresh returns a new refresh token and the old one dies', async () => {
    const { clientId, tokens } = await obtainTokens(as);
    as.realm.setPolicy({ rotateRefreshTokens: true });
    const seen = new Set([tokens.refresh_token]);
    let current = tokens.refresh_token!;
    for (let i = 0; i < 3; i++) {
      const r = await refresh(clientId, current);
      expect(r.refresh_token).toMatch(/^rt_[A-Za-z0-9_-]{43,}$/);
      expect(seen.has(r.refresh_token)).toBe(false);
      seen.add(r.refresh_token);
      expect(await introspect(as, current)).toEqual(inactiveToRs(/^refresh token was replaced at .* by rotation/));
      current = r.refresh_token!;
    }
    expect((await introspect(as, current)).active).toBe(true);
  });

  it('reusing a rotated refresh token revokes the whole family', async () => {
    const { clientId, tokens } = await obtainTokens(as);
    as.realm.setPolicy({ rotateRefreshTokens: true });
    const first = await refresh(clientId, tokens.refresh_token!);
    const second = await refresh(clientId, first.refresh_token!);
    const bystander = await obtainTokens(as);
    const reuse = await refreshRes(clientId, tokens.refresh_token!);
    await expectOAuthError(reuse, 400, 'invalid_grant', /already rotated.*revoked/);
    for (const t of [second.refresh_token!, second.access_token, first.access_token, tokens.access_token]) {
      expect(await introspect(as, t)).toEqual(inactiveToRs(/ was revoked at .* a rotated refresh token of the grant was used again/));
    }
    await expectOAuthError(await refreshRes(clientId, second.refresh_token!), 400, 'invalid_grant');
    // Another grant is untouched.
    expect((await introspect(as, bystander.tokens.access_token)).active).toBe(true);
    expect((await refresh(bystander.clientId, bystander.tokens.refresh_token!)).access_token).toBeTruthy();
  });

  it('a narrowed refresh still rotates to a token with the original scope (RFC 6749 §6)', async () => {
    const { clientId, tokens } = await obtainTokens(as);
    as.realm.setPolicy({ rotateRefreshTokens: true });
    const narrowed = await refresh(clientId, tokens.refresh_token!, { scope: 'mcp:read' });
    expect(narrowed.scope).toBe('mcp:read');
    expect((await introspect(as, narrowed.refresh_token!)).scope).toBe('mcp:read mcp:write');
    expect((await refresh(clientId, narrowed.refresh_token!)).scope).toBe('mcp:read mcp:write');
  });

  it('switching rotation on mid-life rotates a token issued without rotation', async () => {
    const { clientId, tokens } = await obtainTokens(as);
    await refresh(clientId, tokens.refresh_token!);
    as.realm.setPolicy({ rotateRefreshTokens: true });
    const r = await refresh(clientId, tokens.refresh_token!);
    expect(r.refresh_token).not.toBe(tokens.refresh_token);
    await expectOAuthError(await refreshRes(clientId, tokens.refresh_token!), 400, 'invalid_grant');
  });
});

describe('SEED_REFRESH_TOKEN', () => {
  const SEED = 'seed-refresh-token-for-tests';

  it('works for any registered client from startup, without rotation again and again', async () => {
    const a = (await register(as)).client_id;
    const b = (await register(as)).client_id;
    const ra = await refresh(a, SEED);
    const rb = await refresh(b, SEED);
    expect(ra.scope).toBe('mcp:read mcp:write');
    expect(await introspect(as, ra.access_token)).toMatchObject({ active: true, client_id: a, sub: 'test-user' });
    expect(await introspect(as, rb.access_token)).toMatchObject({ active: true, client_id: b });
    expect((await refresh(a, SEED)).refresh_token).toBe(SEED);
  });

  it('adopts a client_id this server never registered (a credential deposited after a restart)', async () => {
    const r = await refresh('client-from-before-the-restart', SEED);
    expect(await introspect(as, r.access_token)).toMatchObject({ active: true, client_id: 'client-from-before-the-restart' });
    expect((await as.realm.store.findClient('client-from-before-the-restart'))?.token_endpoint_auth_method).toBe('none');
    expect((await refresh('client-from-before-the-restart', SEED)).refresh_token).toBe(SEED);
  });

  it('adopts a confidential client with the secret it presented, and holds it to that secret', async () => {
    const res = await token(as, { grant_type: 'refresh_token', refresh_token: SEED }, basic('old-confidential', 's3cret'));
    expect(res.status).toBe(200);
    const wrong = await token(as, { grant_type: 'refresh_token', refresh_token: SEED }, basic('old-confidential', 'other'));
    await expectOAuthError(wrong, 401, 'invalid_client');
  });

  it('adopts nobody for any other refresh token, nor when the grant fails', async () => {
    await expectOAuthError(await refreshRes('nobody', 'not-the-seed'), 401, 'invalid_client', /unknown client_id/);
    as.realm.faults.add({ id: 'ig', endpoint: 'token', grant: 'refresh_token', effect: { kind: 'oauth-error', error: 'invalid_grant' } });
    try {
      await expectOAuthError(await refreshRes('refused-one', SEED), 400, 'invalid_grant');
      expect((await as.realm.store.clientIds()).includes('refused-one')).toBe(false);
    } finally {
      as.realm.faults.remove('ig');
    }
  });

  it('with rotation on, it is spent by its first use', async () => {
    const fresh = makeAS({ seedRefreshToken: SEED });
    try {
      fresh.realm.setPolicy({ rotateRefreshTokens: true });
      const id = (await register(fresh)).client_id;
      const res = await token(fresh, { grant_type: 'refresh_token', refresh_token: SEED, client_id: id });
      expect(res.status).toBe(200);
      const next = (await res.json()) as Tokens;
      expect(next.refresh_token).not.toBe(SEED);
      const again = await token(fresh, { grant_type: 'refresh_token', refresh_token: SEED, client_id: id });
      await expectOAuthError(again, 400, 'invalid_grant');
    } finally {
      fresh.realm.close();
    }
  });

  it('without the option there is no seeded token', async () => {
    const fresh = makeAS();
    try {
      const id = (await register(fresh)).client_id;
      const res = await token(fresh, { grant_type: 'refresh_token', refresh_token: SEED, client_id: id });
      await expectOAuthError(res, 400, 'invalid_grant');
      expect((await fresh.realm.store.counts()).refreshTokens).toBe(0);
    } finally {
      fresh.realm.close();
    }
  });
});
