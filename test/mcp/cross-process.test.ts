import { randomBytes } from 'node:crypto';
import { OAuthProtectedResourceMetadataSchema } from '@modelcontextprotocol/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadlessOAuthProvider } from '../../src/testing/headless-provider.js';
import { connectWithConsent, type Connected } from '../../src/testing/connect.js';
import { obtainTokens, revokeToken } from '../support/oauth.js';
import { postMcp, textOf, toolsListBody } from '../support/mcp.js';
import { bearerChallenge } from '../support/www-authenticate.js';
import { listenResourceServer, spawnAuthServer, type ChildAuthServer, type LocalResourceServer } from './processes.js';

/**
 * The MCP server here, the authorization server in a child process: nothing is shared but HTTP, so
 * every token the RS accepts was vouched for by RFC 7662 introspection over the wire.
 */
describe('introspection across processes', () => {
  const secret = randomBytes(24).toString('base64url');
  let as: ChildAuthServer;
  let rs: LocalResourceServer;
  let c: Connected | undefined;

  beforeAll(async () => {
    rs = await listenResourceServer(async (mcpBaseUrl) => {
      as = await spawnAuthServer({ mcpBaseUrl, secret });
      return { oauthBaseUrl: as.url, introspectionClientSecret: secret };
    });
  });
  afterAll(async () => {
    await c?.client.close();
    await rs?.close();
    await as?.stop();
  });

  it('the child is a separate process and the RS names it as its authorization server', async () => {
    expect(as.child.pid).not.toBe(process.pid);
    const doc = OAuthProtectedResourceMetadataSchema.parse(await (await fetch(`${rs.mcpBaseUrl}/.well-known/oauth-protected-resource/mcp`)).json());
    expect(doc.resource).toBe(rs.mcpUrl);
    expect(doc.authorization_servers).toEqual([as.url]);
  });

  it('the official SDK client goes through discovery, DCR, PKCE and calls tools across the processes', async () => {
    c = await connectWithConsent(rs.mcpUrl, new HeadlessOAuthProvider());
    expect(c.provider.authorizations).toBe(1);
    expect(c.provider.lastRedirect!.searchParams.get('iss')).toBe(as.url);
    expect(textOf(await c.client.callTool({ name: 'add', arguments: { a: 40, b: 2 } }))).toBe('42');
    const me = JSON.parse(textOf(await c.client.callTool({ name: 'whoami', arguments: {} }))) as Record<string, unknown>;
    expect(me).toMatchObject({ client_id: c.provider.clientInfo!.client_id, sub: 'test-user', aud: rs.mcpUrl });
    // The RS's own realm never saw a client or a token: everything came from the child.
    expect((await rs.server.realm.store.countClients())).toBe(0);
    expect((await rs.server.realm.store.list('access')).length).toBe(0);
  });

  it('a revocation at the child AS is seen by the RS on the very next call', async () => {
    const t = await obtainTokens(as.url, { resource: rs.mcpUrl });
    const auth = { Authorization: `Bearer ${t.tokens.access_token}` };
    expect((await postMcp(rs.mcpUrl, toolsListBody(), auth)).status).toBe(200);
    await revokeToken(as.url, t.clientId, t.tokens.access_token);
    const res = await postMcp(rs.mcpUrl, toolsListBody(), auth);
    expect(res.status).toBe(401);
    expect(bearerChallenge(res).error).toBe('invalid_token');
  });

  it('the RS authenticates at /introspect: with the wrong secret nothing is accepted', async () => {
    const wrong = await listenResourceServer(async () => ({ oauthBaseUrl: as.url, introspectionClientSecret: 'not-the-secret' }));
    try {
      const t = await obtainTokens(as.url, { resource: wrong.mcpUrl });
      const res = await postMcp(wrong.mcpUrl, toolsListBody(), { Authorization: `Bearer ${t.tokens.access_token}` });
      expect(res.status).toBe(401);
      const p = bearerChallenge(res);
      expect(p.error).toBe('invalid_token');
      expect(p.error_description).toMatch(/^introspection failed: authorization server answered 401 invalid_client/);
      // The token itself is fine: the correctly configured RS introspects it and refuses it only for its audience.
      const elsewhere = await postMcp(rs.mcpUrl, toolsListBody(), { Authorization: `Bearer ${t.tokens.access_token}` });
      expect(bearerChallenge(elsewhere).error_description).toContain('not for this resource');
    } finally {
      await wrong.close();
    }
  });
});
