import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServers, type RunningServers } from '../../src/server.js';
import { authorize, codeGrantParams, obtainTokens, refreshGrantParams, register, token } from '../support/oauth.js';
import { callTool } from '../support/mcp.js';

let s: RunningServers;
beforeAll(async () => {
  s = await startServers({ oauthPort: 0, mcpPort: 0 });
});
afterAll(() => s.close());

const N = 200;

describe('concurrency', () => {
  it(`${N} simultaneous refreshes of one token under rotation: exactly one wins, and the family rule holds`, async () => {
    const { clientId, tokens } = await obtainTokens(s.oauthUrl);
    await s.control.rotate(true);
    const responses = await Promise.all(Array.from({ length: N }, () => token(s.oauthUrl, refreshGrantParams(clientId, tokens.refresh_token!))));
    const bodies = await Promise.all(responses.map((r) => r.json() as Promise<{ error?: string; refresh_token?: string; access_token?: string }>));
    const wins = bodies.filter((_, i) => responses[i]!.status === 200);
    expect(wins).toHaveLength(1);
    expect(bodies.filter((b) => b.error === 'invalid_grant')).toHaveLength(N - 1);
    expect(responses.every((r) => r.status === 200 || r.status === 400)).toBe(true);
    // The losers presented a rotated token: that revoked the whole family, the winner's new tokens included.
    const again = await token(s.oauthUrl, refreshGrantParams(clientId, wins[0]!.refresh_token!));
    expect(again.status).toBe(400);
    expect((await callTool(s.mcpUrl, wins[0]!.access_token!)).status).toBe(401);
    await s.control.rotate(false);
  });

  it(`${N} simultaneous redemptions of one code: exactly one wins, and its tokens are revoked by the replays`, async () => {
    const clientId = (await register(s.oauthUrl)).client_id;
    const code = await authorize(s.oauthUrl, clientId);
    const responses = await Promise.all(Array.from({ length: N }, () => token(s.oauthUrl, codeGrantParams(clientId, code))));
    const ok = responses.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    const bodies = await Promise.all(responses.map((r) => r.json() as Promise<{ error?: string; access_token?: string }>));
    expect(bodies.filter((b) => b.error === 'invalid_grant')).toHaveLength(N - 1);
    const winner = bodies.find((b) => b.access_token)!;
    expect((await callTool(s.mcpUrl, winner.access_token!)).status).toBe(401);
  });

  it('many clients refreshing in parallel without rotation all succeed', async () => {
    const clients = await Promise.all(Array.from({ length: 20 }, () => obtainTokens(s.oauthUrl)));
    const responses = await Promise.all(clients.flatMap((c) => Array.from({ length: 10 }, () => token(s.oauthUrl, refreshGrantParams(c.clientId, c.tokens.refresh_token!)))));
    expect(responses.every((r) => r.status === 200)).toBe(true);
  });
});
