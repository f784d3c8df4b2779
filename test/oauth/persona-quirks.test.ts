import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { callTool, textOf } from '../support/mcp.js';
import { authorize, codeGrantParams, register, token, visitAuthorize } from '../support/oauth.js';
import { pkce } from '../support/pkce.js';
import { start } from '../support/servers.js';

/**
 * Each persona's quirks over sockets. A client is registered first: every persona but none turns
 * dynamic registration off, as the providers have none, and a switch keeps the clients it finds.
 */
let s: RunningServers;
let base: string;
let clientId: string;
beforeAll(async () => {
  s = await start();
  base = s.oauthUrl;
});
afterAll(() => s.close());
beforeEach(async () => {
  await s.control.reset();
  clientId = (await register(base)).client_id;
});

const persona = (name: string) => s.control.setProfile({ persona: name as never });
const resource = () => s.mcpUrl;

describe('slack', () => {
  it('tokens as {"ok":true,…,"token_type":"user"}, and the tokens work', async () => {
    await persona('slack');
    const a = await authorize(base, clientId);
    const res = await token(base, codeGrantParams(clientId, a));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ ok: true, token_type: 'user', access_token: expect.any(String) });
    expect(textOf((await callTool(s.mcpUrl, body.access_token, 'echo', { message: 'slack' })).json.result)).toBe('slack');
  });

  it('a refusal is HTTP 200 {"ok":false,"error":…}, and spends nothing', async () => {
    await persona('slack');
    const a = await authorize(base, clientId);
    const bad = await token(base, codeGrantParams(clientId, a, { code_verifier: pkce().verifier }));
    expect(bad.status).toBe(200);
    expect(await bad.json()).toEqual({ ok: false, error: 'invalid_grant' });
    // The code was refused, not spent: the right verifier still redeems it.
    expect((await token(base, codeGrantParams(clientId, a))).status).toBe(200);
  });

  it('no /register', async () => {
    await persona('slack');
    expect((await fetch(`${base}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"redirect_uris":["http://127.0.0.1/cb"]}' })).status).toBe(404);
  });
});

describe('github', () => {
  it('form-encoded unless Accept asks for JSON', async () => {
    await persona('github');
    const a = await authorize(base, clientId);
    const res = await token(base, codeGrantParams(clientId, a));
    expect(res.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(await res.text());
    expect(form.get('access_token')).toBeTruthy();
    const b = await authorize(base, clientId);
    const json = await token(base, codeGrantParams(clientId, b), { Accept: 'application/json' });
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    expect((await json.json()).access_token).toBeTruthy();
  });

  it('errors stay JSON with their status (the quirk bends successes only)', async () => {
    await persona('github');
    const res = await token(base, { grant_type: 'authorization_code', code: 'nope', client_id: clientId, code_verifier: pkce().verifier, redirect_uri: 'http://127.0.0.1:53682/callback' });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe('invalid_grant');
  });
});

describe('entra', () => {
  it('resource with plain scopes: invalid_target (AADSTS9010010) back at the redirect, no code', async () => {
    await persona('entra');
    const { challenge } = pkce();
    const v = await visitAuthorize(base, clientId, challenge, { scope: 'mcp:read' }, [resource()]);
    expect(v.status).toBe(302);
    expect(v.location!.searchParams.get('error')).toBe('invalid_target');
    expect(v.location!.searchParams.get('error_description')).toMatch(/AADSTS9010010/);
    expect(v.location!.searchParams.get('code')).toBeNull();
    expect(v.location!.searchParams.get('state')).toBe('st-1');
  });

  it('no resource, or scopes written <resource>/<scope>: the code is issued', async () => {
    await persona('entra');
    await authorize(base, clientId, { scope: 'mcp:read' });
    await s.control.setPolicy({ scopes: [`${resource()}/read`, 'mcp:read', 'mcp:write', 'mcp:admin'] });
    await authorize(base, clientId, { scope: `${resource()}/read` }, [resource()]);
  });
});

describe('atlassian', () => {
  it('rotates refresh tokens with a 10-minute reuse leeway; a refresh token only with offline_access', async () => {
    await persona('atlassian');
    const plain = await token(base, codeGrantParams(clientId, await authorize(base, clientId)));
    expect((await plain.json()).refresh_token).toBeUndefined();
    const a = await authorize(base, clientId, { scope: 'mcp:read offline_access' });
    const first = await (await token(base, codeGrantParams(clientId, a))).json();
    expect(first.refresh_token).toBeTruthy();
    const refresh = (rt: string) => token(base, { grant_type: 'refresh_token', refresh_token: rt, client_id: clientId });
    const second = await (await refresh(first.refresh_token)).json();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    // Within the leeway the rotated one still refreshes; past it, its reuse revokes the family.
    await s.control.advanceClock(599);
    expect((await refresh(first.refresh_token)).status).toBe(200);
    await s.control.advanceClock(2);
    const reuse = await refresh(first.refresh_token);
    expect(reuse.status).toBe(400);
    expect((await reuse.json()).error).toBe('invalid_grant');
    expect((await refresh(second.refresh_token)).status).toBe(400);
  });
});

describe('cognito', () => {
  it('scopes are openid and <resource-server>/<scope>; mcp/read counts as the tool scope mcp:read', async () => {
    await persona('cognito');
    const meta = await (await fetch(`${base}/.well-known/oauth-authorization-server`)).json();
    expect(meta.scopes_supported).toEqual(expect.arrayContaining(['openid', 'mcp/read', 'mcp/write', 'mcp/admin']));
    expect(meta.registration_endpoint).toBeUndefined();
    const a = await authorize(base, clientId, { scope: 'openid mcp/read' });
    const tokens = await (await token(base, codeGrantParams(clientId, a))).json();
    expect(tokens.scope).toBe('openid mcp/read');
    expect(textOf((await callTool(s.mcpUrl, tokens.access_token, 'echo', { message: 'cognito' })).json.result)).toBe('cognito');
  });
});
