/**
 * SEP-2207, resource side: the MCP server never names offline_access, neither in its protected
 * resource metadata nor in a challenge's scope, whatever the authorization server advertises and
 * even when SCOPES lists it. A token holding it still works at /mcp.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { get, post } from '../support/control.js';
import { callTool, initializeBody, postMcp, textOf } from '../support/mcp.js';
import { obtainTokens } from '../support/oauth.js';
import { rsBase, start } from '../support/servers.js';
import { bearerChallenge } from '../support/www-authenticate.js';

const PRM = '/.well-known/oauth-protected-resource';

describe.each([
  ['SCOPES without offline_access, mode offline_access', 'mcp:read mcp:write', 'offline_access'],
  ['SCOPES listing offline_access, mode always', 'mcp:read offline_access mcp:write', 'always'],
  ['SCOPES listing offline_access, mode offline_access', 'mcp:read offline_access mcp:write', 'offline_access'],
])('%s', (_n, scopes, mode) => {
  let s: RunningServers;
  beforeAll(async () => {
    s = await start({ scopes });
    expect((await post(s.oauthUrl, '/control/policy', JSON.stringify({ refreshTokenIssuance: mode }))).status).toBe(200);
  });
  afterAll(() => s.close());

  it('the authorization server lists offline_access in scopes_supported', async () => {
    const { json } = await get(s.oauthUrl, '/.well-known/oauth-authorization-server');
    expect(json.scopes_supported).toContain('offline_access');
  });

  it.each([`${PRM}/mcp`, PRM])('%s lists the resource scopes only', async (path) => {
    const { json } = await get(rsBase(s), path);
    expect(json.scopes_supported).toEqual(['mcp:read', 'mcp:write']);
  });

  it('the 401 challenge names the resource scopes only', async () => {
    const res = await postMcp(s.mcpUrl, initializeBody());
    expect(res.status).toBe(401);
    expect(bearerChallenge(res).scope).toBe('mcp:read mcp:write');
  });

  it('a token granted offline_access works at /mcp, and a 403 challenge (force-403) leaves offline_access out', async () => {
    const { tokens } = await obtainTokens(s.oauthUrl, { resource: s.mcpUrl, params: { scope: 'mcp:read offline_access' } });
    expect(tokens.refresh_token).toMatch(/^rt_/);
    const who = await callTool(s.mcpUrl, tokens.access_token, 'whoami', {});
    expect(who.status, who.text).toBe(200);
    expect(JSON.parse(textOf(who.json.result)).scope).toBe('mcp:read offline_access');
    expect((await post(rsBase(s), '/control/force-403', '{"on":true}')).status).toBe(200);
    const res = await postMcp(s.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: 'x' } } }, { Authorization: `Bearer ${tokens.access_token}` });
    expect(res.status).toBe(403);
    const ch = bearerChallenge(res);
    expect(ch.error).toBe('insufficient_scope');
    expect(ch.scope).toBe('mcp:read mcp:write');
    expect((await post(rsBase(s), '/control/force-403', '{"on":false}')).status).toBe(200);
  });
});
