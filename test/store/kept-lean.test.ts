import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { obtainTokens, revokeToken } from '../support/oauth.js';
import { start } from '../support/servers.js';
import { callTool } from '../support/mcp.js';

// Issue 10 (lean): what every kept grant costs. Authorizations through the real endpoints; the
// records are then read back from the store the server keeps.
describe('what the store keeps per grant', () => {
  let s: RunningServers | undefined;
  afterEach(() => s?.close());

  it('grants with the same scope and resources share one frozen list, codes and tokens alike', async () => {
    s = await start({});
    const resource = s.realm.urls.resource;
    const a = await obtainTokens(s.oauthUrl, { resource, params: { scope: 'mcp:read mcp:write' } });
    const b = await obtainTokens(s.oauthUrl, { resource, params: { scope: 'mcp:read mcp:write' } });
    const [ra, rb] = await Promise.all([s.realm.store.find('refresh', a.tokens.refresh_token!), s.realm.store.find('refresh', b.tokens.refresh_token!)]);
    const [aa, ab] = await Promise.all([s.realm.store.find('access', a.tokens.access_token), s.realm.store.find('access', b.tokens.access_token)]);
    expect(ra!.scope).toEqual(['mcp:read', 'mcp:write']);
    expect(rb!.scope).toBe(ra!.scope);
    expect(ab!.scope).toBe(aa!.scope);
    expect(aa!.scope).toBe(ra!.scope);
    expect(rb!.resources).toBe(ra!.resources);
    expect(Object.isFrozen(ra!.scope)).toBe(true);
    const codes = await s.realm.store.list('code');
    expect(codes).toHaveLength(2);
    expect(codes[1]![1].scope).toBe(codes[0]![1].scope);
    // A narrower grant gets its own list.
    const c = await obtainTokens(s.oauthUrl, { resource, params: { scope: 'mcp:read' } });
    expect((await s.realm.store.find('refresh', c.tokens.refresh_token!))!.scope).toEqual(['mcp:read']);
  });

  it('a JWT access token is kept under a short key, and works as a whole token everywhere', async () => {
    s = await start({ accessTokenFormat: 'jwt' });
    const resource = s.realm.urls.resource;
    const { clientId, tokens } = await obtainTokens(s.oauthUrl, { resource });
    expect(tokens.access_token.length).toBeGreaterThan(400);
    const keys = (await s.realm.store.list('access')).map(([k]) => k);
    expect(keys).toHaveLength(1);
    expect(keys[0]!.length).toBeLessThanOrEqual(44);
    expect(tokens.access_token).not.toContain(keys[0]!.slice(1));
    // The MCP server introspects it (the default validation), and it works until revoked.
    expect((await callTool(s.mcpUrl, tokens.access_token)).status).toBe(200);
    await revokeToken(s.oauthUrl, clientId, tokens.access_token);
    expect(await s.realm.store.find('access', tokens.access_token)).toBeUndefined();
    expect((await callTool(s.mcpUrl, tokens.access_token)).status).toBe(401);
  });
});
