import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServers, type RunningServers } from '../../src/server.js';
import { type Answer } from '../support/answer.js';
import { post } from '../support/control.js';
import { callTool } from '../support/mcp.js';
import { introspectByQuery as introspect, obtainTokens, refreshGrant, REDIRECT as REDIRECT_URI, tokenRequest, register as registerClient, visitAuthorize } from '../support/oauth.js';
import { pkce } from '../support/pkce.js';

/** A public client (or a confidential one with client_secret_post), registered over the socket. */
const register = (oauthUrl: string, method: 'none' | 'client_secret_post' = 'none') =>
  registerClient(oauthUrl, { token_endpoint_auth_method: method, grant_types: ['authorization_code', 'refresh_token'] });
/** GET /authorize without following the redirect. */
const authorize = (oauthUrl: string, clientId: string, challenge: string) => visitAuthorize(oauthUrl, clientId, challenge, { state: 'xyz' });

/**
 * The store's single-use decision seen over real sockets: K parallel requests presenting one code or
 * one rotated refresh token, exactly one wins, and once all have answered the whole family is dead,
 * the winner's new tokens included.
 *
 * A loser's revocation may run before the winner has saved its tokens (with an adapter whose calls
 * take real I/O). The store then refuses them (a revoked grant stays revoked for a while), so the
 * winner's request fails instead of handing out tokens that survived the replay. With the memory
 * store the winner saves before any loser runs; either way no token of the family survives.
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

      // The winner answered 200, so both its tokens were saved before any replay revoked the grant;
      // the replays then revoked exactly those two, and nothing of the grant survives the race.
      expect(counts.reduce((a, b) => a + b, 0)).toBe(2);
      expect(await gone(at)).toBe(true);
      expect(await gone(rt)).toBe(true);

      // A replay after the race finds nothing left to revoke.
      const late = await redeem();
      expect([late.status, late.json.error]).toEqual([400, 'invalid_grant']);
      expect(Number(REPLAY.exec(late.json.error_description)?.[1])).toBe(0);
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
        // came after a reuse had already destroyed rt0 (its tombstone says so). The first revocation is a reuse.
        const REUSE = /already rotated; its reuse revoked the whole family \((\d+) tokens/;
        const REVOKED = /^refresh token was revoked at .* with its grant: a rotated refresh token of the grant was used again/;
        for (const l of losers) expect(l.json.error_description).toMatch(new RegExp(`${REUSE.source}|${REVOKED.source}`));
        const counts = losers.flatMap((l) => {
          const m = REUSE.exec(l.json.error_description);
          return m ? [Number(m[1])] : [];
        });
        expect(counts.length).toBeGreaterThanOrEqual(1);

        // The family as it was before the race is certainly revoked: rt0 (spent, remembered) and at0.
        expect(await gone(at0)).toBe(true);
        expect(await gone(rt0)).toBe(true);
        expect((await callTool(s.mcpUrl, at0)).status).toBe(401);

        // The winner's tokens were saved before the first reuse (it answered 200), so the reuses
        // revoked exactly rt0, at0, at1 and rt1: the rotated family is dead, the new tokens too.
        expect(counts.reduce((a, b) => a + b, 0)).toBe(4);
        expect(await gone(at1)).toBe(true);
        expect(await gone(rt1)).toBe(true);
        expect((await callTool(s.mcpUrl, at1)).status).toBe(401);
        expect((await refreshGrant(as, clientId, rt1)).json.error).toBe('invalid_grant');

        // rt0 is destroyed now (revoked, not merely spent): presenting it again says why, and revokes nothing more.
        const late = await refreshGrant(as, clientId, rt0);
        expect([late.status, late.json.error]).toEqual([400, 'invalid_grant']);
        expect(late.json.error_description).toMatch(REVOKED);
      }
    } finally {
      await post(as, '/control/rotate', '{"on":false}');
    }
  });
});
