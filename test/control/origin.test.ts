import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { get, post } from '../support/control.js';
import { rsBase, start } from '../support/servers.js';

/** Issue 10: a web page must not flip the switches (no CONTROL_TOKEN is the default). */
describe('the control plane refuses foreign browser origins', () => {
  let s: RunningServers;
  let listed: RunningServers;
  beforeAll(async () => {
    s = await start();
    listed = await start({ allowedOrigins: 'http://app.example' });
  });
  afterAll(async () => {
    await s?.close();
    await listed?.close();
  });

  const rotate = async (srv: RunningServers) => (await get(srv.oauthUrl, '/control/state')).json.switches.rotate as boolean;
  const force403 = async (srv: RunningServers) => (await get(rsBase(srv), '/control/state')).json.switches['force-403'] as boolean;

  it.each(['http://evil.example', 'http://localhost:1234'])('Origin %s with text/plain changes nothing on the AS (403 naming ALLOWED_ORIGINS)', async (origin) => {
    const before = await rotate(s);
    const a = await post(s.oauthUrl, '/control/rotate', '{"on":true}', { origin, 'content-type': 'text/plain' });
    expect(a.status).toBe(403);
    expect(a.json.error).toBe('forbidden_origin');
    expect(a.json.error_description).toContain('ALLOWED_ORIGINS');
    expect(a.headers.get('access-control-allow-origin')).toBeNull();
    expect(await rotate(s)).toBe(before);
    // Even with a JSON body, a foreign origin is refused.
    const j = await post(s.oauthUrl, '/control/rotate', '{"on":true}', { origin });
    expect(j.status).toBe(403);
    expect(await rotate(s)).toBe(before);
  });

  it.each(['http://evil.example', 'http://localhost:1234'])('Origin %s changes nothing on the MCP server and reads nothing', async (origin) => {
    const before = await force403(s);
    const a = await post(rsBase(s), '/control/force-403', '{"on":true}', { origin, 'content-type': 'text/plain' });
    expect(a.status).toBe(403);
    expect(a.json.error_description).toContain('ALLOWED_ORIGINS');
    expect(a.headers.get('access-control-allow-origin')).toBeNull();
    expect(await force403(s)).toBe(before);
    const read = await get(rsBase(s), '/control/state', { origin });
    expect(read.status).toBe(403);
    expect(read.headers.get('access-control-allow-origin')).toBeNull();
    const pre = await fetch(`${rsBase(s)}/control/state`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    expect(pre.headers.get('access-control-allow-methods')).toBeNull();
  });

  it('a text/plain body without Origin is 415 and changes nothing', async () => {
    const before = await rotate(s);
    const a = await post(s.oauthUrl, '/control/rotate', '{"on":true}', { 'content-type': 'text/plain' });
    expect(a.status).toBe(415);
    expect(a.json.error).toBe('invalid_request');
    expect(a.json.error_description).toContain('application/json');
    expect(await rotate(s)).toBe(before);
  });

  it('its own origin, a listed origin and no Origin pass', async () => {
    const own = new URL(s.oauthUrl).origin;
    expect((await post(s.oauthUrl, '/control/rotate', '{"on":true}', { origin: own })).status).toBe(200);
    expect((await post(s.oauthUrl, '/control/rotate', '{"on":false}')).status).toBe(200);
    expect((await post(s.oauthUrl, '/control/reset')).status).toBe(200);
    expect((await post(listed.oauthUrl, '/control/rotate', '{"on":true}', { origin: 'http://app.example' })).status).toBe(200);
    const rs = await get(rsBase(listed), '/control/state', { origin: 'http://app.example' });
    expect(rs.status).toBe(200);
    expect(rs.headers.get('access-control-allow-origin')).toBe('http://app.example');
    expect((await get(rsBase(s), '/control/state', { origin: rsBase(s) })).status).toBe(200);
    // The MCP endpoint itself keeps accepting loopback origins (DNS-rebinding guard unchanged).
    const mcp = await fetch(s.mcpUrl, { method: 'OPTIONS', headers: { origin: 'http://localhost:1234', 'access-control-request-method': 'POST' } });
    expect(mcp.headers.get('access-control-allow-origin')).toBe('http://localhost:1234');
  });
});
