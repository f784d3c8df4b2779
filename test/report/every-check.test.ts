/**
 * Beyond the ten broken clients: every other check of the catalogue can fail too, each shown
 * by a client with that one defect, caught by exactly that check.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { answer } from '../support/answer.js';
import { bearer } from '../support/http.js';
import { initializeBody, MCP_HEADERS, modernBody, postModern, toolsCallBody } from '../support/mcp.js';
import { codeGrantParams, revokeToken, tokenRequest } from '../support/oauth.js';
import { findings, PlainClient } from '../support/plain-client.js';
import { start } from '../support/servers.js';

let s: RunningServers;
beforeAll(async () => {
  s = await start();
});
afterAll(() => s.close());
beforeEach(() => s.control.reset());

const card = (c: PlainClient) => findings(s.report(c.clientId));

describe('report card: every check can fail', () => {
  it('no state: state-parameter-sent (WARNING)', async () => {
    const c = await new PlainClient(s).register();
    await c.login({ params: { state: null } });
    expect(card(c)).toEqual(['state-parameter-sent WARNING']);
  });

  it('the same state twice: state-not-reused (WARNING)', async () => {
    const c = await new PlainClient(s).register();
    const a = await c.authorize({ params: { state: 'always-this' } });
    const b = await c.authorize({ params: { state: 'always-this' } });
    await c.redeem(a);
    await c.redeem(b);
    expect(card(c)).toEqual(['state-not-reused WARNING']);
  });

  it('a private-use redirect URI (allowed by RFC 8252, not by the MCP specification): redirect-uri-loopback-or-https', async () => {
    const redirect = 'com.example.app:/callback';
    const c = await new PlainClient(s).register({ redirect_uris: [redirect] });
    const v = await c.visit({ params: { redirect_uri: redirect } });
    await c.redeem({ code: v.location!.searchParams.get('code')!, verifier: v.verifier, redirectUri: redirect, location: v.location! });
    expect(card(c)).toEqual(['redirect-uri-loopback-or-https FAILURE']);
  });

  it('six registrations of one lineage: registration-storm (WARNING) on each of its clients', async () => {
    let c: PlainClient | undefined;
    for (let i = 0; i < 6; i++) c = await new PlainClient(s, 'stormy').register();
    expect(card(c!)).toEqual(['registration-storm WARNING']);
    expect(s.report().clients.every((k) => k.checks.find((x) => x.id === 'registration-storm')!.status === 'WARNING')).toBe(true);
  });

  it('three consents open at once: parallel-authorizations (WARNING)', async () => {
    const c = await new PlainClient(s).register();
    const codes = [await c.authorize(), await c.authorize(), await c.authorize()];
    for (const a of codes) await c.redeem(a);
    expect(card(c)).toEqual(['parallel-authorizations WARNING']);
  });

  it('a verifier that does not match: pkce-verifier-matches-challenge', async () => {
    const c = await new PlainClient(s).register();
    const a = await c.authorize();
    const r = await tokenRequest(s.oauthUrl, codeGrantParams(c.clientId, { ...a, verifier: 'x'.repeat(43) }, { resource: s.mcpUrl }));
    expect(r.json.error).toBe('invalid_grant');
    expect(card(c)).toEqual(['pkce-verifier-matches-challenge FAILURE']);
  });

  it('no verifier: pkce-code-verifier-sent', async () => {
    const c = await new PlainClient(s).register();
    const a = await c.authorize();
    const { code_verifier: _, ...params } = codeGrantParams(c.clientId, a, { resource: s.mcpUrl });
    expect((await tokenRequest(s.oauthUrl, params)).json.error).toBe('invalid_request');
    expect(card(c)).toEqual(['pkce-code-verifier-sent FAILURE']);
  });

  it('authenticating otherwise than registered: token-endpoint-auth-method', async () => {
    const c = await new PlainClient(s).register({ token_endpoint_auth_method: 'client_secret_post' });
    const a = await c.authorize();
    const r = await tokenRequest(s.oauthUrl, codeGrantParams(c.clientId, a, { resource: s.mcpUrl }));
    expect(r.status).toBe(401);
    expect(card(c)).toEqual(['token-endpoint-auth-method FAILURE']);
  });

  it('a revoked refresh token presented three times (seconds apart): invalid-grant-no-loop (WARNING)', async () => {
    const c = await new PlainClient(s).register();
    const rt = (await c.login()).refresh_token!;
    await revokeToken(s.oauthUrl, c.clientId, rt);
    for (let i = 0; i < 3; i++) {
      expect((await c.refresh(rt)).json.error).toBe('invalid_grant');
      await s.control.advanceClock(2);
    }
    expect(card(c)).toEqual(['invalid-grant-no-loop WARNING']);
  });

  it('no re-authorization after 403 insufficient_scope: step-up-reauthorized', async () => {
    const c = await new PlainClient(s).register();
    await c.login();
    expect((await c.call('admin-echo')).status).toBe(403);
    expect(card(c)).toEqual(['step-up-reauthorized FAILURE']);
  });

  it('a refused access token presented again: token-not-reused-after-401 (WARNING)', async () => {
    const c = await new PlainClient(s).register();
    await c.login();
    await s.control.revokeAccess();
    expect((await c.call()).status).toBe(401);
    expect((await c.call()).status).toBe(401);
    expect(card(c)).toEqual(['token-not-reused-after-401 WARNING']);
  });

  it('no MCP-Protocol-Version after initialize: mcp-protocol-version-header', async () => {
    const c = await new PlainClient(s).register();
    const t = (await c.login()).access_token;
    const post = (body: unknown, headers: Record<string, string>) => fetch(s.mcpUrl, { method: 'POST', headers: { ...MCP_HEADERS, ...bearer(t), ...headers }, body: JSON.stringify(body) }).then(answer);
    expect((await post(initializeBody(), {})).status).toBe(200);
    expect((await post(toolsCallBody('echo', { message: 'hi' }), {})).status).toBe(200);
    expect(card(c)).toEqual(['mcp-protocol-version-header FAILURE']);
  });

  it('2026-07-28 headers that differ from the body: mcp-headers-match-body', async () => {
    const c = await new PlainClient(s).register();
    const t = (await c.login()).access_token;
    const res = await postModern(s.mcpUrl, t, modernBody('tools/call', { name: 'echo', arguments: { message: 'hi' } }), { 'Mcp-Name': 'whoami' });
    expect(res.status).toBe(400);
    expect(card(c)).toEqual(['mcp-headers-match-body FAILURE']);
  });
});

