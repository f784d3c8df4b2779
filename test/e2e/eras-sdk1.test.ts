/**
 * The SDK 1.32.2 client (2025 revisions only) against each era: the compatibility matrix of the
 * 2026-07-28 specification (basic/versioning): a legacy client works with a dual-era server and a
 * legacy one, and fails against a modern-only server with its 400 -32022, with no fall-forward.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadlessOAuthProvider } from '../../src/testing/headless-provider.js';
import { connectWithConsent } from '../../src/testing/connect.js';
import type { RunningServers } from '../../src/server.js';
import { textOf } from '../support/mcp.js';
import { start } from '../support/servers.js';

let s: RunningServers;
beforeAll(async () => {
  s = await start();
});
afterAll(() => s.close());

describe('the SDK 1.32.2 client', () => {
  it.each(['dual', 'legacy'] as const)('works against %s: initialize, then tool calls in the 2025 era', async (era) => {
    await s.control.era(era);
    const c = await connectWithConsent(s.mcpUrl, new HeadlessOAuthProvider());
    try {
      const me = JSON.parse(textOf(await c.client.callTool({ name: 'whoami', arguments: {} })));
      expect(me.era).toBe('legacy');
      expect(me.protocol_version).toBe(c.transport.protocolVersion);
    } finally {
      await c.client.close();
    }
  });

  it('fails against modern with the spec error (400, -32022 naming 2026-07-28): it cannot speak the new era', async () => {
    await s.control.era('modern');
    const failed = await connectWithConsent(s.mcpUrl, new HeadlessOAuthProvider()).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(failed).toBeInstanceOf(Error);
    // Its initialize (2025-11-25) meets the modern-only answer, which it reports as it came.
    expect(failed!.message).toMatch(/"code":-32022/);
    expect(failed!.message).toMatch(/"supported":\["2026-07-28"\],"requested":"2025-11-25"/);
    expect((failed as Error & { code?: number }).code).toBe(400);
    const { events } = await s.control.events(0, 'mcp');
    const refused = events.filter((e) => e.type === 'request' && e.endpoint === 'mcp' && e.outcome === 'unsupported-protocol-version');
    expect(refused.length).toBeGreaterThanOrEqual(1);
    // It was authenticated first: the refusal is about the era, not the token.
    expect(refused.every((e) => e.type === 'request' && e.status === 400)).toBe(true);
  });
});
