import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Answer } from '../support/answer.js';
import type { ControlState } from '../../src/control/state.js';
import type { RunningServers } from '../../src/server.js';
import { get, post } from '../support/control.js';
import { callTool, postMcp, rpcBody, textOf, toolsCallBody } from '../support/mcp.js';
import { authorize, obtainTokens, redeem, register } from '../support/oauth.js';
import { rsBase, start } from '../support/servers.js';
import { snapshot } from '../support/snapshot.js';
import { bearerChallenge } from '../support/www-authenticate.js';

/** The challenge of an answer already read. */
const challengeOf = (a: Answer) => bearerChallenge({ headers: a.headers } as Response);

const DEFAULT = 'mcp:read mcp:write';
const UNION = 'mcp:read mcp:write mcp:admin';

describe('step-up authorization at /mcp (raw HTTP, real sockets)', () => {
  let s: RunningServers;
  let rs: string;
  let prm: string;

  beforeAll(async () => {
    s = await start();
    rs = rsBase(s);
    prm = `${s.config.mcpBaseUrl}/.well-known/oauth-protected-resource/mcp`;
  });
  afterAll(() => s?.close());
  afterEach(async () => {
    expect((await post(rs, '/control/reset')).status).toBe(200);
  });

  const state = async () => (await get(rs, '/control/state')).json as ControlState;
  /** A client and its token for `scope` (or the default when undefined), bound to the MCP server. */
  async function client(scope?: string) {
    const { client_id: clientId } = await register(s.oauthUrl);
    return { clientId, token: await tokenFor(clientId, scope) };
  }
  async function tokenFor(clientId: string, scope?: string): Promise<string> {
    const a = await authorize(s.oauthUrl, clientId, scope === undefined ? {} : { scope }, [s.mcpUrl]);
    return (await redeem(s.oauthUrl, clientId, a, { resource: s.mcpUrl })).access_token;
  }

  it('mcp:admin is in scopes_supported of both metadata documents, but a client asking for no scope does not get it', async () => {
    const as = (await get(s.oauthUrl, '/.well-known/oauth-authorization-server')).json;
    const pr = (await get(rs, '/.well-known/oauth-protected-resource/mcp')).json;
    expect(as.scopes_supported).toEqual(['mcp:read', 'mcp:write', 'mcp:admin']);
    expect(pr.scopes_supported).toEqual(['mcp:read', 'mcp:write', 'mcp:admin']);
    const { tokens } = await obtainTokens(s.oauthUrl, { resource: s.mcpUrl });
    expect(tokens.scope).toBe(DEFAULT);
    // The 401 challenge names what basic access needs, not the step-up scope.
    const res = await postMcp(s.mcpUrl, toolsCallBody('echo', { message: 'x' }));
    expect(bearerChallenge(res).scope).toBe(DEFAULT);
  });

  it('admin-echo without mcp:admin: 403 insufficient_scope naming held ∪ required; re-authorizing with that union works', async () => {
    const { clientId, token } = await client();
    const before = await snapshot(s.realm);
    const refused = await callTool(s.mcpUrl, token, 'admin-echo', { message: 'up' });
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({ error: 'insufficient_scope', error_description: expect.stringContaining('admin-echo needs mcp:admin') });
    const ch = challengeOf(refused);
    expect(ch).toMatchObject({ error: 'insufficient_scope', scope: UNION, resource_metadata: prm });
    // The SDK 1.32.2 client takes the first `scope=` anywhere in the header, error_description included.
    expect(refused.headers.get('www-authenticate')!.match(/scope=/g)).toHaveLength(1);
    expect(await snapshot(s.realm)).toEqual(before);
    // The other tools need only a valid token.
    expect((await callTool(s.mcpUrl, token, 'echo', { message: 'still' })).status).toBe(200);

    const stepped = await tokenFor(clientId, ch.scope);
    const ok = await callTool(s.mcpUrl, stepped, 'admin-echo', { message: 'up' });
    expect(ok.status, ok.text).toBe(200);
    expect(textOf(ok.json.result)).toBe('up');
    expect((await state()).stepUp).toEqual({ [clientId]: { challenges: 1, reauthorizations: 1 } });
  });

  it('a client that registered only the default scope may still ask for mcp:admin (the SDK registers with its first challenge)', async () => {
    const { client_id: clientId } = await register(s.oauthUrl, { scope: DEFAULT });
    expect((await callTool(s.mcpUrl, await tokenFor(clientId, UNION), 'admin-echo', { message: 'r' })).status).toBe(200);
    // Asked for nothing, it gets what it registered and no more.
    const introspected = await callTool(s.mcpUrl, await tokenFor(clientId), 'whoami', {});
    expect(JSON.parse(textOf(introspected.json.result)).scope).toBe(DEFAULT);
  });

  it('a batch is checked call by call: admin-echo behind echo is refused', async () => {
    const { token } = await client();
    const res = await postMcp(s.mcpUrl, [toolsCallBody('echo', { message: 'a' }), toolsCallBody('admin-echo', { message: 'b' })], { Authorization: `Bearer ${token}` });
    expect(res.status).toBe(403);
    expect(bearerChallenge(res).scope).toBe(UNION);
  });

  describe('scopeImplications (POST /control/policy)', () => {
    it('a scope that implies mcp:admin passes admin-echo; without the implication it does not', async () => {
      const { token } = await client('mcp:write');
      expect((await callTool(s.mcpUrl, token, 'admin-echo', { message: 'h' })).status).toBe(403);
      const set = await post(s.oauthUrl, '/control/policy', JSON.stringify({ scopeImplications: { 'mcp:write': ['mcp:read'], 'mcp:read': ['mcp:admin'] } }));
      expect(set.status, set.text).toBe(200);
      // Followed to its end: mcp:write → mcp:read → mcp:admin.
      const ok = await callTool(s.mcpUrl, token, 'admin-echo', { message: 'h' });
      expect(ok.status, ok.text).toBe(200);
    });

    it('a cycle ends', async () => {
      const { token } = await client('mcp:read');
      expect((await post(s.oauthUrl, '/control/policy', JSON.stringify({ scopeImplications: { 'mcp:read': ['mcp:write'], 'mcp:write': ['mcp:read'] } }))).status).toBe(200);
      const refused = await callTool(s.mcpUrl, token, 'admin-echo', { message: 'c' });
      expect(refused.status).toBe(403);
      expect(challengeOf(refused).scope).toBe('mcp:read mcp:admin');
    });

    it.each([
      ['a scope token with a space', '{"scopeImplications":{"a b":["c"]}}', /^scopeImplications/],
      ['a list that is not a list', '{"scopeImplications":{"a":"b"}}', /^scopeImplications/],
      ['a limit of zero', '{"stepUpReauthorizationLimit":0}', /^stepUpReauthorizationLimit/],
      ['a duplicate request-only scope', '{"requestOnlyScopes":["mcp:admin","mcp:admin"]}', /^requestOnlyScopes: must not list a value twice/],
    ])('refuses %s with 400 and changes nothing', async (_what, body, why) => {
      const before = (await get(s.oauthUrl, '/control/policy')).json;
      const res = await post(s.oauthUrl, '/control/policy', body);
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(why) });
      expect((await get(s.oauthUrl, '/control/policy')).json).toEqual(before);
    });
  });

  describe('the step-up switch', () => {
    it('{"calls":2}: the next two tool calls, whatever the tool, demand mcp:admin; the third passes', async () => {
      const { token } = await client();
      const on = await post(rs, '/control/step-up', '{"calls":2}');
      expect(on.status).toBe(200);
      expect(on.json.switches['step-up']).toBe(2);
      // Other methods are not tool calls: they pass and use up nothing.
      expect((await postMcp(s.mcpUrl, rpcBody('tools/list'), { Authorization: `Bearer ${token}` })).status).toBe(200);
      for (const [tool, args] of [['echo', { message: 'e' }], ['add', { a: 1, b: 2 }]] as const) {
        const res = await callTool(s.mcpUrl, token, tool, args);
        expect(res.status).toBe(403);
        expect(res.json.error_description).toContain('step-up switch is on');
        expect(challengeOf(res)).toMatchObject({ error: 'insufficient_scope', scope: UNION, resource_metadata: prm });
      }
      expect((await state()).switches['step-up']).toBe(false);
      expect((await callTool(s.mcpUrl, token, 'echo', { message: 'e' })).status).toBe(200);
    });

    it('{"on":true} challenges until off; a token holding mcp:admin passes without using a call; reset turns it off', async () => {
      const { clientId, token } = await client();
      expect((await post(rs, '/control/step-up', '{"on":true}')).json.switches['step-up']).toBe(true);
      const refused = await callTool(s.mcpUrl, token, 'whoami', {});
      expect(refused.status).toBe(403);
      const stepped = await tokenFor(clientId, challengeOf(refused).scope);
      expect((await callTool(s.mcpUrl, stepped, 'whoami', {})).status).toBe(200);
      expect((await callTool(s.mcpUrl, token, 'whoami', {})).status).toBe(403);
      expect((await state()).stepUp[clientId]).toEqual({ challenges: 2, reauthorizations: 1 });
      expect((await post(rs, '/control/step-up', '{"on":false}')).json.switches['step-up']).toBe(false);
      expect((await callTool(s.mcpUrl, token, 'whoami', {})).status).toBe(200);
      await post(rs, '/control/step-up', '{"calls":5}');
      await post(rs, '/control/reset');
      const after = await state();
      expect(after.switches['step-up']).toBe(false);
      expect(after.stepUp).toEqual({});
    });

    it.each(['{"calls":0}', '{"calls":1.5}', '{"calls":"2"}', '{"on":true,"calls":2}', '{"seconds":3}', '[]'])('refuses %s with 400 and changes nothing', async (body) => {
      const res = await post(rs, '/control/step-up', body);
      expect(res.status).toBe(400);
      expect(res.json.error_description).toContain('expected {"calls":1} or {"on":true}');
      expect((await state()).switches['step-up']).toBe(false);
    });

    it('is served by the MCP server only', async () => {
      expect((await post(s.oauthUrl, '/control/step-up', '{"calls":1}')).status).toBe(404);
    });

    it('a client that re-authorizes with the old scope, again and again, for the same challenge is named in events', async () => {
      const { clientId, token } = await client();
      await post(rs, '/control/step-up', '{"on":true}');
      const from = (await state()).lastEventId;
      const limit = s.realm.policy.stepUpReauthorizationLimit;
      expect(limit).toBe(3);
      expect((await callTool(s.mcpUrl, token, 'echo', { message: 'l' })).status).toBe(403);
      // The broken client: a new consent, but for the scope it had, not the union the challenge named.
      for (let i = 1; i <= limit + 1; i++) expect((await callTool(s.mcpUrl, await tokenFor(clientId, DEFAULT), 'echo', { message: 'l' })).status).toBe(403);
      const { events } = await s.control.events(from);
      const reasons = events.filter((e) => e.type === 'request' && e.endpoint === 'mcp' && e.status === 403).map((e) => e.reason ?? '');
      expect(reasons).toHaveLength(limit + 2);
      expect(reasons.slice(0, limit + 1).every((r) => !r.includes('re-authorized'))).toBe(true);
      expect(reasons.at(-1)).toContain(`client ${clientId} re-authorized ${limit + 1} times for this same challenge, more than stepUpReauthorizationLimit ${limit}`);
      expect((await state()).stepUp[clientId]).toEqual({ challenges: limit + 2, reauthorizations: limit + 1 });
    });
  });
});
