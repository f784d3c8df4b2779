import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { rsBase, start } from '../support/servers.js';
import { ctl, post } from '../support/control.js';
import { obtainTokens, refreshGrant } from '../support/oauth.js';
import { callTool } from '../support/mcp.js';

let s: RunningServers;
beforeAll(async () => {
  s = await start();
});
afterAll(() => s?.close());
beforeEach(async () => {
  await ctl('DELETE', s.oauthUrl, '/control/faults');
  await ctl('DELETE', rsBase(s), '/control/faults');
});

const fault = async (base: string, spec: unknown) => expect((await post(base, '/control/faults', JSON.stringify(spec))).status).toBe(201);

describe('an injected OAuth error carries the status its code has in the standards unless the fault names one (issue 11)', () => {
  it.each([
    ['invalid_token', 401],
    ['insufficient_scope', 403],
    ['invalid_request', 400],
  ])('at /mcp, %s answers %i with a Bearer challenge naming it (RFC 6750 §3.1)', async (error, status) => {
    const { tokens } = await obtainTokens(s.oauthUrl);
    await fault(rsBase(s), { endpoint: 'mcp', effect: { kind: 'oauth-error', error }, times: 1 });
    const res = await callTool(s.mcpUrl, tokens.access_token);
    expect(res.status).toBe(status);
    expect(res.headers.get('www-authenticate')).toContain(`error="${error}"`);
  });

  it.each([
    ['invalid_client', 401],
    ['invalid_grant', 400],
    ['server_error', 500],
    ['temporarily_unavailable', 503],
  ])('at /token, %s answers %i (RFC 6749 §5.2)', async (error, status) => {
    const { clientId, tokens } = await obtainTokens(s.oauthUrl);
    await fault(s.oauthUrl, { endpoint: 'token', grant: 'refresh_token', effect: { kind: 'oauth-error', error }, times: 1 });
    const res = await refreshGrant(s.oauthUrl, clientId, tokens.refresh_token!);
    expect(res.status).toBe(status);
    expect(res.json.error).toBe(error);
  });

  it('an explicit status still wins', async () => {
    const { tokens } = await obtainTokens(s.oauthUrl);
    await fault(rsBase(s), { endpoint: 'mcp', effect: { kind: 'oauth-error', error: 'invalid_token', status: 400 }, times: 1 });
    expect((await callTool(s.mcpUrl, tokens.access_token)).status).toBe(400);
  });
});
