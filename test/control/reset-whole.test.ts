import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { rsBase, start } from '../support/servers.js';
import { get, post } from '../support/control.js';
import { obtainTokens } from '../support/oauth.js';
import { callTool } from '../support/mcp.js';

let s: RunningServers;
beforeAll(async () => {
  s = await start({ seedRefreshToken: 'seed-at-startup' });
});
afterAll(() => s?.close());

/** Every switch and fault of both servers on, a client, tokens, an advanced clock. */
async function dirty(): Promise<string> {
  const { tokens } = await obtainTokens(s.oauthUrl);
  for (const [base, path, body] of [
    [s.oauthUrl, '/control/rotate', '{"on":true}'],
    [s.oauthUrl, '/control/expires-in', '{"seconds":7}'],
    [s.oauthUrl, '/control/invalid-grant', '{"on":true}'],
    [s.oauthUrl, '/control/deny-consent', '{"on":true}'],
    [rsBase(s), '/control/force-403', '{"on":true}'],
    [s.oauthUrl, '/control/faults', '{"endpoint":"token","effect":{"kind":"latency","ms":1}}'],
    [rsBase(s), '/control/faults', '{"endpoint":"resource-metadata","effect":{"kind":"latency","ms":1}}'],
    [s.oauthUrl, '/control/clock', '{"advance":60}'],
  ] as const) {
    expect((await post(base, path, body)).status, path).toBeLessThan(300);
  }
  return tokens.access_token;
}

describe('POST /control/reset on either port restores the whole startup state of a shared realm (issue 11)', () => {
  it.each([
    ['the authorization server', () => s.oauthUrl],
    ['the MCP server', () => rsBase(s)],
  ])('asked on %s, both servers are back to startup', async (_name, base) => {
    const access = await dirty();
    const reset = await post(base(), '/control/reset');
    expect(reset.status).toBe(200);
    for (const b of [s.oauthUrl, rsBase(s)]) {
      const st = (await get(b, '/control/state')).json;
      expect(st.switches).toEqual({ rotate: false, 'expires-in': 3600, 'invalid-grant': false, 'deny-consent': false, consent: 'auto', 'force-403': false, 'step-up': false, era: 'dual' });
      expect(st.faults).toEqual([]);
      expect(st.live).toMatchObject({ clients: 0, accessTokens: 0, refreshTokens: 1 });
      expect(st.clock.offsetSeconds).toBe(0);
    }
    expect((await callTool(s.mcpUrl, access)).status).toBe(401);
    const fresh = await obtainTokens(s.oauthUrl);
    expect((await callTool(s.mcpUrl, fresh.tokens.access_token)).status).toBe(200);
  });
});
