import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServers, type RunningServers } from '../../src/server.js';
import { authorize, callTool, introspect, obtainTokens, pkce, post, refreshGrant, register, REDIRECT_URI, tokenRequest, type Answer } from '../control/harness.js';

/**
 * The store's single-use decision seen over real sockets: K parallel requests presenting one code or
 * one rotated refresh token, exactly one wins.
 *
 * What the losers' revocations do to the WINNER's new tokens depends on timing: a loser revokes the
 * grant as it is when its revokeByGrantId runs, which may be before the winner's tokens are saved.
 * So these tests do not assert "the winner's tokens are dead" right after the race; they assert the
 * exact bookkeeping instead (the losers' reported counts are exactly the tokens that are gone), and
 * for a code, that a replay after the race revokes whatever survived.
 */
const K = 20;
const ROUNDS = 3;

let s: RunningServers;
let as: string;
beforeAll(async () => {
  s = await startServers({ host: '127.0.0.1', oauthPort: 0, mcpPort: 0 });
  as = s.oauthUrl;
});
afterAll(() => s?.close());

const gone = async (token: string) => !(await introspect(as, token)).active;

function split(answers: Answer[]): { winner: Answer; losers: Answer[] } {
  const winners = answers.filter((a) => a.status === 200);
  expect(winners, answers.map((a) => `${a.status} ${a.text}`).join('\n')).toHaveLength(1);
  const losers = answers.filter((a) => a.status !== 200);
  expect(losers).toHaveLength(K - 1);
  for (const l of losers) expect([l.status, l.json?.error]).toEqual([400, 'invalid_grant']);
  return { winner: winners[0]!, losers };
}

describe(`store atomicity end to end (${K} parallel requests, ${ROUNDS} rounds)`, () => {
  it('one authorization code redeemed in parallel: exactly one 200; every other answer is a replay', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { client_id } = await register(as);
      const { verifier, challenge } = pkce();
      const code = (await authorize(as, client_id, challenge)).location?.searchParams.get('code');
      expect(code).toBeTruthy();
      const redeem = () => tokenRequest(as, { grant_type: 'authorization_code', code: code!, code_verifier: verifier, client_id, redirect_uri: REDIRECT_URI });

      const { winner, losers } = split(await Promise.all(Array.from({ length: K }, redeem)));
      const { access_token: at, refresh_token: rt } = winner.json as { access_token: string; refresh_token: string };
      expect(at).toBeTruthy();
      expect(rt).toBeTruthy();

      // Codes are never destroyed by a revocation, so every loser saw the spent code: a replay.
      const REPLAY = /already used; the (\d+) token\(s\) issued from it are revoked/;
      const counts = losers.map((l) => Number(REPLAY.exec(l.json.error_description)?.[1] ?? NaN));
      expect(counts.every(Number.isInteger), losers.map((l) => l.text).join('\n')).toBe(true);

      // Each replay revoked the grant as it was then: the tokens gone now are exactly those counted.
      const atGone = await gone(at);
      const rtGone = await gone(rt);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(Number(atGone) + Number(rtGone));
      // The access token is saved before the refresh token: a revocation that saw one saw the other.
      expect(rtGone && !atGone).toBe(false);

      // A replay after the race revokes what survived it; the code's tokens are then all dead.
      const late = await redeem();
      expect([late.status, late.json.error]).toEqual([400, 'invalid_grant']);
      expect(Number(REPLAY.exec(late.json.error_description)?.[1])).toBe(2 - Number(atGone) - Number(rtGone));
      expect(await gone(at)).toBe(true);
      expect(await gone(rt)).toBe(true);
      expect((await callTool(s.mcpUrl, at)).status).toBe(401);
      expect((await refreshGrant(as, client_id, rt)).json.error).toBe('invalid_grant');
    }
  });

  it('one refresh token refreshed in parallel under rotation: exactly one 200; the others are reuse and revoke the family', async () => {
    const on = await post(as, '/control/rotate', '{"on":true}');
    expect(on.json.switches.rotate).toBe(true);
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const { clientId, tokens } = await obtainTokens(as);
        const rt0 = tokens.refresh_token!;
        const at0 = tokens.access_token;

        const { winner, losers } = split(await Promise.all(Array.from({ length: K }, () => refreshGrant(as, clientId, rt0))));
        const { access_token: at1, refresh_token: rt1 } = winner.json as { access_token: string; refresh_token: string };
        expect(at1).toBeTruthy();
        expect(rt1).toBeTruthy();
        expect(rt1).not.toBe(rt0);

        // A loser either saw rt0 spent (reuse: it revoked the family and says how many tokens), or
        // came after a reuse had already destroyed rt0 (unknown). The first revocation is a reuse.
        const REUSE = /already rotated; its reuse revoked the whole family \((\d+) tokens/;
        const UNKNOWN = /unknown, expired or revoked/;
        for (const l of losers) expect(l.json.error_description).toMatch(new RegExp(`${REUSE.source}|${UNKNOWN.source}`));
        const counts = losers.flatMap((l) => {
          const m = REUSE.exec(l.json.error_description);
          return m ? [Number(m[1])] : [];
        });
        expect(counts.length).toBeGreaterThanOrEqual(1);

        // The family as it was before the race is certainly revoked: rt0 (spent, remembered) and at0.
        expect(await gone(at0)).toBe(true);
        expect(await gone(rt0)).toBe(true);
        expect((await callTool(s.mcpUrl, at0)).status).toBe(401);

        // The winner's tokens are revoked by every reuse that came after they were saved; the
        // counts the reuses reported are exactly rt0 + at0 + those of the winner's that are gone.
        const at1Gone = await gone(at1);
        const rt1Gone = await gone(rt1);
        expect(counts.reduce((a, b) => a + b, 0)).toBe(2 + Number(at1Gone) + Number(rt1Gone));
        expect(rt1Gone && !at1Gone).toBe(false);
        if (rt1Gone) expect((await refreshGrant(as, clientId, rt1)).json.error).toBe('invalid_grant');
        else expect((await refreshGrant(as, clientId, rt1)).status).toBe(200);

        // rt0 is forgotten now (revoked, not merely spent): presenting it again is just unknown.
        const late = await refreshGrant(as, clientId, rt0);
        expect([late.status, late.json.error]).toEqual([400, 'invalid_grant']);
        expect(late.json.error_description).toMatch(UNKNOWN);
      }
    } finally {
      await post(as, '/control/rotate', '{"on":false}');
    }
  });
});
