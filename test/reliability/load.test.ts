import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServers, type RunningServers } from '../../src/server.js';
import { obtainTokens, REDIRECT } from '../support/oauth.js';

/**
 * A fixed number of requests (not a duration) across every endpoint, as fast as the machine allows,
 * and only assertions that hold at any speed: every request answered (no connection error, no
 * timeout), each with exactly the status it must have, /register's cap reached and held. How fast
 * it goes and what memory does under sustained load are measured by `npm run bench` (the soak part).
 */
const CONNECTIONS = 8; // concurrent clients per server
const ROUNDS = 25; // each client sends its whole request list this many times
const MAX_CLIENTS = 25;
// Generous: an answer this late means something is stuck, not that the machine is busy.
const TIMEOUT_MS = 30_000;

let s: RunningServers;
beforeAll(async () => {
  s = await startServers({ oauthPort: 0, mcpPort: 0, maxClients: MAX_CLIENTS });
});
afterAll(() => s.close());

interface Req {
  name: string;
  url: string;
  init?: { method?: string; headers?: Record<string, string>; body?: string };
  /** Checks the answer's body beyond its status, when there is more to check. */
  body?: (text: string) => boolean;
}

interface Tally {
  statuses: Record<string, Record<number, number>>;
  bodyMismatches: string[];
  errors: string[];
  timeouts: number;
}

// node:http with keep-alive, one socket per client: about twice as cheap per request as fetch.
const agent = new http.Agent({ keepAlive: true, maxSockets: 2 * CONNECTIONS });
afterAll(() => agent.destroy());

class Timeout extends Error {}

function request(r: Req): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(r.url, { agent, method: r.init?.method ?? 'GET', headers: r.init?.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode!, text: Buffer.concat(chunks).toString() }));
    });
    req.setTimeout(TIMEOUT_MS, () => req.destroy(new Timeout()));
    req.on('error', reject);
    req.end(r.init?.body);
  });
}

async function send(r: Req, tally: Tally): Promise<void> {
  try {
    const res = await request(r);
    const byStatus = (tally.statuses[r.name] ??= {});
    byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
    if (res.status < 300 && r.body && !r.body(res.text)) tally.bodyMismatches.push(`${r.name}: ${res.text.slice(0, 200)}`);
  } catch (err) {
    if (err instanceof Timeout) tally.timeouts++;
    else tally.errors.push(`${r.name}: ${String(err)}`);
  }
}

/** CONNECTIONS clients, each sending `list` ROUNDS times in order, one request at a time. */
async function drive(list: Req[], tally: Tally): Promise<void> {
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      for (let round = 0; round < ROUNDS; round++) for (const r of list) await send(r, tally);
    }),
  );
}

describe('a fixed load across every endpoint', () => {
  it(`${CONNECTIONS} × ${ROUNDS} rounds of every endpoint: every request answered with exactly its status, the registry held at its cap`, async () => {
    const { clientId, tokens } = await obtainTokens(s.oauthUrl); // registers client 1 of MAX_CLIENTS
    const t = { ...tokens, clientId };
    const rsAuth = `Basic ${Buffer.from(`${s.config.introspectionClientId}:${s.config.introspectionClientSecret}`).toString('base64')}`;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const mcpBase = s.mcpUrl.replace(/\/mcp$/, '');
    const authorize = new URLSearchParams({ response_type: 'code', client_id: t.clientId, redirect_uri: REDIRECT, code_challenge: 'x'.repeat(43), code_challenge_method: 'S256', state: 's' });
    const mcpPost = (body: object) => ({
      method: 'POST',
      headers: { authorization: `Bearer ${t.access_token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify(body),
    });
    const as: Req[] = [
      { name: 'GET AS metadata', url: `${s.oauthUrl}/.well-known/oauth-authorization-server`, body: (b) => b.includes(`"issuer":"${s.oauthUrl}"`) },
      { name: 'GET /authorize', url: `${s.oauthUrl}/authorize?${authorize}` },
      { name: 'POST /token refresh', url: `${s.oauthUrl}/token`, init: { method: 'POST', headers: form, body: `grant_type=refresh_token&refresh_token=${t.refresh_token}&client_id=${t.clientId}` }, body: (b) => b.includes('"access_token"') },
      { name: 'POST /introspect', url: `${s.oauthUrl}/introspect`, init: { method: 'POST', headers: { ...form, authorization: rsAuth }, body: `token=${t.access_token}` }, body: (b) => b.includes('"active":true') },
      { name: 'POST /revoke', url: `${s.oauthUrl}/revoke`, init: { method: 'POST', headers: form, body: `token=at_unknown&client_id=${t.clientId}` } },
      { name: 'POST /register', url: `${s.oauthUrl}/register`, init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' }) } },
      { name: 'GET /control/state', url: `${s.oauthUrl}/control/state` },
    ];
    const mcp: Req[] = [
      { name: 'GET resource metadata', url: `${mcpBase}/.well-known/oauth-protected-resource/mcp` },
      { name: 'POST /mcp tools/list', url: s.mcpUrl, init: mcpPost({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), body: (b) => b.includes('"echo"') },
      { name: 'POST /mcp tools/call', url: s.mcpUrl, init: mcpPost({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { message: 'load' } } }), body: (b) => b.includes('"text":"load"') },
    ];
    const tally: Tally = { statuses: {}, bodyMismatches: [], errors: [], timeouts: 0 };
    const started = performance.now();
    await Promise.all([drive(as, tally), drive(mcp, tally)]);
    const n = CONNECTIONS * ROUNDS;
    console.log(`[load] ${n * (as.length + mcp.length)} requests in ${Math.round(performance.now() - started)} ms`);

    expect(tally.errors).toEqual([]);
    expect(tally.timeouts).toBe(0);
    expect(tally.bodyMismatches).toEqual([]);
    // Exactly: every request counted once, under its one right status. Registration fills the registry
    // (one client was registered above) and is then refused with 429, every time.
    expect(tally.statuses).toEqual({
      'GET AS metadata': { 200: n },
      'GET /authorize': { 302: n },
      'POST /token refresh': { 200: n },
      'POST /introspect': { 200: n },
      'POST /revoke': { 200: n },
      'POST /register': { 201: MAX_CLIENTS - 1, 429: n - (MAX_CLIENTS - 1) },
      'GET /control/state': { 200: n },
      'GET resource metadata': { 200: n },
      'POST /mcp tools/list': { 200: n },
      'POST /mcp tools/call': { 200: n },
    });

    // The registry stays at its cap, and the server is healthy afterwards.
    const state = await s.control.state();
    expect(state.live.clients).toBe(MAX_CLIENTS);
    expect(state.counters).toMatchObject({ registrations: n + 1, tokenCalls: n + 1, authorizeCalls: n + 1, revocations: n, toolCalls: n });
    expect((await fetch(`${s.oauthUrl}/.well-known/oauth-authorization-server`)).status).toBe(200);
    const again = await fetch(s.mcpUrl, mcpPost({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo', arguments: { message: 'after' } } }));
    expect(await again.text()).toContain('"text":"after"');
    const refused = await fetch(`${s.oauthUrl}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: [REDIRECT] }) });
    expect(refused.status).toBe(429);
  }, 120_000);
});
