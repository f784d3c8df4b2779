import { afterAll, beforeAll, expect, test } from 'vitest';
import { connectWithConsent, startServers, type RunningServers } from 'mcp-oauth-test-server';

let servers: RunningServers;
beforeAll(async () => {
  servers = await startServers({ oauthPort: 0, mcpPort: 0 });
});
afterAll(() => servers.close());

test('my client recovers from a revoked access token', async () => {
  // connectWithConsent stands in for a client here: in your suite, point your own client at servers.mcpUrl.
  const { client, provider } = await connectWithConsent(servers.mcpUrl);
  const first = await client.callTool({ name: 'echo', arguments: { message: 'hello' } });
  expect(first.content).toEqual([{ type: 'text', text: 'hello' }]);

  const before = (await servers.control.state()).counters.refreshes;
  await servers.control.revokeAccess();
  await client.callTool({ name: 'echo', arguments: { message: 'again' } });

  expect((await servers.control.state()).counters.refreshes).toBe(before + 1);
  const { events } = await servers.control.events();
  expect(events.some((e) => e.path === '/mcp' && e.outcome === 'invalid_token')).toBe(true);
  expect(provider.authorizations).toBe(1); // refreshed, never sent back to consent
  await client.close();
});
