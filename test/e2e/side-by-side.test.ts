import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServers, type RunningServers } from '../../src/server.js';
import { connectWithConsent } from '../../src/testing/connect.js';
import { textOf } from '../support/mcp.js';

let a: RunningServers;
let b: RunningServers;
beforeAll(async () => {
  [a, b] = await Promise.all([startServers({ oauthPort: 0, mcpPort: 0 }), startServers({ oauthPort: 0, mcpPort: 0, scopes: 'only:b' })]);
});
afterAll(() => Promise.all([a.close(), b.close()]));

describe('two instances in one process', () => {
  it('bind their own ports and derive their own URLs', () => {
    expect(new Set([a.oauthUrl, a.mcpUrl, b.oauthUrl, b.mcpUrl]).size).toBe(4);
    expect(a.mcpUrl).toBe(`http://localhost:${a.ports.mcp}/mcp`);
  });

  it('never share clients, tokens, switches or events', async () => {
    const ca = await connectWithConsent(a.mcpUrl);
    const cb = await connectWithConsent(b.mcpUrl);
    expect(textOf(await ca.client.callTool({ name: 'echo', arguments: { message: 'a' } }))).toBe('a');
    expect(JSON.parse(textOf(await cb.client.callTool({ name: 'whoami', arguments: {} }))).scope).toBe('only:b');

    // A's token means nothing to B.
    const tokenA = ca.provider.savedTokens!.access_token;
    const res = await fetch(b.mcpUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenA}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(res.status).toBe(401);

    await a.control.force403(true);
    await a.control.rotate(true);
    const sb = await b.control.state();
    expect(sb.switches['force-403']).toBe(false);
    expect(sb.switches.rotate).toBe(false);
    expect(sb.live.clients).toBe(1);
    expect((await a.control.state()).live.clients).toBe(1);
    expect(textOf(await cb.client.callTool({ name: 'echo', arguments: { message: 'b' } }))).toBe('b');
    const eventsB = (await b.control.events()).events;
    expect(eventsB.some((e) => e.path === '/control/force-403')).toBe(false);
    await Promise.all([ca.client.close(), cb.client.close()]);
  });
});
