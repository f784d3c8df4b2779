import { afterEach, describe, expect, it } from 'vitest';
import { startServers, type RunningServers } from '../../src/server.js';
import { HeadlessOAuthProvider } from '../../src/testing/headless-provider.js';
import { connectWithConsent } from '../../src/testing/connect.js';
import { textOf } from '../support/mcp.js';

/**
 * The quick start says "on 127.0.0.1"; the contract's URLs say localhost. Without configured base
 * URLs, the official SDK client must succeed through whichever loopback name it was given (it
 * refuses a PRM resource whose URL differs from the one it connected to).
 */
let running: RunningServers[] = [];
afterEach(async () => {
  await Promise.all(running.map((s) => s.close()));
  running = [];
});
const boot = async (host: string, extra: Parameters<typeof startServers>[0] = {}) => {
  const lines: string[] = [];
  const s = await startServers({ host, oauthPort: 0, mcpPort: 0, log: (l) => lines.push(l), ...extra });
  running.push(s);
  return { s, lines };
};
const json = async (url: string) => (await fetch(url)).json() as Promise<Record<string, unknown>>;

async function fullFlow(mcpUrl: string): Promise<{ aud: unknown; iss: string | null }> {
  const provider = new HeadlessOAuthProvider();
  const c = await connectWithConsent(mcpUrl, provider);
  try {
    const echo = await c.client.callTool({ name: 'echo', arguments: { message: 'loopback' } });
    expect(textOf(echo)).toBe('loopback');
    const who = JSON.parse(textOf(await c.client.callTool({ name: 'whoami', arguments: {} }))) as { aud: unknown };
    return { aud: who.aud, iss: provider.lastRedirect?.searchParams.get('iss') ?? null };
  } finally {
    await c.client.close();
  }
}

describe('any loopback name works when the base URLs are not configured (issue 11)', () => {
  it.each(['127.0.0.1', 'localhost'])('bound to 127.0.0.1, the SDK client pointed at http://%s:<port>/mcp completes OAuth and calls tools', async (name) => {
    const { s } = await boot('127.0.0.1');
    const mcpUrl = `http://${name}:${s.ports.mcp}/mcp`;
    const issuer = `http://${name}:${s.ports.oauth}`;
    const prm = await json(`http://${name}:${s.ports.mcp}/.well-known/oauth-protected-resource/mcp`);
    expect(prm).toMatchObject({ resource: mcpUrl, authorization_servers: [issuer] });
    const meta = await json(`${issuer}/.well-known/oauth-authorization-server`);
    expect(meta).toMatchObject({ issuer, token_endpoint: `${issuer}/token` });
    const challenge = (await fetch(mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' })).headers.get('www-authenticate');
    expect(challenge).toContain(`resource_metadata="http://${name}:${s.ports.mcp}/.well-known/oauth-protected-resource/mcp"`);
    const flow = await fullFlow(mcpUrl);
    expect(flow.aud).toBe(mcpUrl);
    expect(flow.iss).toBe(issuer);
  });

  it('a token for one loopback name is not accepted under another (the audience is the URL used)', async () => {
    const { s } = await boot('127.0.0.1');
    const provider = new HeadlessOAuthProvider();
    const c = await connectWithConsent(`http://127.0.0.1:${s.ports.mcp}/mcp`, provider);
    await c.client.close();
    const res = await fetch(`http://localhost:${s.ports.mcp}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${provider.savedTokens!.access_token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain(`not for this resource (http://localhost:${s.ports.mcp}/mcp)`);
  });

  it('HOST=::1 advertises [::1], which reaches it, and the SDK client completes the flow there', async () => {
    const { s } = await boot('::1');
    expect(s.mcpUrl).toBe(`http://[::1]:${s.ports.mcp}/mcp`);
    expect(s.oauthUrl).toBe(`http://[::1]:${s.ports.oauth}`);
    expect((await fullFlow(s.mcpUrl)).aud).toBe(s.mcpUrl);
  });

  it('configured base URLs are never rewritten; a request naming another host is told once on the console', async () => {
    const { s, lines } = await boot('127.0.0.1', { oauthBaseUrl: 'http://as.example.test:9100' });
    const at = `http://127.0.0.1:${s.ports.oauth}/.well-known/oauth-authorization-server`;
    expect((await json(at)).issuer).toBe('http://as.example.test:9100');
    await json(at);
    const told = lines.filter((l) => l.includes('a request came in for Host'));
    expect(told).toEqual([`[oauth] a request came in for Host 127.0.0.1:${s.ports.oauth}, but OAUTH_BASE_URL is http://as.example.test:9100: discovery, iss and audiences name http://as.example.test:9100 (once per host)`]);
    // The MCP server's base was not configured: it follows the name used, with the configured issuer.
    const prm = await json(`http://127.0.0.1:${s.ports.mcp}/.well-known/oauth-protected-resource/mcp`);
    expect(prm).toMatchObject({ resource: `http://127.0.0.1:${s.ports.mcp}/mcp`, authorization_servers: ['http://as.example.test:9100'] });
  });
});
