import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { HeadlessOAuthProvider, startServers, type RunningServers } from 'mcp-oauth-test-server';

let servers: RunningServers;
beforeAll(async () => {
  servers = await startServers({ oauthPort: 0, mcpPort: 0 });
});
afterAll(() => servers.close());

test('the SDK v2 client gets through consent, then steps up for admin-echo', async () => {
  const provider = new HeadlessOAuthProvider();
  const transport = () => new StreamableHTTPClientTransport(new URL(servers.mcpUrl), { authProvider: provider });
  const client = new Client({ name: 'my-host', version: '1.0.0' });

  const first = transport();
  await expect(client.connect(first)).rejects.toBeInstanceOf(UnauthorizedError); // sent to /authorize
  // The provider played the browser; finishAuth checks the redirect's iss (RFC 9207), then redeems the code.
  await first.finishAuth(provider.callbackParams);
  const second = transport();
  await client.connect(second);

  // admin-echo needs mcp:admin: 403 insufficient_scope, and the client authorizes again for the union.
  const call = () => client.callTool({ name: 'admin-echo', arguments: { message: 'hi' } });
  await expect(call()).rejects.toBeInstanceOf(UnauthorizedError);
  await second.finishAuth(provider.callbackParams);
  expect((await call()).content).toEqual([{ type: 'text', text: 'hi' }]);
  expect(provider.savedTokens?.scope).toBe('mcp:read mcp:write mcp:admin');
  await client.close();
});
