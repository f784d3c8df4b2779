import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { get, post } from '../support/control.js';
import { obtainTokens, refreshGrant, register, visitAuthorize } from '../support/oauth.js';
import { pkce } from '../support/pkce.js';
import { start } from '../support/servers.js';

/** Issue 10: after /control/reset nothing issued before it is live, not even by a request in flight. */
describe('a request in flight does not survive /control/reset', () => {
  let s: RunningServers;
  const SEED = 'rt_seed_reset_in_flight_0123456789';
  beforeEach(async () => {
    s = await start({ seedRefreshToken: SEED });
  });
  afterEach(() => s?.close());

  const accessTokens = async () => (await get(s.oauthUrl, '/control/state')).json.live.accessTokens as number;
  /** Hits of the one latency fault: 1 once the request in flight has reached it (and started waiting). */
  const faultHits = async () => ((await get(s.oauthUrl, '/control/faults')).json.faults as Array<{ hits: number }>)[0]?.hits;

  it.each([
    ['its own refresh token', false],
    ['the seeded refresh token (valid again after the reset)', true],
  ])('a refresh with %s delayed by a latency fault answers an error after the reset, and stores nothing', async (_what, seeded) => {
    const obtained = await obtainTokens(s.oauthUrl);
    const clientId = obtained.clientId;
    const tokens = seeded ? { refresh_token: SEED } : obtained.tokens;
    const fault = await post(s.oauthUrl, '/control/faults', JSON.stringify({ endpoint: 'token', effect: { kind: 'latency', ms: 1500 } }));
    expect(fault.status).toBe(201);
    const inFlight = refreshGrant(s.oauthUrl, clientId, tokens.refresh_token!);
    await expect.poll(faultHits).toBe(1);
    expect((await post(s.oauthUrl, '/control/reset')).status).toBe(200);
    const a = await inFlight;
    // The fault struck, so the request started before the reset: it must answer the reset error, with no tokens.
    expect(a.status).toBe(400);
    expect(a.json.error).toBe('invalid_grant');
    expect(a.json.access_token).toBeUndefined();
    expect(a.json.error_description).toMatch(/was reset \(POST \/control\/reset\) while this request was in flight/);
    expect(await accessTokens()).toBe(0);
    const state = (await get(s.oauthUrl, '/control/state')).json;
    expect(state.live.clients).toBe(0);
    expect(state.live.accessTokens).toBe(0);
    expect(state.refreshTokens.every((r: { clientId: string | null }) => r.clientId === null)).toBe(true);
    expect(state.counters.refreshes).toBe(0);
  });

  it('an /authorize delayed by a latency fault redirects an error after the reset, and stores no code', async () => {
    const { client_id: clientId } = await register(s.oauthUrl);
    expect((await post(s.oauthUrl, '/control/faults', JSON.stringify({ endpoint: 'authorize', effect: { kind: 'latency', ms: 1500 } }))).status).toBe(201);
    const inFlight = visitAuthorize(s.oauthUrl, clientId, pkce().challenge, { state: 'st' });
    await expect.poll(faultHits).toBe(1);
    expect((await post(s.oauthUrl, '/control/reset')).status).toBe(200);
    const v = await inFlight;
    expect(v.status).toBe(302);
    expect(v.location?.searchParams.get('code')).toBeNull();
    expect(v.location?.searchParams.get('error')).toBe('access_denied');
    expect(v.location?.searchParams.get('error_description')).toMatch(/was reset \(POST \/control\/reset\) while this request was in flight/);
    expect(v.location?.searchParams.get('state')).toBe('st');
    const state = (await get(s.oauthUrl, '/control/state')).json;
    expect(state.live.codes).toBe(0);
    expect(state.live.clients).toBe(0);
  });

  it('a request that starts after the reset is served as usual', async () => {
    expect((await post(s.oauthUrl, '/control/reset')).status).toBe(200);
    const { clientId, tokens } = await obtainTokens(s.oauthUrl);
    const a = await refreshGrant(s.oauthUrl, clientId, tokens.refresh_token!);
    expect(a.status).toBe(200);
    expect(await accessTokens()).toBe(2);
  });
});
