import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServers, StartOptions } from '../../src/server.js';
import { MAX_TOMBSTONES, TOMBSTONE_TTL_MS } from '../../src/store/store.js';
import { get, post } from '../support/control.js';
import { callTool } from '../support/mcp.js';
import { authorize, codeGrantParams, obtainTokens, refreshGrant, register, tokenRequest } from '../support/oauth.js';
import { start } from '../support/servers.js';
import { snapshot } from '../support/snapshot.js';
import { bearerChallenge } from '../support/www-authenticate.js';

/**
 * Issue 11, item 3: an expired code or token says "expired", with when and by how much, also after
 * POST /control/clock moved far past its expiry (the sweep has forgotten the record by then: its
 * tombstone answers). Then, past the documented bounds, it is "unknown" like one never issued.
 */
let s: RunningServers | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});
const serve = async (o: StartOptions = {}) => (s = await start(o));

/** The realm clock over the control plane, ms. */
const clockNow = async (srv: RunningServers) => Date.parse((await get(srv.oauthUrl, '/control/clock')).json.now as string);
const advance = async (srv: RunningServers, seconds: number) => expect((await post(srv.oauthUrl, '/control/clock', JSON.stringify({ advance: seconds }))).status).toBe(200);

/**
 * Reads "expired at <ISO> (<N> s ago)" and checks both against the clock: the instant is the record's
 * expiry (between `issued` bounds + ttl), N is how long before the answer, read between `asked` bounds.
 */
function expectExpiredAt(text: string, expiry: [number, number], asked: [number, number]): void {
  const m = /expired at (\S+) \((\d+) s ago\)/.exec(text);
  expect(m, text).not.toBeNull();
  const at = Date.parse(m![1]!);
  expect(at).toBeGreaterThanOrEqual(expiry[0]);
  expect(at).toBeLessThanOrEqual(expiry[1]);
  const ago = Number(m![2]);
  expect(ago).toBeGreaterThanOrEqual(Math.floor((asked[0] - at) / 1000));
  expect(ago).toBeLessThanOrEqual(Math.floor((asked[1] - at) / 1000));
}

