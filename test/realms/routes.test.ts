import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { ctl, get, post } from '../support/control.js';
import { rsBase, start } from '../support/servers.js';

let s: RunningServers;
let as: string;
let rs: string;

beforeAll(async () => {
  s = await start({ maxRealms: 3 });
  as = s.oauthUrl;
  rs = rsBase(s);
});
afterAll(() => s.close());
afterEach(() => {
  for (const { id } of s.realms.list()) s.realms.delete(id);
});

const ids = async () => ((await get(as, '/control/realms')).json.realms as Array<{ id: string }>).map((r) => r.id).sort();

describe('POST /control/realms', () => {
  it('creates a realm under /r/<id> on both ports and answers its URLs (201)', async () => {
    const r = await post(as, '/control/realms', '{"id":"suite-a"}');
    expect(r.status).toBe(201);
    const port = (u: string) => new URL(u).port;
    expect(r.json).toMatchObject({
      id: 'suite-a',
      issuer: `http://localhost:${port(as)}/r/suite-a`,
      mcpUrl: `http://localhost:${port(rs)}/r/suite-a/mcp`,
      controlUrl: `http://localhost:${port(as)}/r/suite-a/control`,
      ttlSeconds: 3600,
      count: 1,
      max: 3,
    });
    expect(await ids()).toEqual(['suite-a']);
  });

  it('generates an id when none is given', async () => {
    const r = await post(as, '/control/realms');
    expect(r.status).toBe(201);
    expect(r.json.id).toMatch(/^[a-z0-9-]{1,64}$/);
    expect(await ids()).toEqual([r.json.id]);
  });

  it('is served by the MCP server too, in the name the caller used', async () => {
    const r = await post(rs.replace('localhost', '127.0.0.1'), '/control/realms', '{"id":"via-mcp"}');
    expect(r.status).toBe(201);
    expect(r.json.mcpUrl).toBe(`${rs.replace('localhost', '127.0.0.1')}/r/via-mcp/mcp`);
    expect(await ids()).toEqual(['via-mcp']);
  });

  it('applies the body policy, which the realm returns to at reset', async () => {
    await post(as, '/control/realms', '{"id":"rot","policy":{"rotateRefreshTokens":true,"codeTtlSeconds":30}}');
    const policy = async () => (await get(as, '/r/rot/control/policy')).json.policy;
    expect(await policy()).toMatchObject({ rotateRefreshTokens: true, codeTtlSeconds: 30 });
    await post(as, '/r/rot/control/policy', '{"codeTtlSeconds":60}');
    await post(as, '/r/rot/control/reset');
    expect(await policy()).toMatchObject({ rotateRefreshTokens: true, codeTtlSeconds: 30 });
    expect((await get(as, '/control/policy')).json.policy.rotateRefreshTokens).toBe(false);
  });

  it('answers 409 for an id that exists, and keeps the first realm as it was', async () => {
    await post(as, '/control/realms', '{"id":"twice","ttlSeconds":100}');
    const r = await post(as, '/control/realms', '{"id":"twice"}');
    expect(r.status).toBe(409);
    expect(r.json).toEqual({ error: 'invalid_request', error_description: expect.stringContaining('a realm twice exists already') });
    expect((await get(as, '/control/realms')).json.realms).toMatchObject([{ id: 'twice', ttlSeconds: 100 }]);
  });

  it('answers 429 temporarily_unavailable at MAX_REALMS, and creates again once one is deleted', async () => {
    for (const id of ['c1', 'c2', 'c3']) expect((await post(as, '/control/realms', JSON.stringify({ id }))).status).toBe(201);
    const full = await post(as, '/control/realms', '{"id":"c4"}');
    expect(full.status).toBe(429);
    expect(full.json).toEqual({ error: 'temporarily_unavailable', error_description: expect.stringContaining('3 realms exist (MAX_REALMS)') });
    expect(await ids()).toEqual(['c1', 'c2', 'c3']);
    expect((await ctl('DELETE', as, '/control/realms/c2')).status).toBe(200);
    expect((await post(as, '/control/realms', '{"id":"c4"}')).status).toBe(201);
  });

  const badBodies: Array<[string, string, RegExp]> = [
    ['not JSON', '{"id":', /JSON/],
    ['an array', '[]', /object/],
    ['an unknown member', '{"name":"x"}', /unrecognized key.*\(name\)/i],
    ['an id with capitals', '{"id":"Suite"}', /id: a realm id is 1 to 64 of a-z, 0-9 and -/],
    ['an id with a slash', '{"id":"a/b"}', /id: a realm id/],
    ['an empty id', '{"id":""}', /id: a realm id/],
    ['an id of 65 characters', JSON.stringify({ id: 'a'.repeat(65) }), /id: a realm id/],
    ['a ttl of 0', '{"ttlSeconds":0}', /ttlSeconds/],
    ['a ttl over a week', '{"ttlSeconds":604801}', /ttlSeconds/],
    ['a fractional ttl', '{"ttlSeconds":1.5}', /ttlSeconds/],
    ['an unknown policy member', '{"policy":{"rotate":true}}', /policy.*\(rotate\)/],
    ['a policy value of the wrong type', '{"policy":{"codeTtlSeconds":"30"}}', /policy\.codeTtlSeconds/],
    ['a policy refused as a whole', '{"policy":{"grantTypes":["refresh_token"]}}', /authorization_code/],
  ];
  it.each(badBodies)('refuses %s with 400 and a description, creating nothing', async (_what, body, why) => {
    const r = await post(as, '/control/realms', body);
    expect(r.status).toBe(400);
    expect(r.json.error).toBe('invalid_request');
    expect(r.json.error_description).toMatch(why);
    expect(r.text).not.toMatch(/\n\s+at /);
    expect(await ids()).toEqual([]);
  });

  it('refuses a body that is not JSON by its Content-Type (415), like every control call', async () => {
    const r = await ctl('POST', as, '/control/realms', 'id=x', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(r.status).toBe(415);
    expect(await ids()).toEqual([]);
  });
});

describe('GET /control/realms and DELETE /control/realms/<id>', () => {
  it('lists the created realms (the default one is not listed) and ends one', async () => {
    await post(as, '/control/realms', '{"id":"l1"}');
    await post(as, '/control/realms', '{"id":"l2","ttlSeconds":60}');
    const list = await get(rs, '/control/realms');
    expect(list.status).toBe(200);
    expect(list.json).toMatchObject({ count: 2, max: 3, realms: [{ id: 'l1', ttlSeconds: 3600 }, { id: 'l2', ttlSeconds: 60 }] });
    const gone = await ctl('DELETE', rs, '/control/realms/l1');
    expect(gone.status).toBe(200);
    expect(gone.json).toEqual({ ended: 'l1', count: 1, max: 3 });
    expect(await ids()).toEqual(['l2']);
    expect((await get(as, '/r/l1/control/state')).status).toBe(404);
  });

  it('answers 404 naming an unknown realm, and 405 with Allow for other methods', async () => {
    const r = await ctl('DELETE', as, '/control/realms/nope');
    expect(r.status).toBe(404);
    expect(r.json.error_description).toContain('no realm "nope"');
    const put = await ctl('PUT', as, '/control/realms');
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
  });

  it('records creations and deletions as control events of the default realm', async () => {
    const { lastId } = await s.control.events();
    await post(as, '/control/realms', '{"id":"ev"}');
    await ctl('DELETE', as, '/control/realms/ev');
    const { events } = await s.control.events(lastId);
    expect(events.map((e) => [e.type, e.path, e.outcome])).toEqual([
      ['control', '/control/realms', 'created ev'],
      ['control', '/control/realms/ev', 'ended ev'],
    ]);
  });

  it('does not nest: a realm has no /control/realms of its own', async () => {
    await post(as, '/control/realms', '{"id":"outer"}');
    const r = await post(as, '/r/outer/control/realms', '{"id":"inner"}');
    expect(r.status).toBe(404);
    expect(r.json.error_description).toContain(`realms do not nest: create, list and end them at ${as}/control/realms`);
    expect(await ids()).toEqual(['outer']);
  });
});

describe('a realm at its URLs', () => {
  beforeEach(async () => {
    expect((await post(as, '/control/realms', '{"id":"u"}')).status).toBe(201);
  });

  it('serves AS metadata at the RFC 8414 path-inserted and the OIDC locations, naming its own endpoints', async () => {
    const issuer = `${as}/r/u`;
    for (const path of ['/.well-known/oauth-authorization-server/r/u', '/r/u/.well-known/openid-configuration']) {
      const r = await get(as, path);
      expect(r.status, path).toBe(200);
      expect(r.json).toMatchObject({ issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, registration_endpoint: `${issuer}/register`, introspection_endpoint: `${issuer}/introspect` });
    }
  });

  it('serves its protected-resource metadata path-inserted, pointing at its own issuer', async () => {
    const r = await get(rs, '/.well-known/oauth-protected-resource/r/u/mcp');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ resource: `${rs}/r/u/mcp`, authorization_servers: [`${as}/r/u`] });
  });

  it('challenges at /r/<id>/mcp with its own resource_metadata', async () => {
    const r = await fetch(`${rs}/r/u/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' });
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toContain(`resource_metadata="${rs}/.well-known/oauth-protected-resource/r/u/mcp"`);
  });

  it('answers control calls at /r/<id>/control/... on either port', async () => {
    expect((await get(as, '/r/u/control/state')).json.server).toBe('oauth');
    expect((await get(rs, '/r/u/control/state')).json.server).toBe('mcp');
  });

  it("answers a path no endpoint serves with a JSON 404 naming the path as it came", async () => {
    const r = await get(as, '/r/u/nope');
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ error: 'not_found', error_description: 'no endpoint at GET /r/u/nope' });
  });

  it('answers a JSON 404 naming an unknown realm, on both ports, for any path', async () => {
    for (const [base, path] of [
      [as, '/r/ghost/token'],
      [as, '/.well-known/oauth-authorization-server/r/ghost'],
      [rs, '/r/ghost/mcp'],
      [rs, '/.well-known/oauth-protected-resource/r/ghost/mcp'],
      [rs, '/r/ghost/control/state'],
    ] as const) {
      const r = await ctl('POST', base, path);
      expect(r.status, path).toBe(404);
      expect(r.headers.get('content-type')).toContain('application/json');
      expect(r.json).toEqual({ error: 'not_found', error_description: expect.stringContaining(`no realm "ghost" at ${path}`) });
    }
  });
});

describe('the control plane rules apply to realms', () => {
  let locked: RunningServers;
  beforeAll(async () => {
    locked = await start({ controlToken: 'sesame' });
  });
  afterAll(() => locked.close());

  it('CONTROL_TOKEN locks /control/realms and every realm control call', async () => {
    const base = locked.oauthUrl;
    expect((await post(base, '/control/realms', '{"id":"k"}')).status).toBe(401);
    expect(locked.realms.size).toBe(0);
    expect((await post(base, '/control/realms', '{"id":"k"}', { authorization: 'Bearer sesame' })).status).toBe(201);
    expect((await get(base, '/r/k/control/state')).status).toBe(401);
    expect((await get(base, '/r/k/control/state', { authorization: 'Bearer sesame' })).status).toBe(200);
    expect((await ctl('DELETE', base, '/control/realms/k')).status).toBe(401);
    expect(locked.realms.size).toBe(1);
  });

  it('a foreign Origin is refused (403), and creates nothing', async () => {
    const r = await post(locked.oauthUrl, '/control/realms', '{"id":"o"}', { authorization: 'Bearer sesame', origin: 'http://evil.example' });
    expect(r.status).toBe(403);
    expect(r.json.error).toBe('forbidden_origin');
    expect(locked.realms.list().map((x) => x.id)).not.toContain('o');
  });
});
