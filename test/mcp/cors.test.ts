/**
 * CORS at /mcp for browser clients: the 2026-07-28 transport sends MCP-Protocol-Version, Mcp-Method
 * and Mcp-Name on every POST, none of them safelisted, so the preflight must allow them; the
 * challenge and the transport's headers must be readable from the answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { MCP_HEADERS, toolsListBody } from '../support/mcp.js';
import { obtainTokens } from '../support/oauth.js';
import { start } from '../support/servers.js';
import { bearerChallenge } from '../support/www-authenticate.js';

const APP = 'https://app.example';
let s: RunningServers;
beforeAll(async () => {
  s = await start({ allowedOrigins: [APP] });
});
afterAll(() => s.close());

const preflight = (origin: string, requestHeaders: string, method = 'POST') =>
  fetch(s.mcpUrl, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': requestHeaders } });
const listed = (value: string | null) => (value ?? '').split(',').map((h) => h.trim().toLowerCase());

describe('CORS preflight at /mcp', () => {
  it.each([APP, 'http://localhost:5173'])('from %s allows the 2026-07-28 headers with the older ones', async (origin) => {
    const res = await preflight(origin, 'authorization,content-type,mcp-protocol-version,mcp-method,mcp-name');
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    expect(listed(res.headers.get('access-control-allow-headers'))).toEqual(
      expect.arrayContaining(['authorization', 'content-type', 'accept', 'mcp-protocol-version', 'mcp-method', 'mcp-name', 'mcp-session-id', 'last-event-id']),
    );
    expect(listed(res.headers.get('access-control-allow-methods'))).toContain('post');
  });

  it('from a foreign origin grants nothing', async () => {
    const res = await preflight('https://evil.example', 'mcp-method');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('a cross-origin POST /mcp with the new headers', () => {
  it('gets its 401 with the challenge exposed to the page', async () => {
    const res = await fetch(s.mcpUrl, {
      method: 'POST',
      headers: { ...MCP_HEADERS, Origin: APP, 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/list', 'Mcp-Name': 'tools/list' },
      body: JSON.stringify(toolsListBody()),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(listed(res.headers.get('access-control-expose-headers'))).toEqual(expect.arrayContaining(['www-authenticate', 'mcp-session-id', 'mcp-protocol-version']));
    expect(bearerChallenge(res).resource_metadata).toBe(`${new URL(s.mcpUrl).origin}/.well-known/oauth-protected-resource/mcp`);
  });
});

// The headers are set on the handler's own answer (http/cors.ts), no longer by hono's `cors`: these
// pin that they are still the ones it set, on every kind of answer a browser page can get.
describe('a simple cross-origin request gets exactly the CORS headers hono sets', () => {
  const callTool = (origin: string, token?: string) =>
    fetch(s.mcpUrl, {
      method: 'POST',
      headers: { ...MCP_HEADERS, Origin: origin, ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: 'hi' } } }),
    });

  it('/mcp, allowed origin, a 200 from the SDK: its origin, the exposed headers, Vary: Origin; no credentials', async () => {
    const { tokens } = await obtainTokens(s.oauthUrl);
    const res = await callTool(APP, tokens.access_token);
    expect(res.status).toBe(200);
    expect((await res.json()).result.content[0].text).toBe('hi');
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(listed(res.headers.get('access-control-expose-headers'))).toEqual(['www-authenticate', 'mcp-session-id', 'mcp-protocol-version']);
    expect(listed(res.headers.get('vary'))).toContain('origin');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('/mcp, a foreign origin: refused by the origin guard, and not one Allow-Origin', async () => {
    const res = await callTool('https://evil.example');
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(listed(res.headers.get('vary'))).toContain('origin');
  });

  it('/token from any origin: *, WWW-Authenticate exposed, no Vary (the answer does not depend on the origin)', async () => {
    const res = await fetch(`${s.oauthUrl}/token`, { method: 'POST', headers: { Origin: APP, 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'grant_type=refresh_token&refresh_token=nope&client_id=nobody' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-expose-headers')).toBe('WWW-Authenticate');
    expect(res.headers.get('vary')).toBeNull();
  });

  it("the MCP control plane from the AS's own origin (the dashboard): that origin, with credentials", async () => {
    const own = new URL(s.oauthUrl).origin;
    const res = await fetch(`${new URL(s.mcpUrl).origin}/control/state`, { headers: { Origin: own } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(own);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(listed(res.headers.get('vary'))).toContain('origin');
  });
});
