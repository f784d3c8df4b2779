import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServers, type RunningServers } from '../../src/server.js';
import { obtainTokens, revokeToken } from '../support/oauth.js';
import { initializeBody, postMcp, toolsCallBody, toolsListBody } from '../support/mcp.js';
import { bearerChallenge } from '../support/www-authenticate.js';

const SCOPE = 'mcp:read mcp:write';

describe('Bearer challenges of the MCP endpoint (raw HTTP, real sockets)', () => {
  let s: RunningServers;
  let prm: string;
  const fresh = () => obtainTokens(s.oauthUrl, { resource: s.mcpUrl });
  const call = (token: string, body: unknown = toolsCallBody('echo', { message: 'hi' })) => postMcp(s.mcpUrl, body, { Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    s = await startServers({ oauthPort: 0, mcpPort: 0, scopes: SCOPE, tokenTtlSeconds: 600 });
    prm = `${s.config.mcpBaseUrl}/.well-known/oauth-protected-resource/mcp`;
  });
  afterAll(() => s.close());

  it('a valid token gets through: initialize, tools/list and tools/call answer 200', async () => {
    const { access_token } = (await fresh()).tokens;
    const init = await call(access_token, initializeBody());
    expect(init.status).toBe(200);
    expect(((await init.json()) as { result: { serverInfo: { name: string } } }).result.serverInfo.name).toBe('mcp-oauth-test-server');
    const echo = await call(access_token);
    expect(echo.status).toBe(200);
    expect(await echo.json()).toMatchObject({ result: { content: [{ type: 'text', text: 'hi' }] } });
  });

  it('no credentials: 401 with a plain challenge, resource_metadata and scope, and no error (RFC 6750 §3.1)', async () => {
    const res = await postMcp(s.mcpUrl, initializeBody());
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`Bearer scope="${SCOPE}", resource_metadata="${prm}"`);
    expect(bearerChallenge(res)).toEqual({ scope: SCOPE, resource_metadata: prm });
  });

  it.each([
    ['Basic', 'Basic dXNlcjpwYXNz'],
    ['Digest', 'Digest username="u", realm="r"'],
    ['a scheme that merely starts with Bearer', 'BearerX abc'],
  ])('another scheme (%s) gets the same plain challenge', async (_name, authorization) => {
    const res = await postMcp(s.mcpUrl, initializeBody(), { Authorization: authorization });
    expect(res.status).toBe(401);
    expect(bearerChallenge(res)).toEqual({ scope: SCOPE, resource_metadata: prm });
  });

  it('a token in the query string is refused with 400 invalid_request, even a valid one (RFC 6750 §2.3, MCP)', async () => {
    const { access_token } = (await fresh()).tokens;
    for (const headers of [{}, { Authorization: `Bearer ${access_token}` }] as Array<Record<string, string>>) {
      const res = await postMcp(`${s.mcpUrl}?access_token=${access_token}`, initializeBody(), headers);
      expect(res.status).toBe(400);
      const p = bearerChallenge(res);
      expect(p.error).toBe('invalid_request');
      expect(p.error_description).toMatch(/query/);
      expect(p.resource_metadata).toBe(prm);
    }
  });

  it.each([
    ['no token after the scheme', 'Bearer'],
    ['two tokens', 'Bearer abc def'],
    ['characters outside b64token', 'Bearer abc$def'],
  ])('a malformed Bearer header (%s) is 400 invalid_request', async (_name, authorization) => {
    const res = await postMcp(s.mcpUrl, initializeBody(), { Authorization: authorization });
    expect(res.status).toBe(400);
    expect(bearerChallenge(res).error).toBe('invalid_request');
  });

  it('an unknown token: 401 invalid_token with error_description, scope and resource_metadata', async () => {
    const res = await call('at_this-token-was-never-issued');
    expect(res.status).toBe(401);
    const p = bearerChallenge(res);
    expect(p).toMatchObject({ error: 'invalid_token', scope: SCOPE, resource_metadata: prm });
    expect(p.error_description).toMatch(/^token is unknown: never issued here/);
    expect(await res.json()).toMatchObject({ error: 'invalid_token' });
  });

  it('a token revoked at POST /revoke fails on the very next call', async () => {
    const t = await fresh();
    expect((await call(t.tokens.access_token)).status).toBe(200);
    await revokeToken(s.oauthUrl, t.clientId, t.tokens.access_token);
    const res = await call(t.tokens.access_token);
    expect(res.status).toBe(401);
    expect(bearerChallenge(res)).toMatchObject({ error: 'invalid_token', resource_metadata: prm });
  });

  it('revoking its refresh token revokes the access token too (RFC 7009 §2.1)', async () => {
    const t = await fresh();
    expect(t.tokens.refresh_token).toBeTruthy();
    await revokeToken(s.oauthUrl, t.clientId, t.tokens.refresh_token!);
    expect((await call(t.tokens.access_token)).status).toBe(401);
  });

  it('a refresh token is not a bearer token: 401 invalid_token', async () => {
    const t = await fresh();
    const res = await call(t.tokens.refresh_token!);
    expect(res.status).toBe(401);
    expect(bearerChallenge(res).error).toBe('invalid_token');
  });

  it('control.revokeAccess() makes every live token fail next time', async () => {
    const a = await fresh();
    const b = await fresh();
    await s.control.revokeAccess();
    for (const t of [a, b]) expect(bearerChallenge(await call(t.tokens.access_token)).error).toBe('invalid_token');
  });

  it('a token issued for another resource is refused with invalid_token (audience, RFC 8707)', async () => {
    const t = await obtainTokens(s.oauthUrl, { resource: 'https://other.example/mcp' });
    expect((await s.realm.store.find('access', t.tokens.access_token))?.aud).toEqual(['https://other.example/mcp']);
    const res = await call(t.tokens.access_token);
    expect(res.status).toBe(401);
    const p = bearerChallenge(res);
    expect(p.error).toBe('invalid_token');
    expect(p.error_description).toContain('https://other.example/mcp');
    expect(p.error_description).toContain(s.mcpUrl);
  });

  it('the scheme name is case-insensitive: "bearer" and "BEARER" work (RFC 9110 §11.1)', async () => {
    const { access_token } = (await fresh()).tokens;
    for (const scheme of ['bearer', 'BEARER', 'bEaReR']) {
      const res = await postMcp(s.mcpUrl, toolsListBody(), { Authorization: `${scheme} ${access_token}` });
      expect(res.status, scheme).toBe(200);
    }
  });

  it('force-403: tools/call gets 403 insufficient_scope while initialize and tools/list still work', async () => {
    const { access_token } = (await fresh()).tokens;
    await s.control.force403(true);
    try {
      const res = await call(access_token);
      expect(res.status).toBe(403);
      expect(bearerChallenge(res)).toMatchObject({ error: 'insufficient_scope', scope: SCOPE, resource_metadata: prm });
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="insufficient_scope", /);
      expect((await call(access_token, initializeBody())).status).toBe(200);
      const list = await call(access_token, toolsListBody());
      expect(list.status).toBe(200);
      expect(((await list.json()) as { result: { tools: unknown[] } }).result.tools).toHaveLength(4);
      expect((await call(access_token)).status).toBe(403);
    } finally {
      await s.control.force403(false);
    }
    expect((await call(access_token)).status).toBe(200);
  });

  // Last: advancing the shared clock expires every token issued before.
  it('an expired token (clock moved past its TTL) is 401 invalid_token', async () => {
    const t = await fresh();
    expect(t.tokens.expires_in).toBe(600);
    s.realm.clock.advance(595);
    expect((await call(t.tokens.access_token)).status).toBe(200);
    s.realm.clock.advance(6);
    const res = await call(t.tokens.access_token);
    expect(res.status).toBe(401);
    expect(bearerChallenge(res)).toMatchObject({ error: 'invalid_token', resource_metadata: prm });
    expect((await call((await fresh()).tokens.access_token)).status).toBe(200);
  });
});
