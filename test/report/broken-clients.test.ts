/**
 * The report card catches each purpose-written broken client by exactly the checks named for its
 * defect, and nothing else is a FAILURE or a WARNING (each has one defect; the correct client none).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { start } from '../support/servers.js';
import { findings, PlainClient } from '../support/plain-client.js';

let s: RunningServers;
beforeAll(async () => {
  s = await start();
});
afterAll(() => s.close());
beforeEach(() => s.control.reset());

const card = (c: PlainClient) => findings(s.report(c.clientId));

describe('report card: broken clients', () => {
  it('a correct client (fresh PKCE, state and resource, refresh, MCP with its header) has a clean card', async () => {
    const c = await new PlainClient(s).register();
    await c.login();
    expect((await c.session()).status).toBe(200);
    expect((await c.refresh()).status).toBe(200);
    expect((await c.call()).status).toBe(200);
    expect(card(c)).toEqual([]);
    const byId = Object.fromEntries(s.report(c.clientId)!.map((k) => [k.id, k.status]));
    expect(byId).toMatchObject({ 'pkce-code-challenge-sent': 'SUCCESS', 'pkce-verifier-matches-challenge': 'SUCCESS', 'resource-parameter-in-token': 'SUCCESS', 'mcp-protocol-version-header': 'SUCCESS', 'step-up-reauthorized': 'SKIPPED', 'scope-source': 'INFO' });
  });

  it('a resource under another loopback name than the one the AS was reached by is no mismatch (derived base URLs answer to every loopback name)', async () => {
    const other = s.mcpUrl.includes('127.0.0.1') ? s.mcpUrl.replace('127.0.0.1', 'localhost') : s.mcpUrl.replace('localhost', '127.0.0.1');
    const c = await new PlainClient({ oauthUrl: s.oauthUrl, mcpUrl: other }).register();
    await c.login();
    expect(card(c)).toEqual([]);
    expect(Object.fromEntries(s.report(c.clientId)!.map((k) => [k.id, k.status]))).toMatchObject({ 'resource-parameter-in-authorization': 'SUCCESS', 'resource-parameter-in-token': 'SUCCESS' });
  });

  it('no PKCE: pkce-code-challenge-sent, and the verifier checks are SKIPPED (the authorization was refused)', async () => {
    const c = await new PlainClient(s).register();
    const v = await c.visit({ params: { code_challenge: null, code_challenge_method: null } });
    expect(v.location?.searchParams.get('error')).toBe('invalid_request');
    expect(card(c)).toEqual(['pkce-code-challenge-sent FAILURE']);
    const byId = Object.fromEntries(s.report(c.clientId)!.map((k) => [k.id, k.status]));
    expect(byId).toMatchObject({ 'pkce-s256-method-used': 'SKIPPED', 'pkce-code-verifier-sent': 'SKIPPED', 'pkce-verifier-matches-challenge': 'SKIPPED' });
  });

  it('plain instead of S256: pkce-s256-method-used', async () => {
    const c = await new PlainClient(s).register();
    const verifier = 'v'.repeat(43);
    const v = await c.visit({ params: { code_challenge: verifier, code_challenge_method: 'plain' } });
    expect(v.location?.searchParams.get('error')).toBe('invalid_request');
    expect(card(c)).toEqual(['pkce-s256-method-used FAILURE']);
  });

  it('a reused verifier (the same challenge twice): pkce-verifier-fresh', async () => {
    const c = await new PlainClient(s).register();
    const pair = { verifier: 'w'.repeat(43), challenge: '' };
    pair.challenge = (await import('../support/pkce.js')).challengeOf(pair.verifier);
    const first = await c.authorize({ pair });
    const second = await c.authorize({ pair });
    await c.redeem(first);
    await c.redeem(second);
    expect(card(c)).toEqual(['pkce-verifier-fresh FAILURE']);
  });

  it('no resource: resource-parameter-in-authorization and resource-parameter-in-token', async () => {
    const c = await new PlainClient(s).register();
    await c.login({ resource: false });
    expect((await c.refresh(undefined, false)).status).toBe(200);
    expect(card(c)).toEqual(['resource-parameter-in-authorization FAILURE', 'resource-parameter-in-token FAILURE']);
  });

  it('ignores the 403 retry limit (re-authorizes for the union, then calls with the old token again): scope-retry-limit', async () => {
    const c = await new PlainClient(s).register();
    const old = (await c.login()).access_token;
    let challenge = await c.call('admin-echo', old);
    expect(challenge.status).toBe(403);
    for (let i = 1; i <= 5; i++) {
      await c.login({ params: { scope: 'mcp:read mcp:write mcp:admin' } });
      if (i < 5) challenge = await c.call('admin-echo', old);
    }
    expect(challenge.status).toBe(403);
    expect(card(c)).toEqual(['scope-retry-limit FAILURE']);
    expect(s.report(c.clientId)!.find((k) => k.id === 'scope-retry-limit')!.details).toEqual({ authorizationAttempts: 5, maxAllowed: 3 });
  });

  it('replaces scopes instead of the union: sep-2350-scope-union-on-reauth (WARNING)', async () => {
    const c = await new PlainClient(s).register();
    await c.login();
    expect((await c.call('admin-echo')).status).toBe(403);
    await c.login({ params: { scope: 'mcp:admin' } });
    expect((await c.call('admin-echo')).status).toBe(200);
    expect(card(c)).toEqual(['sep-2350-scope-union-on-reauth WARNING']);
  });

  it('reuses a rotated refresh token (a minute later): refresh-token-not-reused, with its age', async () => {
    await s.control.setPolicy({ rotateRefreshTokens: true });
    const c = await new PlainClient(s).register();
    const first = (await c.login()).refresh_token!;
    expect((await c.refresh()).status).toBe(200);
    await s.control.advanceClock(60);
    expect((await c.refresh(first)).json.error).toBe('invalid_grant');
    expect(card(c)).toEqual(['refresh-token-not-reused FAILURE']);
    expect(s.report(c.clientId)!.find((k) => k.id === 'refresh-token-not-reused')!.details).toEqual({ staleReplays: 1, oldestReplaySeconds: 60 });
  });

  it('parallel refreshes without coalescing: refresh-parallel-coalesced (WARNING), the losers counted', async () => {
    await s.control.setPolicy({ rotateRefreshTokens: true });
    const c = await new PlainClient(s).register();
    const rt = (await c.login()).refresh_token!;
    const answers = await Promise.all([c.refresh(rt), c.refresh(rt), c.refresh(rt)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 400, 400]);
    expect(card(c)).toEqual(['refresh-parallel-coalesced WARNING']);
    expect(s.report(c.clientId)!.find((k) => k.id === 'refresh-parallel-coalesced')!.details).toEqual({ racedRefreshes: 2 });
  });

  it('re-consents instead of refreshing: refresh-instead-of-reconsent (WARNING)', async () => {
    const c = await new PlainClient(s).register();
    await c.login();
    await c.login();
    expect(card(c)).toEqual(['refresh-instead-of-reconsent WARNING']);
  });

  it('the token in the query: bearer-header-only (refused as always, and recorded)', async () => {
    const c = await new PlainClient(s).register();
    await c.login();
    expect((await c.session()).status).toBe(200);
    const refused = await c.callWithQueryToken();
    expect(refused.status).toBe(400);
    expect(card(c)).toEqual(['bearer-header-only FAILURE']);
  });
});
