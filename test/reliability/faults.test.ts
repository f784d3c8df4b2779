import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServers, type RunningServers } from '../../src/server.js';
import { callEcho, tokensFor } from './flow.js';

let s: RunningServers;
beforeAll(async () => {
  s = await startServers({ oauthPort: 0, mcpPort: 0, introspectionTimeoutMs: 300 });
});
afterAll(() => s.close());

const challenge = (res: Response) => res.headers.get('www-authenticate') ?? '';

describe('when the authorization server misbehaves, the MCP server answers 401 and recovers', () => {
  it('a slow /introspect (latency fault) hits the documented timeout: 401 introspection failed, bounded', async () => {
    const t = await tokensFor(s.oauthUrl);
    await s.control.addFault({ id: 'slow-introspect', endpoint: 'introspect', effect: { kind: 'latency', ms: 2000 }, times: 1 });
    const started = Date.now();
    const res = await callEcho(s.mcpUrl, t.access_token);
    const elapsed = Date.now() - started;
    expect(res.status).toBe(401);
    expect(challenge(res)).toContain('error="invalid_token"');
    expect(challenge(res)).toContain('error_description="introspection failed: no answer within 300 ms"');
    expect(elapsed).toBeLessThan(1900);
    // The fault was used up: once the slow answer has gone out, the next call works without any restart.
    const slowAnswered = async () => (await s.control.events()).events.some((e) => e.path === '/introspect' && e.fault === 'slow-introspect');
    await expect.poll(slowAnswered, { timeout: 10_000 }).toBe(true);
    expect((await callEcho(s.mcpUrl, t.access_token)).status).toBe(200);
  });

  it.each([
    ['a dropped connection', { kind: 'drop' as const }],
    ['a 503 with an HTML body', { kind: 'status' as const, status: 503, body: '<html>down</html>' }],
    ['a 500 JSON error', { kind: 'oauth-error' as const, error: 'server_error', status: 500 }],
    ['an answer without active', { kind: 'status' as const, status: 200, body: { ok: true } }],
  ])('%s at /introspect becomes 401 introspection failed, never 5xx', async (_name, effect) => {
    const t = await tokensFor(s.oauthUrl);
    await s.control.addFault({ endpoint: 'introspect', effect, times: 1 });
    const res = await callEcho(s.mcpUrl, t.access_token);
    expect(res.status).toBe(401);
    expect(challenge(res)).toMatch(/error_description="introspection failed: [^"]+"/);
    expect((await callEcho(s.mcpUrl, t.access_token)).status).toBe(200);
  });

  it('an AS that accepts connections and never answers cannot hang the client', async () => {
    const hung = net.createServer(() => {});
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    const port = (hung.address() as net.AddressInfo).port;
    const other = await startServers({ oauthPort: 0, mcpPort: 0, oauthBaseUrl: `http://127.0.0.1:${port}`, introspectionTimeoutMs: 250 });
    try {
      const started = Date.now();
      const res = await callEcho(other.mcpUrl, 'at_whatever');
      expect(res.status).toBe(401);
      expect(challenge(res)).toContain('introspection failed: no answer within 250 ms');
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await other.close();
      hung.close();
    }
  });
});
