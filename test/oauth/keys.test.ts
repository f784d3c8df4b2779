import { decodeProtectedHeader } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_KEYS } from '../../src/keys.js';
import type { RunningServers } from '../../src/server.js';
import { ctl, get, post } from '../support/control.js';
import { obtainTokens } from '../support/oauth.js';
import { rsBase, start } from '../support/servers.js';
import { snapshot } from '../support/snapshot.js';

const AHEAD = 60;
const GRACE = 600;

/**
 * Key rotation on the realm clock: a rotated-in key is in the JWKS before it signs (`next`), the key
 * it replaces stays there for the grace period (`retiring`), then leaves. Real sockets; time moved
 * with POST /control/clock, never slept.
 */
describe('signing keys: POST /control/keys/rotate and GET /control/keys', () => {
  let s: RunningServers;
  beforeAll(async () => {
    s = await start({ accessTokenFormat: 'jwt' });
  });
  afterAll(() => s.close());
  afterEach(() => s.control.reset());

  const keys = async () => (await get(s.oauthUrl, '/control/keys')).json;
  const published = async () => (await get(s.oauthUrl, '/jwks')).json.keys.map((k: { kid: string }) => k.kid).sort();
  const signedWith = async () => decodeProtectedHeader((await obtainTokens(s.oauthUrl)).tokens.access_token).kid;
  const advance = (seconds: number) => post(s.oauthUrl, '/control/clock', JSON.stringify({ advance: seconds }));

  it('published before it signs, the old one kept for the grace period, then removed', async () => {
    const start0 = await keys();
    expect(start0).toMatchObject({ jwksUri: `${s.oauthUrl}/jwks`, publishAheadSeconds: 300, graceSeconds: 3600, keys: [{ state: 'signing', alg: 'RS256' }] });
    const old = start0.keys[0].kid;
    expect(await published()).toEqual([old]);

    const rotated = await post(s.oauthUrl, '/control/keys/rotate', JSON.stringify({ publishAheadSeconds: AHEAD, graceSeconds: GRACE }));
    expect(rotated.status).toBe(200);
    const next = rotated.json.keys.find((k: { state: string }) => k.state === 'next');
    expect(next).toBeDefined();
    const signing = rotated.json.keys.find((k: { kid: string }) => k.kid === old);
    expect(signing).toMatchObject({ state: 'signing', retiresAt: next.signsFrom });
    expect(Date.parse(signing.removedAt) - Date.parse(next.signsFrom)).toBe(GRACE * 1000);
    expect(Date.parse(next.signsFrom) - Date.parse(rotated.json.now)).toBeLessThanOrEqual(AHEAD * 1000);
    // Step 1: both published, the old one still signs.
    expect(await published()).toEqual([old, next.kid].sort());
    expect(await signedWith()).toBe(old);

    // Step 2: the publish-ahead time is over: the new key signs, the old one only verifies.
    await advance(AHEAD);
    expect((await keys()).keys.map((k: { kid: string; state: string }) => [k.kid, k.state])).toEqual([
      [old, 'retiring'],
      [next.kid, 'signing'],
    ]);
    expect(await published()).toEqual([old, next.kid].sort());
    expect(await signedWith()).toBe(next.kid);

    // Step 3: the grace period is over: the old key leaves the JWKS.
    await advance(GRACE);
    expect((await keys()).keys.map((k: { kid: string; state: string }) => [k.kid, k.state])).toEqual([[next.kid, 'signing']]);
    expect(await published()).toEqual([next.kid]);
  });

  it('one rotation at a time: a key still waiting to sign refuses another (409), nothing changed', async () => {
    await post(s.oauthUrl, '/control/keys/rotate', '{"publishAheadSeconds":60}');
    const before = await keys();
    const again = await post(s.oauthUrl, '/control/keys/rotate');
    expect(again.status).toBe(409);
    expect(again.json).toEqual({ error: 'invalid_request', error_description: expect.stringMatching(/one rotation at a time/) });
    expect(await keys()).toEqual({ ...before, now: expect.any(String) });
  });

  it(`the JWKS holds at most ${MAX_KEYS} keys: the rotation beyond answers 429`, async () => {
    for (let i = 1; i < MAX_KEYS; i++) {
      const r = await post(s.oauthUrl, '/control/keys/rotate', '{"alg":"ES256","publishAheadSeconds":0}');
      expect(r.status, `rotation ${i}`).toBe(200);
    }
    const before = await published();
    expect(before).toHaveLength(MAX_KEYS);
    const over = await post(s.oauthUrl, '/control/keys/rotate', '{"alg":"ES256","publishAheadSeconds":0}');
    expect(over.status).toBe(429);
    expect(over.json.error_description).toMatch(/MAX_KEYS/);
    expect(await published()).toEqual(before);
  });

  it('a rotation to ES256 signs with the new algorithm once it signs; publishAheadSeconds 0 signs at once', async () => {
    const r = await post(s.oauthUrl, '/control/keys/rotate', '{"alg":"ES256","publishAheadSeconds":0}');
    const kid = r.json.keys.find((k: { state: string; alg: string }) => k.state === 'signing' && k.alg === 'ES256').kid;
    const token = (await obtainTokens(s.oauthUrl)).tokens.access_token;
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'ES256', kid });
  });

  it('bad bodies are refused with what was expected, and change nothing', async () => {
    await keys();
    const before = await keys();
    const state = await snapshot(s.realm);
    const cases: Array<[string | undefined, Record<string, string>, number, RegExp]> = [
      ['{', {}, 400, /JSON/i],
      ['{"alg":"HS256"}', {}, 400, /alg/],
      ['{"alg":"none"}', {}, 400, /alg/],
      ['{"publishAheadSeconds":-1}', {}, 400, /publishAheadSeconds/],
      ['{"graceSeconds":1.5}', {}, 400, /graceSeconds/],
      ['{"kid":"mine"}', {}, 400, /kid/],
      ['[]', {}, 400, /expected/],
      ['alg=ES256', { 'content-type': 'application/x-www-form-urlencoded' }, 415, /application\/json/],
    ];
    for (const [body, headers, status, why] of cases) {
      const r = await ctl('POST', s.oauthUrl, '/control/keys/rotate', body, headers);
      expect(r.status, body).toBe(status);
      expect(r.json.error_description, body).toMatch(why);
    }
    expect((await ctl('DELETE', s.oauthUrl, '/control/keys')).status).toBe(405);
    expect((await get(s.oauthUrl, '/control/keys/rotate')).status).toBe(405);
    expect(await keys()).toEqual({ ...before, now: expect.any(String) });
    expect(await snapshot(s.realm)).toEqual(state);
  });

  it('the keys are the AS\'s: the MCP server has no /control/keys', async () => {
    expect((await get(rsBase(s), '/control/keys')).status).toBe(404);
  });

  it('a reset drops every key: the next use makes a fresh one', async () => {
    const old = (await keys()).keys[0].kid;
    await s.control.reset();
    expect(await published()).not.toContain(old);
  });
});
