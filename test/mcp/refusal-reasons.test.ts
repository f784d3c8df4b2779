import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerEvent } from '../../src/events.js';
import type { RunningServers } from '../../src/server.js';
import { post } from '../support/control.js';
import { basic, form } from '../support/http.js';
import { callTool } from '../support/mcp.js';
import { authorize, codeGrantParams, obtainTokens, redeem, refreshGrant, register, revokeToken, token } from '../support/oauth.js';
import { start } from '../support/servers.js';
import { bearerChallenge } from '../support/www-authenticate.js';

const ISO = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;

/**
 * Issue 11, item 2: a 401 at /mcp says why the token was refused, in the challenge's error_description
 * (ASCII, RFC 6750 §3) and in both servers' events: the introspect event on :9100 and the mcp event
 * on :9101 carry the same reason. Real sockets, both servers in one process.
 */
describe('why a token was refused: the challenge at /mcp and the events', () => {
  let s: RunningServers;
  const fresh = () => obtainTokens(s.oauthUrl, { resource: s.mcpUrl });

  beforeAll(async () => {
    s = await start({ tokenTtlSeconds: 600 });
  });
  afterAll(() => s.close());

  /** Calls a tool with `bearer`; returns the challenge's description and the events of that call. */
  async function refusal(bearer: string): Promise<{ description: string; introspect?: ServerEvent; mcp?: ServerEvent }> {
    const { lastId } = await s.control.events();
    const res = await callTool(s.mcpUrl, bearer);
    expect(res.status).toBe(401);
    // The same response, parsed strictly: exactly one Bearer challenge with RFC 6750's character sets.
    const p = bearerChallenge(new Response(null, { headers: res.headers }));
    expect(p.error).toBe('invalid_token');
    expect(res.json).toMatchObject({ error: 'invalid_token' });
    const { events } = await s.control.events(lastId);
    const introspect = events.find((e) => e.type === 'request' && e.endpoint === 'introspect');
    const mcp = events.find((e) => e.type === 'request' && e.endpoint === 'mcp');
    expect(mcp).toMatchObject({ server: 'mcp', status: 401, outcome: 'invalid_token', reason: p.error_description });
    // The body says it too, with the same words (the header only swaps what it may not carry).
    expect(res.json.error_description).toBe(p.error_description);
    return { description: p.error_description!, introspect, mcp };
  }

  /** The AS said it in its introspect event, word for word. */
  const toldByAs = (r: { description: string; introspect?: ServerEvent }) =>
    expect(r.introspect).toMatchObject({ server: 'oauth', status: 200, outcome: 'inactive', active: false, reason: r.description });

  it('never issued: "unknown"', async () => {
    const r = await refusal('at_this-token-was-never-issued');
    expect(r.description).toMatch(/^token is unknown: never issued here, or forgotten since/);
    toldByAs(r);
  });

  it('revoked at POST /revoke', async () => {
    const t = await fresh();
    await revokeToken(s.oauthUrl, t.clientId, t.tokens.access_token);
    const r = await refusal(t.tokens.access_token);
    expect(r.description).toMatch(new RegExp(`^access token was revoked at ${ISO} \\(\\d+ s ago\\) by POST /revoke \\(RFC 7009\\)$`));
    toldByAs(r);
  });

  it('revoked by the revoke-access switch', async () => {
    const t = await fresh();
    expect((await post(s.oauthUrl, '/control/revoke-access')).status).toBe(200);
    const r = await refusal(t.tokens.access_token);
    expect(r.description).toMatch(new RegExp(`^access token was revoked at ${ISO} \\(\\d+ s ago\\) by the revoke-access switch \\(POST /control/revoke-access\\)$`));
    toldByAs(r);
  });

  it('revoked with its grant: its refresh token was revoked at /revoke (RFC 7009 section 2.1)', async () => {
    const t = await fresh();
    await revokeToken(s.oauthUrl, t.clientId, t.tokens.refresh_token!);
    const r = await refusal(t.tokens.access_token);
    expect(r.description).toMatch(/^access token was revoked at .* with its grant: a refresh token of the grant was revoked at POST \/revoke \(RFC 7009 section 2\.1\)$/);
    toldByAs(r);
  });

  it('revoked with its grant: the authorization code was replayed (OAuth 2.1 section 4.1.3)', async () => {
    const { client_id } = await register(s.oauthUrl);
    const a = await authorize(s.oauthUrl, client_id, {}, [s.mcpUrl]);
    const first = await redeem(s.oauthUrl, client_id, a, { resource: s.mcpUrl });
    expect((await token(s.oauthUrl, codeGrantParams(client_id, a))).status).toBe(400);
    const r = await refusal(first.access_token);
    expect(r.description).toMatch(/^access token was revoked at .* with its grant: the authorization code of the grant was redeemed a second time \(OAuth 2\.1 section 4\.1\.3\)$/);
    toldByAs(r);
  });

  it('revoked with its grant: a rotated refresh token was reused (OAuth 2.1 section 4.3.1)', async () => {
    const t = await fresh();
    await post(s.oauthUrl, '/control/rotate', '{"on":true}');
    try {
      const rotated = await refreshGrant(s.oauthUrl, t.clientId, t.tokens.refresh_token!);
      expect(rotated.status).toBe(200);
      expect((await refreshGrant(s.oauthUrl, t.clientId, t.tokens.refresh_token!)).json.error).toBe('invalid_grant');
      for (const at of [t.tokens.access_token, rotated.json.access_token as string]) {
        const r = await refusal(at);
        expect(r.description).toMatch(/^access token was revoked at .* with its grant: a rotated refresh token of the grant was used again \(OAuth 2\.1 section 4\.3\.1\)$/);
        toldByAs(r);
      }
    } finally {
      await post(s.oauthUrl, '/control/rotate', '{"on":false}');
    }
  });

  it('a refresh token sent as the access token: live, and dead', async () => {
    const t = await fresh();
    const live = await refusal(t.tokens.refresh_token!);
    expect(live.description).toBe('this is a refresh token, not an access token (RFC 6749 section 1.5); send the access token');
    // Live, it is active at introspection: the MCP server alone tells the mistake.
    expect(live.introspect).toMatchObject({ active: true, outcome: 'active' });
    await revokeToken(s.oauthUrl, t.clientId, t.tokens.refresh_token!);
    const dead = await refusal(t.tokens.refresh_token!);
    expect(dead.description).toMatch(/^this is a refresh token, not an access token \(RFC 6749 section 1\.5\); refresh token was revoked at .* with its grant/);
    toldByAs(dead);
  });

  it('issued for another resource (audience): the MCP server says which, the AS saw it active', async () => {
    const t = await obtainTokens(s.oauthUrl, { resource: 'https://other.example/mcp' });
    const r = await refusal(t.tokens.access_token);
    expect(r.description).toBe(`the access token is for https://other.example/mcp, not for this resource (${s.mcpUrl}); request it with resource=${s.mcpUrl} (RFC 8707)`);
    expect(r.introspect).toMatchObject({ active: true, outcome: 'active' });
  });

  it("the MCP server's own control plane shows the reason too", async () => {
    const t = await fresh();
    await revokeToken(s.oauthUrl, t.clientId, t.tokens.access_token);
    const { lastId } = await s.control.events();
    await callTool(s.mcpUrl, t.tokens.access_token);
    const onMcp = (await s.control.events(lastId, 'mcp')).events;
    expect(onMcp.find((e) => e.type === 'request' && e.endpoint === 'mcp')?.reason).toMatch(/^access token was revoked at .* by POST \/revoke/);
  });
});

