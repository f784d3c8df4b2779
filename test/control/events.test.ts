import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerEvent } from '../../src/events.js';
import type { RunningServers } from '../../src/server.js';
import { rsBase, start } from '../support/servers.js';
import { ctl, get, post } from '../support/control.js';
import { obtainTokens, refreshGrant, register, tokenRequest } from '../support/oauth.js';
import { callTool } from '../support/mcp.js';

const SEED = 'seed-secret-refresh-token-abcdefghijklmnop';
let s: RunningServers;
let as: string;
let rs: string;
const lines: string[] = [];

beforeAll(async () => {
  s = await start({ seedRefreshToken: SEED, log: (l) => lines.push(l) });
  as = s.oauthUrl;
  rs = rsBase(s);
});
afterAll(() => s?.close());

const eventsSince = async (base: string, since: number): Promise<{ events: ServerEvent[]; lastId: number }> => {
  const res = await get(base, `/control/events?since=${since}`);
  expect(res.status).toBe(200);
  return res.json;
};
const lastId = async () => (await eventsSince(as, 0)).lastId;

describe('events', () => {
  it('every request and every control change becomes an event, in order, on either server', async () => {
    const since = await lastId();
    await get(as, '/.well-known/oauth-authorization-server');
    const { clientId, tokens } = await obtainTokens(as);
    await post(as, '/control/rotate', '{"on":true}');
    await refreshGrant(as, clientId, tokens.refresh_token!);
    await callTool(s.mcpUrl, tokens.access_token, 'add', { a: 1, b: 2 });
    await post(rs, '/control/force-403', '{"on":true}');
    await post(as, '/control/rotate', '{"on":false}');
    await post(rs, '/control/reset');

    const { events, lastId: last } = await eventsSince(as, since);
    const ids = events.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids[0]).toBe(since + 1);
    expect(last).toBe(ids.at(-1));
    const summary = events.map((e) => [e.server, e.type, e.method, e.path, e.outcome, (e.type === 'request' && e.endpoint === 'token' ? e.grant : undefined) ?? (e.type === 'request' && e.endpoint === 'mcp' ? e.tool : undefined) ?? '']);
    expect(summary).toEqual([
      ['oauth', 'request', 'GET', '/.well-known/oauth-authorization-server', 'ok', ''],
      ['oauth', 'request', 'POST', '/register', 'ok', ''],
      ['oauth', 'request', 'GET', '/authorize', 'ok', ''],
      ['oauth', 'request', 'POST', '/token', 'ok', 'authorization_code'],
      ['oauth', 'control', 'POST', '/control/rotate', 'on', ''],
      ['oauth', 'request', 'POST', '/token', 'ok', 'refresh_token'],
      ['oauth', 'request', 'POST', '/introspect', 'active', ''],
      ['mcp', 'request', 'POST', '/mcp', 'ok', 'add'],
      ['mcp', 'control', 'POST', '/control/force-403', 'on', ''],
      ['oauth', 'control', 'POST', '/control/rotate', 'off', ''],
      ['mcp', 'control', 'POST', '/control/reset', 'reset', ''],
    ]);
    const mcp = events.find((e) => e.path === '/mcp')!;
    expect(mcp).toMatchObject({ status: 200, rpcMethod: 'tools/call', tool: 'add', clientId });
    expect(typeof mcp.ms).toBe('number');
    // The MCP server's control plane shows the same (shared) log.
    expect((await eventsSince(rs, since)).events.map((e) => e.id)).toEqual(ids);
  });

  it('errors, faults and rejected control calls are events too; since= returns only newer ones', async () => {
    const since = await lastId();
    await post(as, '/control/invalid-grant', '{"on":true}');
    const { clientId, tokens } = await obtainTokens(as);
    await refreshGrant(as, clientId, tokens.refresh_token!);
    await post(as, '/control/invalid-grant', '{"on":false}');
    await post(as, '/control/expires-in', '{"seconds":0}');
    await callTool(s.mcpUrl, 'not-a-live-token');
    await post(as, '/control/faults', '{"endpoint":"revoke","effect":{"kind":"drop"},"times":3,"id":"d1"}');
    await ctl('DELETE', as, '/control/faults/d1');
    const { events } = await eventsSince(as, since);
    expect(events.filter((e) => e.type === 'control' && e.path.startsWith('/control/faults')).map((e) => [e.method, e.status, e.outcome, e.reason])).toEqual([
      ['POST', 201, 'added d1', 'revoke drop ×3'],
      ['DELETE', 200, 'removed d1', undefined],
    ]);
    const refusal = events.find((e) => e.type === 'request' && e.endpoint === 'token' && e.grant === 'refresh_token')!;
    expect(refusal).toMatchObject({ path: '/token', status: 400, outcome: 'invalid_grant', fault: 'invalid-grant' });
    expect(events.find((e) => e.path === '/control/expires-in')).toMatchObject({ type: 'request', status: 400 });
    expect(events.filter((e) => e.path === '/mcp').map((e) => [e.status, e.outcome])).toEqual([[401, 'invalid_token']]);

    const tail = await eventsSince(as, refusal.id);
    expect(tail.events[0]!.id).toBe(refusal.id + 1);
    expect((await eventsSince(as, tail.lastId)).events).toEqual([]);
  });

  it('no full secret appears anywhere in events, state, faults or console lines', async () => {
    const confidential = await post(as, '/register', JSON.stringify({ redirect_uris: ['http://127.0.0.1:1/cb'], token_endpoint_auth_method: 'client_secret_post' }));
    const clientSecret = confidential.json.client_secret as string;
    expect(clientSecret).toBeTruthy();
    await post(as, '/control/rotate', '{"on":true}');
    const { clientId, tokens } = await obtainTokens(as);
    const rotated = await refreshGrant(as, clientId, tokens.refresh_token!);
    await refreshGrant(as, clientId, tokens.refresh_token!); // reuse: revokes the family
    const seeded = 'control-seeded-refresh-token-xyz';
    await post(as, '/control/seed-refresh', JSON.stringify({ token: seeded }));
    const fromSeed = await refreshGrant(as, clientId, SEED);
    await callTool(s.mcpUrl, fromSeed.json.access_token, 'whoami', {});
    await callTool(s.mcpUrl, tokens.access_token);
    await get(as, `/introspect?token=${fromSeed.json.access_token}`);
    await tokenRequest(as, { grant_type: 'refresh_token', refresh_token: seeded, client_id: confidential.json.client_id, client_secret: clientSecret });
    await fetch(`${as}/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: fromSeed.json.refresh_token, client_id: clientId }) });
    await post(as, '/control/rotate', '{"on":false}');
    const last = 'last-seeded-refresh-token-0123';
    await post(as, '/control/seed-refresh', JSON.stringify({ token: last }));

    const secrets = [last, clientSecret, tokens.access_token, tokens.refresh_token!, rotated.json.access_token, rotated.json.refresh_token, seeded, SEED, fromSeed.json.access_token, fromSeed.json.refresh_token];
    expect(secrets.every((x) => typeof x === 'string' && x.length > 12)).toBe(true);
    const dumps = [
      (await get(as, '/control/events?since=0')).text,
      (await get(rs, '/control/events?since=0')).text,
      (await get(as, '/control/state')).text,
      (await get(rs, '/control/state')).text,
      (await get(as, '/control/faults')).text,
      lines.join('\n'),
    ];
    for (const dump of dumps) for (const secret of secrets) expect(dump.includes(secret), `${secret.slice(0, 6)}… leaked`).toBe(false);
    // Abbreviated forms are there to recognise tokens by.
    const state = JSON.parse(dumps[2]!) as { refreshTokens: Array<{ token: string }> };
    expect(state.refreshTokens.map((r) => r.token)).toContain(`${last.slice(0, 6)}…${last.slice(-4)}`);
    for (const r of state.refreshTokens) expect(r.token).toMatch(/^.{6}….{4}$/);
  });

  it('console lines: [oauth]/[mcp] prefix, method, path, grant/tool, outcome, status, ms', async () => {
    lines.length = 0;
    const { clientId, tokens } = await obtainTokens(as);
    await refreshGrant(as, clientId, tokens.refresh_token!);
    await post(as, '/control/invalid-grant', '{"on":true}');
    await refreshGrant(as, clientId, tokens.refresh_token!);
    await post(as, '/control/invalid-grant', '{"on":false}');
    await callTool(s.mcpUrl, tokens.access_token, 'echo', { message: 'x' });
    await callTool(s.mcpUrl, undefined);
    await get(as, '/control/state'); // reads are not events
    expect(lines).toEqual([
      expect.stringMatching(/^\[oauth\] POST \/register → ok 201 \d+ms$/),
      expect.stringMatching(/^\[oauth\] GET \/authorize → ok 302 \d+ms scope="mcp:read mcp:write"$/),
      expect.stringMatching(/^\[oauth\] POST \/token authorization_code → ok 200 \d+ms$/),
      expect.stringMatching(/^\[oauth\] POST \/token refresh_token → ok 200 \d+ms$/),
      '[oauth] control POST /control/invalid-grant → on',
      // A refusal says why, in the words of its error_description.
      expect.stringMatching(/^\[oauth\] POST \/token refresh_token → invalid_grant 400 \d+ms fault=invalid-grant — the refresh token is no longer valid \(invalid-grant switch is on\)$/),
      '[oauth] control POST /control/invalid-grant → off',
      expect.stringMatching(/^\[oauth\] POST \/introspect → active 200 \d+ms$/),
      expect.stringMatching(/^\[mcp\] POST \/mcp tools\/call echo → ok 200 \d+ms$/),
      // A refused call still names what it tried.
      expect.stringMatching(/^\[mcp\] POST \/mcp tools\/call echo → unauthorized 401 \d+ms$/),
    ]);
  });
});

describe('ring buffer', () => {
  let small: RunningServers;
  beforeAll(async () => {
    small = await start({ eventCapacity: 10 });
  });
  afterAll(() => small?.close());

  it('keeps only the newest eventCapacity events, ids still counting up', async () => {
    for (let i = 0; i < 25; i++) await get(small.oauthUrl, '/.well-known/oauth-authorization-server');
    await ctl('POST', small.oauthUrl, '/control/rotate', '{"on":true}');
    const all = await eventsSince(small.oauthUrl, 0);
    expect(all.lastId).toBe(26);
    expect(all.events.map((e) => e.id)).toEqual([17, 18, 19, 20, 21, 22, 23, 24, 25, 26]);
    expect(all.events.at(-1)).toMatchObject({ type: 'control', outcome: 'on' });
    expect((await eventsSince(small.oauthUrl, 23)).events.map((e) => e.id)).toEqual([24, 25, 26]);
    expect((await eventsSince(small.oauthUrl, 3)).events).toHaveLength(10);
    await register(small.oauthUrl);
    expect((await eventsSince(small.oauthUrl, 0)).events.map((e) => e.id)).toEqual([18, 19, 20, 21, 22, 23, 24, 25, 26, 27]);
  });
});
