/**
 * Both protocol eras on one endpoint, through a raw client over sockets: what the 2026-07-28
 * specification says a dual-era, a modern-only and a pre-2026 server answer (basic/versioning
 * "Compatibility Matrix", basic/transports "Request Metadata" / "Server Validation", SEP-2243).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RequestEvent } from '../../src/events.js';
import type { RunningServers } from '../../src/server.js';
import { answer } from '../support/answer.js';
import { bearer } from '../support/http.js';
import { initializeBody, MCP_HEADERS, MODERN_VERSION, modernBody, postMcp, postModern, rpcBody, textOf, toolsCallBody } from '../support/mcp.js';
import { obtainTokens } from '../support/oauth.js';
import { start } from '../support/servers.js';
import { bearerChallenge } from '../support/www-authenticate.js';

let s: RunningServers;
let token: string;
beforeAll(async () => {
  s = await start();
  token = (await obtainTokens(s.oauthUrl, { resource: s.mcpUrl })).tokens.access_token;
});
afterAll(() => s.close());
afterEach(async () => {
  await s.control.era('dual');
});

const modern = async (body: ReturnType<typeof modernBody>, headers: Record<string, string | null> = {}) => answer(await postModern(s.mcpUrl, token, body, headers));
const legacy = async (body: unknown, headers: Record<string, string> = {}) => answer(await postMcp(s.mcpUrl, body, { ...bearer(token), ...headers }));
const whoami = (a: { json: { result: unknown } }) => JSON.parse(textOf(a.json.result)) as Record<string, unknown>;
const lastMcpEvent = async (): Promise<RequestEvent & { endpoint: 'mcp' }> => {
  const { events } = await s.control.events(0, 'mcp');
  return events.filter((e): e is RequestEvent & { endpoint: 'mcp' } => e.type === 'request' && e.endpoint === 'mcp').at(-1)!;
};

describe('dual (the default): both eras on one endpoint', () => {
  it('server/discover names 2026-07-28, the tools and who serves them', async () => {
    const a = await modern(modernBody('server/discover'));
    expect(a.status, a.text).toBe(200);
    expect(a.headers.get('content-type')).toMatch(/^application\/json/);
    expect(a.json.result.supportedVersions).toEqual([MODERN_VERSION]);
    expect(a.json.result.capabilities.tools).toBeDefined();
    expect(a.json.result.serverInfo ?? a.json.result._meta?.['io.modelcontextprotocol/serverInfo']).toMatchObject({ name: 'mcp-oauth-test-server' });
  });

  it('a modern tools/call needs no initialize; whoami tells the era and version, and so does the event', async () => {
    const echo = await modern(modernBody('tools/call', { name: 'echo', arguments: { message: 'modern' } }));
    expect(echo.status, echo.text).toBe(200);
    expect(textOf(echo.json.result)).toBe('modern');
    expect(echo.json.result.resultType ?? 'complete').toBe('complete');
    const me = whoami(await modern(modernBody('tools/call', { name: 'whoami', arguments: {} })));
    expect(me).toMatchObject({ era: 'modern', protocol_version: MODERN_VERSION, scope: 'mcp:read mcp:write' });
    expect(await lastMcpEvent()).toMatchObject({ rpcMethod: 'tools/call', tool: 'whoami', era: 'modern', protocolVersion: MODERN_VERSION, outcome: 'ok' });
  });

  it('a 2025 client initializes and calls as before, answered in JSON; whoami says legacy and its header version', async () => {
    const init = await legacy(initializeBody());
    expect(init.status, init.text).toBe(200);
    expect(init.headers.get('content-type')).toMatch(/^application\/json/);
    expect(init.json.result.protocolVersion).toBe('2025-06-18');
    expect(init.headers.get('mcp-session-id')).toBeNull();
    const me = whoami(await legacy(toolsCallBody('whoami', {})));
    expect(me).toMatchObject({ era: 'legacy', protocol_version: '2025-06-18' });
    expect(await lastMcpEvent()).toMatchObject({ era: 'legacy', protocolVersion: '2025-06-18' });
    // basic/transports: without MCP-Protocol-Version a server assumes 2025-03-26.
    const bare = await answer(await fetch(s.mcpUrl, { method: 'POST', headers: { ...MCP_HEADERS, ...bearer(token) }, body: JSON.stringify(toolsCallBody('whoami', {})) }));
    expect(whoami(bare)).toMatchObject({ era: 'legacy', protocol_version: '2025-03-26' });
  });

  it('a legacy client that accepts only the event stream is answered over SSE', async () => {
    const res = await postMcp(s.mcpUrl, toolsCallBody('echo', { message: 'streamed' }), { ...bearer(token), Accept: 'text/event-stream' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const data = (await res.text()).split('\n').find((l) => l.startsWith('data: '))!;
    expect(textOf(JSON.parse(data.slice(6)).result)).toBe('streamed');
  });

  it('a legacy client that lists only application/json is refused as the 2025 transports say (406)', async () => {
    const a = await answer(await postMcp(s.mcpUrl, toolsCallBody('echo', { message: 'x' }), { ...bearer(token), Accept: 'application/json' }));
    expect(a.status).toBe(406);
    expect(a.json.error.message).toMatch(/accept both application\/json and text\/event-stream/);
  });

  it('authentication comes first in the modern era too: no token, the Bearer challenge', async () => {
    const res = await postModern(s.mcpUrl, undefined, modernBody('server/discover'));
    expect(res.status).toBe(401);
    expect(bearerChallenge(res).resource_metadata).toMatch(/\/\.well-known\/oauth-protected-resource\/mcp$/);
  });

  it('subscriptions/listen (the 2026-07-28 replacement of the GET stream) opens with its acknowledgement', async () => {
    const res = await postModern(s.mcpUrl, token, modernBody('subscriptions/listen', { notifications: { toolsListChanged: true } }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('notifications/subscriptions/acknowledged');
    await reader.cancel();
  });

  it('an unknown tool in the modern era is a JSON-RPC error, not a transport failure', async () => {
    const a = await modern(modernBody('tools/call', { name: 'nope', arguments: {} }));
    expect(a.json.error.code).toBe(-32602);
  });
});

describe('SEP-2243: a modern request whose headers are missing or disagree with its body', () => {
  const call = () => modernBody('tools/call', { name: 'echo', arguments: { message: 'x' } });
  it.each([
    ['MCP-Protocol-Version missing', { 'MCP-Protocol-Version': null }, /MCP-Protocol-Version header is absent/],
    ['Mcp-Method missing', { 'Mcp-Method': null }, /Mcp-Method header is absent/],
    ['Mcp-Name missing on tools/call', { 'Mcp-Name': null }, /Mcp-Name header is absent/],
    ['Mcp-Name naming another tool', { 'Mcp-Name': 'add' }, /Mcp-Name header names "add"/],
    ['Mcp-Method naming another method', { 'Mcp-Method': 'tools/list' }, /Mcp-Method/],
  ] as const)('%s: 400, JSON-RPC -32020 with the id, and the event names the header', async (_what, headers, why) => {
    const body = call();
    const a = await modern(body, headers);
    expect(a.status, a.text).toBe(400);
    expect(a.json).toMatchObject({ jsonrpc: '2.0', id: body.id, error: { code: -32020 } });
    expect(a.json.error.message).toMatch(why);
    const e = await lastMcpEvent();
    expect(e).toMatchObject({ outcome: 'header-mismatch', era: 'modern', status: 400 });
    expect(e.reason).toMatch(why);
  });

  it('a header version that differs from the envelope is a mismatch too', async () => {
    const a = await modern(call(), { 'MCP-Protocol-Version': '2025-11-25' });
    expect(a.status).toBe(400);
    expect(a.json.error.code).toBe(-32020);
    expect(a.json.error.message).toMatch(/envelope names protocol version 2026-07-28 but the MCP-Protocol-Version header names 2025-11-25/);
    expect(await lastMcpEvent()).toMatchObject({ outcome: 'header-mismatch', era: 'modern' });
  });

  it('the headers agreeing, it is served; notifications are exempt (202)', async () => {
    expect((await modern(call())).status).toBe(200);
    const note = { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1, _meta: modernBody('x').params._meta } };
    const res = await fetch(s.mcpUrl, { method: 'POST', headers: { ...MCP_HEADERS, ...bearer(token), 'MCP-Protocol-Version': MODERN_VERSION, 'Mcp-Method': 'notifications/cancelled' }, body: JSON.stringify(note) });
    expect(res.status).toBe(202);
  });
});

describe('modern: 2026-07-28 only', () => {
  it('answers a 2025 initialize 400 with -32022 naming the versions it supports', async () => {
    await s.control.era('modern');
    const init = await legacy(initializeBody());
    expect(init.status).toBe(400);
    expect(init.json.error).toMatchObject({ code: -32022, data: { supported: [MODERN_VERSION], requested: '2025-06-18' } });
    expect(await lastMcpEvent()).toMatchObject({ outcome: 'unsupported-protocol-version', era: 'modern' });
    // And a claim-less tools/call the same way; a modern call is served.
    expect((await legacy(toolsCallBody('echo', { message: 'x' }))).json.error.code).toBe(-32022);
    expect(textOf((await modern(modernBody('tools/call', { name: 'echo', arguments: { message: 'still' } }))).json.result)).toBe('still');
  });
});

describe('legacy: the 2025 revisions only, as a pre-2026 server', () => {
  it('knows no 2026-07-28: server/discover with its header is 400 -32000; initialize works', async () => {
    await s.control.era('legacy');
    const probe = await modern(modernBody('server/discover'));
    expect(probe.status).toBe(400);
    expect(probe.json.error.code).toBe(-32000);
    expect(probe.json.error.message).toMatch(/Unsupported protocol version/);
    const bare = await legacy(rpcBody('server/discover'));
    expect(bare.json.error.code).toBe(-32601);
    expect((await legacy(initializeBody())).status).toBe(200);
    expect(whoami(await legacy(toolsCallBody('whoami', {})))).toMatchObject({ era: 'legacy' });
  });
});

describe('the era setting', () => {
  it('shows in /control/state on both servers, and a reset restores the startup era', async () => {
    await s.control.era('legacy');
    expect((await s.control.state()).switches.era).toBe('legacy');
    expect((await s.control.mcpState()).switches.era).toBe('legacy');
    await s.control.reset();
    expect((await s.control.mcpState()).switches.era).toBe('dual');
    token = (await obtainTokens(s.oauthUrl, { resource: s.mcpUrl })).tokens.access_token;
  });

  it('refuses a body naming no era (400, nothing changed), and only the MCP server serves it', async () => {
    const base = new URL(s.mcpUrl).origin;
    for (const body of ['{"era":"future"}', '{"era":1}', '{}', '{"era":"modern","x":1}', 'nope']) {
      const res = await answer(await fetch(`${base}/control/era`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }));
      expect(res.status, body).toBe(400);
      expect(res.json).toMatchObject({ error: 'invalid_request', error_description: expect.stringContaining('{"era":"modern"}') });
    }
    expect((await s.control.mcpState()).switches.era).toBe('dual');
    expect((await fetch(`${s.oauthUrl}/control/era`, { method: 'POST', body: '{"era":"modern"}', headers: { 'content-type': 'application/json' } })).status).toBe(404);
  });

  it('MCP_ERA sets the startup era (and what a reset returns to)', async () => {
    const other = await start({ mcpEra: 'modern' });
    try {
      const t = (await obtainTokens(other.oauthUrl, { resource: other.mcpUrl })).tokens.access_token;
      expect((await answer(await postMcp(other.mcpUrl, initializeBody(), bearer(t)))).json.error.code).toBe(-32022);
      await other.control.era('dual');
      await other.control.reset();
      expect((await other.control.mcpState()).switches.era).toBe('modern');
    } finally {
      await other.close();
    }
  });
});
