import autocannon from 'autocannon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServers, type RunningServers } from '../../src/server.js';
import { tokensFor } from './flow.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 24);
let s: RunningServers;
beforeAll(async () => {
  s = await startServers({ oauthPort: 0, mcpPort: 0 });
});
afterAll(() => s.close());

function run(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => autocannon(opts, (err, result) => (err ? reject(err) : resolve(result))));
}

describe('soak', () => {
  it(`${SECONDS} s at full speed across every endpoint: zero errors, RSS flat in the second half`, async () => {
    const t = await tokensFor(s.oauthUrl);
    const rs = `Basic ${Buffer.from(`${s.config.introspectionClientId}:${s.config.introspectionClientSecret}`).toString('base64')}`;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const mcpBase = s.mcpUrl.replace(/\/mcp$/, '');
    const rss: number[] = [];
    const sampler = setInterval(() => rss.push(process.memoryUsage().rss), 500);
    const [as, mcp] = await Promise.all([
      run({
        url: s.oauthUrl,
        connections: 8,
        duration: SECONDS,
        requests: [
          { method: 'GET', path: '/.well-known/oauth-authorization-server' },
          { method: 'POST', path: '/token', headers: form, body: `grant_type=refresh_token&refresh_token=${t.refresh_token}&client_id=${t.clientId}` },
          { method: 'POST', path: '/introspect', headers: { ...form, authorization: rs }, body: `token=${t.access_token}` },
          { method: 'POST', path: '/register', headers: { 'content-type': 'application/json' }, body: '{"redirect_uris":["http://127.0.0.1/cb"],"token_endpoint_auth_method":"none"}' },
          { method: 'GET', path: '/control/state' },
        ],
      }),
      run({
        url: mcpBase,
        connections: 8,
        duration: SECONDS,
        requests: [
          { method: 'GET', path: '/.well-known/oauth-protected-resource/mcp' },
          {
            method: 'POST',
            path: '/mcp',
            headers: { authorization: `Bearer ${t.access_token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
            body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: 'soak' } } }),
          },
        ],
      }),
    ]);
    clearInterval(sampler);
    const registrations = (await s.realm.store.countClients());
    console.log(`[soak] AS ${as.requests.total} requests (${Math.round(as.requests.average)}/s), MCP ${mcp.requests.total} (${Math.round(mcp.requests.average)}/s); ${registrations} clients registered; RSS ${(rss[0]! / 2 ** 20).toFixed(0)} → ${(rss.at(-1)! / 2 ** 20).toFixed(0)} MB`);
    for (const r of [as, mcp]) {
      expect(r.errors).toBe(0);
      expect(r.timeouts).toBe(0);
      expect(r.non2xx).toBe(0);
      expect(r.requests.total).toBeGreaterThan(100);
    }
    // Memory: the second half must not keep growing (the client registry is capped and swept by design).
    const half = rss.slice(Math.floor(rss.length / 2));
    const q = Math.max(1, Math.floor(half.length / 4));
    const early = Math.max(...half.slice(0, q));
    const late = Math.max(...half.slice(-q));
    expect(late - early).toBeLessThan(40 * 2 ** 20);
    // Still healthy.
    expect((await fetch(`${s.oauthUrl}/.well-known/oauth-authorization-server`)).status).toBe(200);
  }, (SECONDS + 30) * 1000);
});
