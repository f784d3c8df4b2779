import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { startAuthServer, startMcpServer, startServers } from '../../src/server.js';
import { connectWithConsent } from '../../src/testing/connect.js';
import { textOf } from '../support/mcp.js';

describe('package API: one server alone', () => {
  it('startAuthServer() and startMcpServer() with a shared secret: the SDK client authorizes and calls a tool; each realm holds only its own side', async () => {
    const secret = randomBytes(24).toString('base64url');
    const as = await startAuthServer({ host: '127.0.0.1', oauthPort: 0, introspectionClientSecret: secret });
    try {
      const rs = await startMcpServer({ host: '127.0.0.1', mcpPort: 0, oauthBaseUrl: as.oauthUrl, introspectionClientSecret: secret });
      try {
        expect(rs.oauthUrl).toBe(as.oauthUrl);
        expect(rs.mcpUrl).toBe(`http://localhost:${rs.port}/mcp`);
        const c = await connectWithConsent(rs.mcpUrl);
        expect(textOf(await c.client.callTool({ name: 'add', arguments: { a: 40, b: 2 } }))).toBe('42');
        await c.client.close();
        expect(await rs.realm.store.countClients()).toBe(0);
        expect(await as.realm.store.countClients()).toBe(1);
        expect(as.realm.counters.introspections).toBeGreaterThan(0);
        expect(rs.realm.counters.toolCalls).toBe(1);
      } finally {
        await rs.close();
      }
    } finally {
      await as.close();
    }
  });

  it('refuses what cannot work apart, and startServers() refuses `only`', async () => {
    await expect(startAuthServer({ oauthPort: 0 })).rejects.toThrow(/needs INTROSPECTION_CLIENT_SECRET/);
    await expect(startMcpServer({ mcpPort: 0, introspectionClientSecret: 'x' })).rejects.toThrow(/needs OAUTH_BASE_URL/);
    const both = startServers({ oauthPort: 0, mcpPort: 0, only: 'mcp', introspectionClientSecret: 'x', oauthBaseUrl: 'http://localhost:9100' });
    await expect(both).rejects.toThrow(ConfigError);
    await expect(both).rejects.toThrow("startServers() runs both servers; for only: 'mcp' call startMcpServer()");
  });
});
