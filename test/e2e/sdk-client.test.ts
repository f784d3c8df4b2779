import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServers, type RunningServers } from '../../src/server.js';
import { HeadlessOAuthProvider } from '../../src/testing/headless-provider.js';
import { connectWithConsent, type Connected } from '../../src/testing/connect.js';
import { textOf } from '../support/mcp.js';

const TTL = 900;

describe('the official SDK client against both servers, from nothing but the MCP URL', () => {
  let s: RunningServers;
  let c: Connected;
  let started: number;

  beforeAll(async () => {
    s = await startServers({ oauthPort: 0, mcpPort: 0, tokenTtlSeconds: TTL });
    started = Math.floor(Date.now() / 1000);
    c = await connectWithConsent(s.mcpUrl, new HeadlessOAuthProvider());
  });
  afterAll(async () => {
    await c?.client.close();
    await s.close();
  });

  it('discovered, registered and authorized itself: PRM → AS metadata → DCR → /authorize (PKCE) → /token', async () => {
    const { events } = await s.control.events(0);
    const seen = events.filter((e) => e.type === 'request').map((e) => `${e.server} ${e.method} ${e.path} ${e.status}`);
    const order = [
      'mcp POST /mcp 401',
      'mcp GET /.well-known/oauth-protected-resource/mcp 200',
      'oauth GET /.well-known/oauth-authorization-server 200',
      'oauth POST /register 201',
      'oauth GET /authorize 302',
      'oauth POST /token 200',
    ];
    let at = -1;
    for (const step of order) {
      const next = seen.indexOf(step, at + 1);
      expect(next, `${step} after ${order[order.indexOf(step) - 1] ?? 'start'} in\n${seen.join('\n')}`).toBeGreaterThan(at);
      at = next;
    }
    expect(seen.slice(at + 1)).toContain('mcp POST /mcp 200');

    const { provider } = c;
    expect(provider.authorizations).toBe(1);
    const clientId = provider.clientInfo?.client_id;
    expect(clientId).toMatch(/^client_/);
    expect((await s.realm.store.findClient(clientId!))?.token_endpoint_auth_method).toBe('none');
    expect(provider.verifier).toMatch(/^[A-Za-z0-9\-._~]{43,128}$/);
    expect(provider.lastRedirect?.searchParams.get('iss')).toBe(s.oauthUrl);
    // The SDK sent resource=<PRM resource>, so the token is bound to exactly this MCP server.
    const access = (await s.realm.store.find('access', provider.savedTokens!.access_token));
    expect(access?.aud).toEqual([s.mcpUrl]);
    expect(access?.clientId).toBe(clientId);
    expect(provider.savedTokens?.refresh_token).toBeTruthy();
  });

  it('lists the four tools with their input schemas', async () => {
    const { tools } = await c.client.listTools();
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(Object.keys(byName).sort()).toEqual(['add', 'admin-echo', 'echo', 'whoami']);
    expect(byName.echo!.inputSchema).toMatchObject({ type: 'object', properties: { message: { type: 'string' } }, required: ['message'] });
    expect(byName.add!.inputSchema).toMatchObject({ type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } });
    expect([...(byName.add!.inputSchema.required ?? [])].sort()).toEqual(['a', 'b']);
    expect(byName.whoami!.inputSchema.type).toBe('object');
    expect(Object.keys(byName.whoami!.inputSchema.properties ?? {})).toEqual([]);
    for (const t of tools) expect(t.description).toBeTruthy();
  });

  it('echo returns the message', async () => {
    const message = 'héllo "world" \\ 🙂';
    const r = await c.client.callTool({ name: 'echo', arguments: { message } });
    expect(r.isError).toBeFalsy();
    expect(textOf(r)).toBe(message);
  });

  it('add returns the sum as text', async () => {
    expect(textOf(await c.client.callTool({ name: 'add', arguments: { a: 2, b: 3 } }))).toBe('5');
    expect(textOf(await c.client.callTool({ name: 'add', arguments: { a: -1.5, b: 0.25 } }))).toBe('-1.25');
  });

  it('whoami describes the token: client_id, sub, scope, aud (the MCP URL) and exp', async () => {
    const r = await c.client.callTool({ name: 'whoami', arguments: {} });
    const me = JSON.parse(textOf(r)) as Record<string, unknown>;
    expect(me.client_id).toBe(c.provider.clientInfo?.client_id);
    expect(me.sub).toBe('test-user');
    expect(me.scope).toBe('mcp:read mcp:write');
    expect(me.aud).toBe(s.mcpUrl);
    expect(typeof me.exp).toBe('number');
    expect(me.exp as number).toBeGreaterThanOrEqual(started + TTL - 5);
    expect(me.exp as number).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + TTL + 5);
    expect(me.expires_at).toBe(new Date((me.exp as number) * 1000).toISOString());
  });

  it('bad arguments give a tool result with isError, not a transport failure', async () => {
    const r = await c.client.callTool({ name: 'add', arguments: { a: 'two', b: 3 } }, CallToolResultSchema);
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/Input validation error.*a: .*expected number, received string/);
    const missing = await c.client.callTool({ name: 'echo', arguments: {} });
    expect(missing.isError).toBe(true);
    // The connection is still fine afterwards.
    expect(textOf(await c.client.callTool({ name: 'add', arguments: { a: 1, b: 1 } }))).toBe('2');
  });

  // basic/server/tools "Error Handling": an unknown tool is a protocol error (-32602), not a tool
  // result; SDK v2 answers so (v1 servers answered a result with isError).
  it('an unknown tool is a JSON-RPC error -32602, and the connection stays usable', async () => {
    await expect(c.client.callTool({ name: 'nope', arguments: {} })).rejects.toMatchObject({ code: -32602, message: expect.stringMatching(/nope not found/) });
    expect(textOf(await c.client.callTool({ name: 'add', arguments: { a: 1, b: 1 } }))).toBe('2');
  });

  it('concurrent calls from two clients never see each other’s answers or tokens (pooled McpServers)', async () => {
    const other = await connectWithConsent(s.mcpUrl, new HeadlessOAuthProvider());
    try {
      const clients = [c, other];
      const calls = Array.from({ length: 24 }, (_, i) => {
        const who = clients[i % 2]!;
        return i % 3 === 0
          ? who.client.callTool({ name: 'whoami', arguments: {} }).then((r) => [JSON.parse(textOf(r)).client_id, who.provider.clientInfo!.client_id])
          : who.client.callTool({ name: 'echo', arguments: { message: `m${i}` } }).then((r) => [textOf(r), `m${i}`]);
      });
      for (const [got, want] of await Promise.all(calls)) expect(got).toBe(want);
      expect(other.provider.clientInfo!.client_id).not.toBe(c.provider.clientInfo!.client_id);
    } finally {
      await other.client.close();
    }
  });

  it('after the access token is revoked, the client refreshes once and carries on', async () => {
    const refreshesBefore = s.realm.counters.refreshes;
    const oldToken = c.provider.savedTokens!.access_token;
    await s.control.revokeAccess();
    expect(textOf(await c.client.callTool({ name: 'echo', arguments: { message: 'again' } }))).toBe('again');
    expect(s.realm.counters.refreshes).toBe(refreshesBefore + 1);
    expect(c.provider.savedTokens!.access_token).not.toBe(oldToken);
    expect(c.provider.authorizations).toBe(1);
  });
});
