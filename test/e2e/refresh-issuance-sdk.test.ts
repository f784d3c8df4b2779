/**
 * The official SDK 1.32.2 client under each refresh-token issuance mode (SEP-2207). It takes its scope
 * from the challenge, which never names offline_access, and does not add it itself (the SEP's client
 * item is a MAY): so under `offline_access`, as under `never`, it gets no refresh token, and a revoked
 * access token sends it back to consent instead of a refresh. Recorded as it behaves.
 */
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { connectWithConsent } from '../../src/testing/connect.js';
import { HeadlessOAuthProvider } from '../../src/testing/headless-provider.js';
import { start } from '../support/servers.js';

let s: RunningServers;
beforeAll(async () => {
  s = await start();
});
afterAll(() => s.close());

describe.each([
  ['always', true],
  ['offline_access', false],
  ['never', false],
] as const)('refreshTokenIssuance %s', (mode, refreshes) => {
  it(refreshes ? 'the SDK client gets a refresh token and recovers from a revoked access token by refreshing' : 'the SDK client gets no refresh token; a revoked access token sends it back to consent', async () => {
    await s.control.reset();
    await s.control.setPolicy({ refreshTokenIssuance: mode });
    const { client, provider } = await connectWithConsent(s.mcpUrl, new HeadlessOAuthProvider());
    try {
      expect(provider.savedTokens?.scope).toBe('mcp:read mcp:write');
      expect(provider.savedTokens?.refresh_token !== undefined).toBe(refreshes);
      // After initialize the SDK opens its standalone stream with GET /mcp, in the background: wait for
      // its 405, or a revocation racing it would meet that GET too (authentication comes first there).
      await expect.poll(async () => (await s.control.events(0, 'mcp')).events.some((e) => e.method === 'GET' && e.path === '/mcp' && e.status === 405), { timeout: 30_000 }).toBe(true);
      const consents = provider.authorizations;
      await s.control.revokeAccess();
      const call = client.callTool({ name: 'echo', arguments: { message: 'again' } });
      if (refreshes) {
        await expect(call).resolves.toMatchObject({ content: [{ type: 'text', text: 'again' }] });
        expect(provider.authorizations).toBe(consents);
        expect((await s.control.state()).counters.refreshes).toBe(1);
      } else {
        await expect(call).rejects.toBeInstanceOf(UnauthorizedError);
        expect(provider.authorizations).toBe(consents + 1);
        expect((await s.control.state()).counters.refreshes).toBe(0);
        // The new consent works: the client is back with a fresh access token.
        const again = await connectWithConsent(s.mcpUrl, provider);
        await expect(again.client.callTool({ name: 'echo', arguments: { message: 'back' } })).resolves.toMatchObject({ content: [{ type: 'text', text: 'back' }] });
        await again.client.close();
      }
    } finally {
      await client.close();
    }
  });
});