/** Another caller of /introspect than our MCP server learns nothing of why: exactly {"active":false}. */
describe('/introspect stays exact for every other caller', () => {
  let s: RunningServers;
  beforeAll(async () => {
    s = await start();
  });
  afterAll(() => s.close());

  it('a confidential client (and GET /introspect) asking of revoked access and refresh tokens and an unknown one gets exactly {"active":false}', async () => {
    const c = await register(s.oauthUrl, { token_endpoint_auth_method: 'client_secret_basic' });
    const auth = basic(c.client_id, c.client_secret!);
    const t = await obtainTokens(s.oauthUrl, { resource: s.mcpUrl });
    await revokeToken(s.oauthUrl, t.clientId, t.tokens.refresh_token!);
    const { lastId } = await s.control.events();
    for (const bearer of [t.tokens.access_token, t.tokens.refresh_token!, 'at_never']) {
      for (const hint of [{}, { token_type_hint: 'access_token' }, { token_type_hint: 'refresh_token' }] as Array<Record<string, string>>) {
        const res = await fetch(`${s.oauthUrl}/introspect`, form({ token: bearer, ...hint }, auth));
        expect(res.status).toBe(200);
        expect(await res.text()).toBe('{"active":false}');
      }
      const byQuery = await fetch(`${s.oauthUrl}/introspect?token=${encodeURIComponent(bearer)}`);
      expect(await byQuery.text()).toBe('{"active":false}');
    }
    // The operator still sees why, in the events.
    const reasons = (await s.control.events(lastId)).events.filter((e) => e.type === 'request' && e.endpoint === 'introspect').map((e) => e.reason);
    expect(reasons).toHaveLength(12);
    expect(reasons.filter((r) => /revoked at .* with its grant/.test(r ?? ''))).toHaveLength(8);
    expect(reasons.filter((r) => /^token is unknown/.test(r ?? ''))).toHaveLength(4);
  });
});
