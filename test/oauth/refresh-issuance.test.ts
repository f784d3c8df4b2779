/**
 * SEP-2207 refresh-token issuance over real sockets: the policy's three modes, what discovery says in
 * each, what the code grant issues with and without offline_access, and what a refresh then answers.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { get, post } from '../support/control.js';
import { authorize, obtainTokens, redeem, refreshGrant, register } from '../support/oauth.js';
import { expectOAuthError } from '../support/oauth-error.js';
import { start } from '../support/servers.js';
import { snapshot } from '../support/snapshot.js';

let s: RunningServers;
beforeAll(async () => {
  s = await start({ scopes: 'mcp:read mcp:write', seedRefreshToken: 'seed-refresh-for-issuance' });
});
afterAll(() => s.close());
afterEach(async () => {
  expect((await post(s.oauthUrl, '/control/reset')).status).toBe(200);
});

const setIssuance = async (mode: string) => {
  const a = await post(s.oauthUrl, '/control/policy', JSON.stringify({ refreshTokenIssuance: mode }));
  expect(a.status, a.text).toBe(200);
  expect(a.json.policy.refreshTokenIssuance).toBe(mode);
};
const asMetadata = async () => (await get(s.oauthUrl, '/.well-known/oauth-authorization-server')).json as { scopes_supported: string[]; grant_types_supported: string[] };
const BOTH_GRANTS = { grant_types: ['authorization_code', 'refresh_token'] };

describe('refreshTokenIssuance "always" (the default): today\'s behaviour', () => {
  it('is the startup policy; discovery lists the configured scopes and the refresh grant, without offline_access', async () => {
    expect((await get(s.oauthUrl, '/control/policy')).json.policy.refreshTokenIssuance).toBe('always');
    expect(await asMetadata()).toMatchObject({ scopes_supported: ['mcp:read', 'mcp:write'], grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'] });
  });

  it('a client that registered the refresh grant gets a refresh token without asking for offline_access, and it refreshes', async () => {
    const { clientId, tokens } = await obtainTokens(s.oauthUrl, { metadata: BOTH_GRANTS });
    expect(tokens.refresh_token).toMatch(/^rt_/);
    expect(tokens.scope).toBe('mcp:read mcp:write');
    const r = await refreshGrant(s.oauthUrl, clientId, tokens.refresh_token!);
    expect(r.status, r.text).toBe(200);
    expect(r.json.access_token).toMatch(/^at_/);
  });

  it('a client that registered only authorization_code gets none (SEP-2207: the client\'s grant types count)', async () => {
    const { tokens } = await obtainTokens(s.oauthUrl, { metadata: { grant_types: ['authorization_code'] } });
    expect(tokens.refresh_token).toBeUndefined();
  });

  it('offline_access is no scope here unless SCOPES lists it: asking for it is invalid_scope', async () => {
    const { client_id } = await register(s.oauthUrl, BOTH_GRANTS);
    await expect(authorize(s.oauthUrl, client_id, { scope: 'mcp:read offline_access' })).rejects.toThrow(/invalid_scope.*offline_access/);
  });
});

describe('refreshTokenIssuance "offline_access"', () => {
  it('lists offline_access in scopes_supported (after the configured scopes) and keeps the refresh grant', async () => {
    await setIssuance('offline_access');
    expect(await asMetadata()).toMatchObject({ scopes_supported: ['mcp:read', 'mcp:write', 'offline_access'], grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'] });
  });

  it('a code grant with offline_access comes with a refresh token whose refresh works and keeps the scope', async () => {
    await setIssuance('offline_access');
    const { clientId, tokens } = await obtainTokens(s.oauthUrl, { metadata: BOTH_GRANTS, params: { scope: 'mcp:read offline_access' } });
    expect(tokens.scope).toBe('mcp:read offline_access');
    expect(tokens.refresh_token).toMatch(/^rt_/);
    const r = await refreshGrant(s.oauthUrl, clientId, tokens.refresh_token!);
    expect(r.status, r.text).toBe(200);
    expect(r.json.scope).toBe('mcp:read offline_access');
    // Rotation issues the next refresh token of the same grant: the mode decided at the code grant.
    expect((await post(s.oauthUrl, '/control/policy', '{"rotateRefreshTokens":true}')).status).toBe(200);
    const rotated = await refreshGrant(s.oauthUrl, clientId, tokens.refresh_token!);
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.json.refresh_token).toMatch(/^rt_/);
    expect(rotated.json.refresh_token).not.toBe(tokens.refresh_token);
  });

  it.each([
    ['asks for no scope (the default grant never includes offline_access)', {}, 'mcp:read mcp:write'],
    ['asks for resource scopes only', { scope: 'mcp:write' }, 'mcp:write'],
  ])('a client that %s gets no refresh token', async (_n, params, scope) => {
    await setIssuance('offline_access');
    const { tokens } = await obtainTokens(s.oauthUrl, { metadata: BOTH_GRANTS, params });
    expect(tokens.scope).toBe(scope);
    expect(tokens.refresh_token).toBeUndefined();
  });

  it('offline_access without the refresh grant registered gives no refresh token either', async () => {
    await setIssuance('offline_access');
    const { tokens } = await obtainTokens(s.oauthUrl, { metadata: { grant_types: ['authorization_code'] }, params: { scope: 'offline_access' } });
    expect(tokens.scope).toBe('offline_access');
    expect(tokens.refresh_token).toBeUndefined();
  });

  it('a client may register offline_access in its scope, and then gets it (and a refresh token) by default', async () => {
    await setIssuance('offline_access');
    const { tokens } = await obtainTokens(s.oauthUrl, { metadata: { ...BOTH_GRANTS, scope: 'mcp:read offline_access' } });
    expect(tokens.scope).toBe('mcp:read offline_access');
    expect(tokens.refresh_token).toMatch(/^rt_/);
  });

  it('a refresh token issued before the switch still refreshes: the grant already holds it', async () => {
    const { clientId, tokens } = await obtainTokens(s.oauthUrl, { metadata: BOTH_GRANTS });
    await setIssuance('offline_access');
    const r = await refreshGrant(s.oauthUrl, clientId, tokens.refresh_token!);
    expect(r.status, r.text).toBe(200);
  });

  it('reset restores "always": offline_access leaves scopes_supported and is refused again', async () => {
    await setIssuance('offline_access');
    expect((await post(s.oauthUrl, '/control/reset')).status).toBe(200);
    expect((await get(s.oauthUrl, '/control/policy')).json.policy.refreshTokenIssuance).toBe('always');
    expect((await asMetadata()).scopes_supported).toEqual(['mcp:read', 'mcp:write']);
  });
});

describe('refreshTokenIssuance "never"', () => {
  it('drops refresh_token from grant_types_supported (RFC 8414 §2: what the server supports)', async () => {
    await setIssuance('never');
    expect(await asMetadata()).toMatchObject({ scopes_supported: ['mcp:read', 'mcp:write'], grant_types_supported: ['authorization_code', 'client_credentials'] });
  });

  it('still registers a client declaring the refresh grant (SEP-2207 asks clients to), and issues it no refresh token', async () => {
    await setIssuance('never');
    const { tokens } = await obtainTokens(s.oauthUrl, { metadata: BOTH_GRANTS });
    expect(tokens.access_token).toMatch(/^at_/);
    expect(tokens.refresh_token).toBeUndefined();
  });

  it('a refresh with a token issued before answers unsupported_grant_type, changes nothing, and works again under "always"', async () => {
    const { clientId, tokens } = await obtainTokens(s.oauthUrl, { metadata: BOTH_GRANTS });
    await setIssuance('never');
    const before = await snapshot(s.realm);
    const r = await fetch(`${s.oauthUrl}/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: clientId }) });
    await expectOAuthError(r, 400, 'unsupported_grant_type', /issues no refresh tokens.*refreshTokenIssuance "never"/);
    expect(await snapshot(s.realm)).toEqual(before);
    await setIssuance('always');
    expect((await refreshGrant(s.oauthUrl, clientId, tokens.refresh_token!)).status).toBe(200);
  });

  it('the seeded refresh token is refused the same way', async () => {
    await setIssuance('never');
    const { client_id } = await register(s.oauthUrl, BOTH_GRANTS);
    const r = await refreshGrant(s.oauthUrl, client_id, 'seed-refresh-for-issuance');
    expect(r.status).toBe(400);
    expect(r.json.error).toBe('unsupported_grant_type');
  });
});

describe('POST /control/policy refreshTokenIssuance: bad input', () => {
  it.each([
    ['an unknown mode', '{"refreshTokenIssuance":"sometimes"}'],
    ['a boolean', '{"refreshTokenIssuance":true}'],
    ['null', '{"refreshTokenIssuance":null}'],
  ])('%s is a 400 that names the setting and its modes, and changes nothing', async (_n, body) => {
    const before = await snapshot(s.realm);
    const a = await post(s.oauthUrl, '/control/policy', body);
    expect(a.status).toBe(400);
    expect(a.json.error).toBe('invalid_request');
    expect(a.json.error_description).toMatch(/refreshTokenIssuance/);
    expect(a.json.error_description).toMatch(/always.*offline_access.*never/);
    expect(await snapshot(s.realm)).toEqual(before);
  });
});

describe('the code grant in "offline_access" mode against a full refresh store', () => {
  it('refuses before the code is spent, even when no refresh token would be due, and the code then still redeems', async () => {
    const small = await start({ maxRefreshTokens: 1, seedRefreshToken: 'seed-fills-the-store' });
    try {
      expect((await post(small.oauthUrl, '/control/policy', '{"refreshTokenIssuance":"offline_access"}')).status).toBe(200);
      const { client_id } = await register(small.oauthUrl, BOTH_GRANTS);
      const a = await authorize(small.oauthUrl, client_id, { scope: 'mcp:read' });
      const before = await snapshot(small.realm);
      const res = await fetch(`${small.oauthUrl}/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'authorization_code', code: a.code, code_verifier: a.verifier, redirect_uri: a.redirectUri, client_id }) });
      await expectOAuthError(res, 429, 'temporarily_unavailable', /refresh tokens are full/);
      expect(await snapshot(small.realm)).toEqual(before);
      await small.realm.store.destroy('refresh', 'seed-fills-the-store');
      expect((await redeem(small.oauthUrl, client_id, a)).refresh_token).toBeUndefined();
    } finally {
      await small.close();
    }
  });
});
