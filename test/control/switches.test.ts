import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { rsBase, start } from '../support/servers.js';
import { get, post } from '../support/control.js';
import { introspectByQuery, obtainTokens, refreshGrant, register, visitAuthorize } from '../support/oauth.js';
import { pkce } from '../support/pkce.js';
import { callTool, rpc } from '../support/mcp.js';

const SEED = 'seed-refresh-token-from-env-0123456789';
let s: RunningServers;
let as: string;
let rs: string;

beforeAll(async () => {
  s = await start({ seedRefreshToken: SEED });
  as = s.oauthUrl;
  rs = rsBase(s);
});
afterAll(() => s?.close());
beforeEach(async () => {
  await post(rs, '/control/reset');
  await post(as, '/control/reset');
});

describe('contract switches over raw HTTP (exact paths and JSON bodies)', () => {
  it('rotate {"on":true} answers the state; each refresh then returns a new refresh token and retires the old one', async () => {
    const on = await post(as, '/control/rotate', '{"on":true}');
    expect(on.status).toBe(200);
    expect(on.headers.get('content-type')).toMatch(/application\/json/);
    expect(on.json.switches.rotate).toBe(true);

    const { clientId, tokens } = await obtainTokens(as);
    const r1 = await refreshGrant(as, clientId, tokens.refresh_token!);
    expect(r1.status).toBe(200);
    expect(r1.json.refresh_token).toBeDefined();
    expect(r1.json.refresh_token).not.toBe(tokens.refresh_token);
    const reuse = await refreshGrant(as, clientId, tokens.refresh_token!);
    expect([reuse.status, reuse.json.error]).toEqual([400, 'invalid_grant']);

    const off = await post(as, '/control/rotate', '{"on":false}');
    expect(off.json.switches.rotate).toBe(false);
    const again = await obtainTokens(as);
    const r2 = await refreshGrant(as, again.clientId, again.tokens.refresh_token!);
    expect(r2.json.refresh_token).toBe(again.tokens.refresh_token);
  });

  it('expires-in {"seconds":5} sets the TTL (and expires_in) of tokens issued from then on only', async () => {
    const before = await obtainTokens(as);
    expect(before.tokens.expires_in).toBe(3600);
    const res = await post(as, '/control/expires-in', '{"seconds":5}');
    expect(res.status).toBe(200);
    expect(res.json.switches['expires-in']).toBe(5);
    const after = await obtainTokens(as);
    expect(after.tokens.expires_in).toBe(5);
    const refreshed = await refreshGrant(as, after.clientId, after.tokens.refresh_token!);
    expect(refreshed.json.expires_in).toBe(5);

    await post(as, '/control/clock', '{"advance":6}');
    expect((await introspectByQuery(as, after.tokens.access_token)).active).toBe(false);
    expect((await introspectByQuery(as, before.tokens.access_token)).active).toBe(true);
  });

  it('revoke-access (no body) makes the next MCP call 401 invalid_token; refresh tokens survive', async () => {
    const { clientId, tokens } = await obtainTokens(as);
    expect((await callTool(s.mcpUrl, tokens.access_token)).status).toBe(200);
    const res = await post(as, '/control/revoke-access');
    expect(res.status).toBe(200);
    expect(res.json.live.accessTokens).toBe(0);
    expect(res.json.live.refreshTokens).toBeGreaterThanOrEqual(1);
    const call = await callTool(s.mcpUrl, tokens.access_token);
    expect(call.status).toBe(401);
    expect(call.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
    const refreshed = await refreshGrant(as, clientId, tokens.refresh_token!);
    expect(refreshed.status).toBe(200);
    expect((await callTool(s.mcpUrl, refreshed.json.access_token)).status).toBe(200);
  });

  it('invalid-grant {"on":true} makes refresh grants 400 invalid_grant (code exchange unaffected); off restores', async () => {
    const on = await post(as, '/control/invalid-grant', '{"on":true}');
    expect(on.json.switches['invalid-grant']).toBe(true);
    const { clientId, tokens } = await obtainTokens(as);
    const refused = await refreshGrant(as, clientId, tokens.refresh_token!);
    expect(refused.status).toBe(400);
    expect(refused.json.error).toBe('invalid_grant');
    expect(refused.headers.get('cache-control')).toBe('no-store');

    const off = await post(as, '/control/invalid-grant', '{"on":false}');
    expect(off.json.switches['invalid-grant']).toBe(false);
    expect((await refreshGrant(as, clientId, tokens.refresh_token!)).status).toBe(200);
  });

  it('deny-consent {"on":true} makes /authorize redirect with error=access_denied plus state and iss', async () => {
    const on = await post(as, '/control/deny-consent', '{"on":true}');
    expect(on.json.switches['deny-consent']).toBe(true);
    const { client_id } = await register(as);
    const denied = await visitAuthorize(as, client_id, pkce().challenge, { state: 'st-42' });
    expect(denied.status).toBe(302);
    const q = denied.location!.searchParams;
    expect(q.get('error')).toBe('access_denied');
    expect(q.get('state')).toBe('st-42');
    expect(q.get('iss')).toBe(as);
    expect(q.get('code')).toBeNull();

    await post(as, '/control/deny-consent', '{"on":false}');
    const granted = await visitAuthorize(as, client_id, pkce().challenge);
    expect(granted.location!.searchParams.get('code')).toBeTruthy();
  });

  it('seed-refresh {"token":"…"} marks a refresh token valid for any client', async () => {
    const token = 'my-own-seeded-refresh-token-42';
    const { client_id } = await register(as);
    expect((await refreshGrant(as, client_id, token)).json.error).toBe('invalid_grant');
    const res = await post(as, '/control/seed-refresh', JSON.stringify({ token }));
    expect(res.status).toBe(200);
    expect(res.text).not.toContain(token);
    expect(res.json.refreshTokens.some((r: { token: string }) => token.startsWith(r.token.split('…')[0]!))).toBe(true);
    const ok = await refreshGrant(as, client_id, token);
    expect(ok.status).toBe(200);
    expect((await callTool(s.mcpUrl, ok.json.access_token)).status).toBe(200);
  });

  it('reset returns to the startup state: clients, tokens, switches cleared; SEED_REFRESH_TOKEN valid again', async () => {
    await post(as, '/control/rotate', '{"on":true}');
    await post(as, '/control/expires-in', '{"seconds":5}');
    await post(as, '/control/invalid-grant', '{"on":true}');
    await post(as, '/control/deny-consent', '{"on":true}');
    await post(as, '/control/clock', '{"advance":100}');
    const { client_id } = await register(as);
    // The seed dies on its first use under rotation.
    await post(as, '/control/invalid-grant', '{"on":false}');
    expect((await refreshGrant(as, client_id, SEED)).status).toBe(200);
    expect((await refreshGrant(as, client_id, SEED)).json.error).toBe('invalid_grant');

    const res = await post(as, '/control/reset');
    expect(res.status).toBe(200);
    expect(res.json.switches).toEqual({ rotate: false, 'expires-in': 3600, 'invalid-grant': false, 'deny-consent': false, consent: 'auto', 'force-403': false, 'step-up': false, era: 'dual' });
    expect(res.json.live).toEqual({ clients: 0, codes: 0, accessTokens: 0, refreshTokens: 1 });
    expect(res.json.counters.tokenCalls).toBe(0);
    expect(res.json.clock.offsetSeconds).toBe(0);
    expect(res.json.faults).toEqual([]);
    // The old client is gone; the seed works again for a new one.
    expect((await visitAuthorize(as, client_id, pkce().challenge)).status).toBe(400);
    const fresh = await register(as);
    expect((await refreshGrant(as, fresh.client_id, SEED)).status).toBe(200);
  });

  it('force-403 {"on":true} on the MCP server makes tools/call 403 insufficient_scope; other methods pass; reset clears it', async () => {
    const { tokens } = await obtainTokens(as);
    const on = await post(rs, '/control/force-403', '{"on":true}');
    expect(on.status).toBe(200);
    expect(on.json.server).toBe('mcp');
    expect(on.json.switches['force-403']).toBe(true);
    const call = await callTool(s.mcpUrl, tokens.access_token);
    expect(call.status).toBe(403);
    expect(call.json.error).toBe('insufficient_scope');
    expect(call.headers.get('www-authenticate')).toMatch(/^Bearer error="insufficient_scope".*scope=".+".*resource_metadata="/);
    expect((await rpc(s.mcpUrl, tokens.access_token, 'tools/list')).status).toBe(200);

    const reset = await post(rs, '/control/reset');
    expect(reset.json.switches['force-403']).toBe(false);
    // Reset at either port resets the whole shared realm: the old token went with it.
    expect((await callTool(s.mcpUrl, tokens.access_token)).status).toBe(401);
    expect((await callTool(s.mcpUrl, (await obtainTokens(as)).tokens.access_token)).status).toBe(200);
    expect((await post(rs, '/control/force-403', '{"on":false}')).json.switches['force-403']).toBe(false);
  });

  it('GET /control/state: switches, counters, live tokens and clients, abbreviated refresh tokens', async () => {
    const { clientId, tokens } = await obtainTokens(as);
    await refreshGrant(as, clientId, tokens.refresh_token!);
    await callTool(s.mcpUrl, tokens.access_token);
    const st = await get(as, '/control/state');
    expect(st.status).toBe(200);
    expect(st.json.server).toBe('oauth');
    expect(Object.keys(st.json.switches).sort()).toEqual(['consent', 'deny-consent', 'expires-in', 'force-403', 'invalid-grant', 'rotate', 'step-up'].concat('era').sort());
    expect(st.json.counters).toMatchObject({
      tokenCalls: 2,
      tokenCallsByGrant: { authorization_code: 1, refresh_token: 1 },
      refreshes: 1,
      registrations: 1,
      introspections: 1,
    });
    expect(st.json.live).toMatchObject({ clients: 1, accessTokens: 2, refreshTokens: 2 });
    const mine = st.json.refreshTokens.find((r: { clientId: string }) => r.clientId === clientId);
    expect(mine.token).toMatch(/^rt_.{3}….{4}$/);
    expect(st.text).not.toContain(tokens.refresh_token);
    expect(st.text).not.toContain(tokens.access_token);
    expect(st.text).not.toContain(SEED);

    const rsState = await get(rs, '/control/state');
    expect(rsState.json.server).toBe('mcp');
    expect(rsState.json.counters.toolCalls).toBe(1);
  });
});