describe('expired says expired, after the clock moved far past it', () => {
  it('an authorization code: /token answers invalid_grant "authorization code expired at T (N s ago)", and the rejection changes nothing', async () => {
    const srv = await serve();
    const { client_id } = await register(srv.oauthUrl);
    const t0 = await clockNow(srv);
    const a = await authorize(srv.oauthUrl, client_id);
    const t1 = await clockNow(srv);
    await advance(srv, 3600);
    // Swept by the advance: only its tombstone is left.
    expect(await srv.realm.store.find('code', a.code)).toBeUndefined();
    const before = await snapshot(srv.realm);
    const tomb = await srv.realm.store.tombstone('code', a.code);
    const asked0 = await clockNow(srv);
    const res = await tokenRequest(srv.oauthUrl, codeGrantParams(client_id, a));
    const asked1 = await clockNow(srv);
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('invalid_grant');
    expect(res.json.error_description).toMatch(/^authorization code expired at \S+ \(\d+ s ago\); codes live 60 s$/);
    const ttl = srv.realm.policy.codeTtlSeconds * 1000;
    expectExpiredAt(res.json.error_description, [t0 + ttl, t1 + ttl], [asked0, asked1]);
    expect(Number(/\((\d+) s ago/.exec(res.json.error_description)![1])).toBeGreaterThanOrEqual(3600 - srv.realm.policy.codeTtlSeconds);
    expect(await snapshot(srv.realm)).toEqual(before);
    expect(await srv.realm.store.tombstone('code', a.code)).toEqual(tomb);
    const { events } = await srv.control.events();
    expect(events.filter((e) => e.type === 'request' && e.endpoint === 'token').at(-1)).toMatchObject({ outcome: 'invalid_grant', reason: res.json.error_description });
  });

  it('a redeemed code presented after its expiry says it was used, then expired', async () => {
    const srv = await serve();
    const { client_id } = await register(srv.oauthUrl);
    const a = await authorize(srv.oauthUrl, client_id);
    expect((await tokenRequest(srv.oauthUrl, codeGrantParams(client_id, a))).status).toBe(200);
    await advance(srv, 600);
    const res = await tokenRequest(srv.oauthUrl, codeGrantParams(client_id, a));
    expect(res.json.error_description).toMatch(/^authorization code was used at \S+ and expired at \S+ \(\d+ s ago\); codes live 60 s$/);
  });

  it('an unswept expired code says the same', async () => {
    const srv = await serve();
    const { client_id } = await register(srv.oauthUrl);
    const a = await authorize(srv.oauthUrl, client_id);
    // Moved by the realm clock without its advance listeners: nothing swept.
    const r = (await srv.realm.store.find('code', a.code))!;
    await srv.realm.store.upsert('code', a.code, { ...r, expiresAt: srv.realm.clock.now() - 5000 });
    const res = await tokenRequest(srv.oauthUrl, codeGrantParams(client_id, a));
    expect(res.json.error_description).toMatch(/^authorization code expired at \S+ \([5-9] s ago\); codes live 60 s$/);
  });

  it('a refresh token: invalid_grant "refresh token expired at T (N s ago)"', async () => {
    const srv = await serve({ refreshTokenTtlSeconds: 120, tokenTtlSeconds: 60 });
    const t0 = await clockNow(srv);
    const { clientId, tokens } = await obtainTokens(srv.oauthUrl, { resource: srv.mcpUrl });
    const t1 = await clockNow(srv);
    await advance(srv, 7200);
    expect(await srv.realm.store.find('refresh', tokens.refresh_token!)).toBeUndefined();
    const asked0 = await clockNow(srv);
    const res = await refreshGrant(srv.oauthUrl, clientId, tokens.refresh_token!);
    const asked1 = await clockNow(srv);
    expect([res.status, res.json.error]).toEqual([400, 'invalid_grant']);
    expect(res.json.error_description).toMatch(/^refresh token expired at \S+ \(\d+ s ago\)$/);
    expectExpiredAt(res.json.error_description, [t0 + 120_000, t1 + 120_000], [asked0, asked1]);
  });

  it('an access token at /mcp: 401 invalid_token "access token expired at T (N s ago)"', async () => {
    const srv = await serve({ tokenTtlSeconds: 60 });
    const t0 = await clockNow(srv);
    const { tokens } = await obtainTokens(srv.oauthUrl, { resource: srv.mcpUrl });
    const t1 = await clockNow(srv);
    expect((await callTool(srv.mcpUrl, tokens.access_token)).status).toBe(200);
    await advance(srv, 86_000);
    const asked0 = await clockNow(srv);
    const res = await callTool(srv.mcpUrl, tokens.access_token);
    const asked1 = await clockNow(srv);
    expect(res.status).toBe(401);
    const p = bearerChallenge(new Response(null, { headers: res.headers }));
    expect(p.error).toBe('invalid_token');
    expect(p.error_description).toMatch(/^access token expired at \S+ \(\d+ s ago\)$/);
    expectExpiredAt(p.error_description!, [t0 + 60_000, t1 + 60_000], [asked0, asked1]);
  });

  it(`past TOMBSTONE_TTL_MS (${TOMBSTONE_TTL_MS / 3600_000} h) after its expiry, each is unknown, as one never issued`, async () => {
    const srv = await serve({ tokenTtlSeconds: 60, refreshTokenTtlSeconds: 120 });
    const { clientId, tokens } = await obtainTokens(srv.oauthUrl, { resource: srv.mcpUrl });
    const { client_id } = await register(srv.oauthUrl);
    const a = await authorize(srv.oauthUrl, client_id);
    await advance(srv, 3600);
    expect((await tokenRequest(srv.oauthUrl, codeGrantParams(client_id, a))).json.error_description).toMatch(/^authorization code expired/);
    await advance(srv, TOMBSTONE_TTL_MS / 1000);
    const code = await tokenRequest(srv.oauthUrl, codeGrantParams(client_id, a));
    expect(code.json.error_description).toMatch(/^authorization code is unknown: never issued here, or forgotten since \(a reset; dead ones are remembered 24 h, at most 10000 of each kind\)$/);
    expect((await refreshGrant(srv.oauthUrl, clientId, tokens.refresh_token!)).json.error_description).toMatch(/^refresh token is unknown/);
    const mcp = bearerChallenge(new Response(null, { headers: (await callTool(srv.mcpUrl, tokens.access_token)).headers }));
    expect(mcp.error_description).toMatch(/^token is unknown/);
  });
});

describe('tombstones are bounded in count', () => {
  it(`revoke-access over ${MAX_TOMBSTONES + 1} tokens: the newest ${MAX_TOMBSTONES} say why, the oldest is unknown`, async () => {
    const srv = await serve();
    const { tokens } = await obtainTokens(srv.oauthUrl, { resource: srv.mcpUrl });
    // Straight into the store: MAX_TOMBSTONES more live access tokens after the real one.
    const r = (await srv.realm.store.find('access', tokens.access_token))!;
    for (let i = 0; i < MAX_TOMBSTONES; i++) await srv.realm.store.upsert('access', `at_filler_${i}`, { ...r, grantId: `filler-${i}` });
    const res = await post(srv.oauthUrl, '/control/revoke-access');
    expect(res.status).toBe(200);
    expect(await srv.realm.store.list('access')).toEqual([]);
    const oldest = bearerChallenge(new Response(null, { headers: (await callTool(srv.mcpUrl, tokens.access_token)).headers }));
    expect(oldest.error_description).toMatch(/^token is unknown/);
    const newest = bearerChallenge(new Response(null, { headers: (await callTool(srv.mcpUrl, `at_filler_${MAX_TOMBSTONES - 1}`)).headers }));
    expect(newest.error_description).toMatch(/^access token was revoked at .* by the revoke-access switch/);
    let kept = 0;
    for (let i = 0; i < MAX_TOMBSTONES; i++) if (await srv.realm.store.tombstone('access', `at_filler_${i}`)) kept++;
    expect(kept).toBe(MAX_TOMBSTONES);
    expect(await srv.realm.store.tombstone('access', tokens.access_token)).toBeUndefined();
  });

  it('POST /control/reset forgets every tombstone: what was revoked is unknown afterwards', async () => {
    const srv = await serve();
    const { tokens } = await obtainTokens(srv.oauthUrl, { resource: srv.mcpUrl });
    await post(srv.oauthUrl, '/control/revoke-access');
    expect(await srv.realm.store.tombstone('access', tokens.access_token)).toBeDefined();
    expect((await post(srv.oauthUrl, '/control/reset')).status).toBe(200);
    expect(await srv.realm.store.tombstone('access', tokens.access_token)).toBeUndefined();
    const p = bearerChallenge(new Response(null, { headers: (await callTool(srv.mcpUrl, tokens.access_token)).headers }));
    expect(p.error_description).toMatch(/^token is unknown/);
  });
});
