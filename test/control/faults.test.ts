import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { rsBase, start } from '../support/servers.js';
import { ctl, get, post } from '../support/control.js';
import { introspectByQuery, obtainTokens, refreshGrant, register, visitAuthorize } from '../support/oauth.js';
import { pkce } from '../support/pkce.js';
import { callTool, rpc } from '../support/mcp.js';

let s: RunningServers;
let as: string;
let rs: string;

beforeAll(async () => {
  s = await start();
  as = s.oauthUrl;
  rs = rsBase(s);
});
afterAll(() => s?.close());
beforeEach(async () => {
  await ctl('DELETE', as, '/control/faults');
  await post(rs, '/control/reset');
  await post(as, '/control/reset');
});

const addFault = async (base: string, spec: unknown) => {
  const res = await post(base, '/control/faults', JSON.stringify(spec));
  expect(res.status, res.text).toBe(201);
  return res.json.fault as { id: string; remaining: number | null; hits: number; breaks: string };
};

describe('fault model: POST / GET / DELETE /control/faults', () => {
  it('"the next 2 refresh grants answer 503 temporarily_unavailable", then the 3rd succeeds', async () => {
    const { clientId, tokens } = await obtainTokens(as);
    const fault = await addFault(as, { endpoint: 'token', grant: 'refresh_token', effect: { kind: 'oauth-error', error: 'temporarily_unavailable', status: 503 }, times: 2 });
    expect(fault.remaining).toBe(2);
    expect(fault.breaks).toMatch(/RFC 6749 §5\.2/);

    // A code exchange is another grant: the fault leaves it alone.
    expect((await obtainTokens(as)).tokens.access_token).toBeTruthy();
    for (let i = 0; i < 2; i++) {
      const r = await refreshGrant(as, clientId, tokens.refresh_token!);
      expect(r.status).toBe(503);
      expect(r.json.error).toBe('temporarily_unavailable');
    }
    expect((await refreshGrant(as, clientId, tokens.refresh_token!)).status).toBe(200);
    expect((await get(as, '/control/faults')).json.faults).toEqual([]);
  });

  it('counts hits down and lists active faults with the section each effect breaks', async () => {
    await addFault(as, { endpoint: 'token', effect: { kind: 'latency', ms: 1 }, times: 3, id: 'slow' });
    await post(as, '/control/register', undefined); // a 404, not a fault hit
    await register(as);
    const { clientId, tokens } = await obtainTokens(as);
    await refreshGrant(as, clientId, tokens.refresh_token!);
    const view = await get(as, '/control/faults');
    expect(view.status).toBe(200);
    expect(view.json.faults).toEqual([expect.objectContaining({ id: 'slow', hits: 2, remaining: 1, breaks: expect.stringMatching(/RFCs/) })]);
    expect(view.json.endpoints).toEqual(['authorize', 'token', 'register', 'introspect', 'revoke', 'as-metadata', 'jwks', 'resource-metadata', 'mcp', 'cimd-fetch']);
    const kinds = ['oauth-error', 'status', 'latency', 'drop', 'omit', 'token-shape', 'same-client-id', 'invalid-target'];
    expect(Object.keys(view.json.effects).sort()).toEqual([...kinds, 'token-flaw', 'stale-jwks', 'cimd', 'iss', 'issuer', 'state'].sort());
    for (const k of kinds) expect(view.json.effects[k].breaks, k).toMatch(/RFC/);
    expect(view.json.effects.cimd.breaks).toMatch(/draft-ietf-oauth-client-id-metadata-document/);
  });

  it('"the token endpoint is slow": a latency fault delays the answer, which then succeeds', async () => {
    const { clientId, tokens } = await obtainTokens(as);
    await addFault(as, { endpoint: 'token', effect: { kind: 'latency', ms: 300 } });
    const t0 = performance.now();
    const r = await refreshGrant(as, clientId, tokens.refresh_token!);
    const elapsed = performance.now() - t0;
    expect(r.status).toBe(200);
    // Timers have millisecond granularity: allow 2 ms of rounding.
    expect(elapsed).toBeGreaterThanOrEqual(298);
    expect((await get(as, '/control/faults')).json.faults).toHaveLength(1); // no times: until removed
  });

  it('"refresh responses omit refresh_token"', async () => {
    const { clientId, tokens } = await obtainTokens(as);
    const fault = await addFault(as, { endpoint: 'token', grant: 'refresh_token', effect: { kind: 'omit', fields: ['refresh_token'] } });
    expect(fault.breaks).toMatch(/RFC 6749 §5\.1/);
    const r = await refreshGrant(as, clientId, tokens.refresh_token!);
    expect(r.status).toBe(200);
    expect(r.json.access_token).toBeTruthy();
    expect(r.json).not.toHaveProperty('refresh_token');
    // The old refresh token is still the one to keep using.
    expect((await refreshGrant(as, clientId, tokens.refresh_token!)).status).toBe(200);
  });

  it('drop closes the connection: fetch rejects', async () => {
    const { clientId, tokens } = await obtainTokens(as);
    await addFault(as, { endpoint: 'token', effect: { kind: 'drop' }, times: 1 });
    await expect(refreshGrant(as, clientId, tokens.refresh_token!)).rejects.toThrow();
    expect((await refreshGrant(as, clientId, tokens.refresh_token!)).status).toBe(200);
    const { events } = (await get(as, '/control/events?since=0')).json as { events: Array<{ path: string; outcome: string }> };
    expect(events.some((e) => e.path === '/token' && e.outcome === 'dropped')).toBe(true);
  });

  it('status replaces the answer with any status, body and headers', async () => {
    const { clientId, tokens } = await obtainTokens(as);
    await addFault(as, { endpoint: 'token', effect: { kind: 'status', status: 418, body: "I'm a teapot", headers: { 'x-fault': 'yes' } }, times: 1 });
    await addFault(as, { endpoint: 'register', effect: { kind: 'status', status: 502, body: { upstream: 'down' } }, times: 1 });
    const teapot = await refreshGrant(as, clientId, tokens.refresh_token!);
    expect(teapot.status).toBe(418);
    expect(teapot.text).toBe("I'm a teapot");
    expect(teapot.headers.get('x-fault')).toBe('yes');
    const reg = await post(as, '/register', JSON.stringify({ redirect_uris: ['http://127.0.0.1:1/cb'] }));
    expect([reg.status, reg.json, reg.headers.get('content-type')]).toEqual([502, { upstream: 'down' }, 'application/json']);
  });

  it('DELETE /control/faults/:id removes one fault (404 for an unknown id); DELETE /control/faults clears all', async () => {
    await addFault(as, { endpoint: 'authorize', effect: { kind: 'drop' }, id: 'a' });
    await addFault(rs, { endpoint: 'mcp', effect: { kind: 'drop' }, id: 'b' });
    const removed = await ctl('DELETE', as, '/control/faults/a');
    expect(removed.status).toBe(200);
    expect(removed.json.faults.map((f: { id: string }) => f.id)).toEqual(['b']);
    const missing = await ctl('DELETE', as, '/control/faults/a');
    expect(missing.status).toBe(404);
    expect(missing.json.error_description).toMatch(/GET \/control\/faults/);
    const cleared = await ctl('DELETE', as, '/control/faults');
    expect(cleared.json.faults).toEqual([]);
  });
});

describe('faults on every endpoint', () => {
  it('resource-metadata and as-metadata', async () => {
    await addFault(rs, { endpoint: 'resource-metadata', effect: { kind: 'status', status: 500, body: 'boom' }, times: 1 });
    await addFault(as, { endpoint: 'as-metadata', effect: { kind: 'omit', fields: ['code_challenge_methods_supported'] }, times: 1 });
    const prm = await get(rs, '/.well-known/oauth-protected-resource/mcp');
    expect([prm.status, prm.text]).toEqual([500, 'boom']);
    expect((await get(rs, '/.well-known/oauth-protected-resource/mcp')).status).toBe(200);
    const meta = await get(as, '/.well-known/oauth-authorization-server');
    expect(meta.status).toBe(200);
    expect(meta.json.token_endpoint).toBe(`${as}/token`);
    expect(meta.json).not.toHaveProperty('code_challenge_methods_supported');
  });

  it('register answers the injected registration error', async () => {
    await addFault(as, { endpoint: 'register', effect: { kind: 'oauth-error', error: 'invalid_client_metadata', description: 'no thanks' }, times: 1 });
    await expect(register(as)).rejects.toThrow(/400.*invalid_client_metadata/);
    await expect(register(as)).resolves.toHaveProperty('client_id');
  });

  it('introspect: the RS cannot validate, so the MCP call is 401; the raw endpoint shows the fault', async () => {
    const { tokens } = await obtainTokens(as);
    await addFault(as, { endpoint: 'introspect', effect: { kind: 'status', status: 503 }, times: 2 });
    const call = await callTool(s.mcpUrl, tokens.access_token);
    expect(call.status).toBe(401);
    expect(call.json.error_description).toMatch(/introspection failed/);
    expect((await get(as, `/introspect?token=${tokens.access_token}`)).status).toBe(503);
    expect((await callTool(s.mcpUrl, tokens.access_token)).status).toBe(200);
  });

  it('revoke answers the injected error and revokes nothing', async () => {
    const { clientId, tokens } = await obtainTokens(as);
    await addFault(as, { endpoint: 'revoke', effect: { kind: 'oauth-error', error: 'unsupported_token_type' }, times: 1 });
    const revoke = (t: string) =>
      fetch(`${as}/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: t, client_id: clientId }) });
    const r = await revoke(tokens.access_token);
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toBe('unsupported_token_type');
    expect((await introspectByQuery(as, tokens.access_token)).active).toBe(true);
    expect((await revoke(tokens.access_token)).status).toBe(200);
    expect((await introspectByQuery(as, tokens.access_token)).active).toBe(false);
  });

  it('mcp: a fault scoped to one JSON-RPC method; an oauth-error becomes a Bearer challenge', async () => {
    const { tokens } = await obtainTokens(as);
    await addFault(rs, { endpoint: 'mcp', rpcMethod: 'tools/list', effect: { kind: 'status', status: 500, body: { oops: true } }, times: 1 });
    await addFault(rs, { endpoint: 'mcp', rpcMethod: 'tools/call', effect: { kind: 'oauth-error', error: 'invalid_token', status: 401 }, times: 1 });
    const list = await rpc(s.mcpUrl, tokens.access_token, 'tools/list');
    expect([list.status, list.json]).toEqual([500, { oops: true }]);
    const call = await callTool(s.mcpUrl, tokens.access_token);
    expect(call.status).toBe(401);
    expect(call.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    expect((await callTool(s.mcpUrl, tokens.access_token)).status).toBe(200);
  });

  it('authorize: omit iss from the redirect', async () => {
    const { client_id } = await register(as);
    await addFault(as, { endpoint: 'authorize', effect: { kind: 'omit', fields: ['iss'] }, times: 1 });
    const r = await visitAuthorize(as, client_id, pkce().challenge);
    expect(r.location!.searchParams.get('code')).toBeTruthy();
    expect(r.location!.searchParams.has('iss')).toBe(false);
  });
});

describe('virtual clock', () => {
  it('POST /control/clock {"advance":3600} makes a token issued with TTL 3600 inactive, without sleeping', async () => {
    const { tokens } = await obtainTokens(as);
    expect(tokens.expires_in).toBe(3600);
    const before = await get(as, '/control/clock');
    expect(before.json.offsetSeconds).toBe(0);
    const res = await post(as, '/control/clock', '{"advance":3599}');
    expect(res.status).toBe(200);
    expect(res.json.offsetSeconds).toBe(3599);
    expect((await introspectByQuery(as, tokens.access_token)).active).toBe(true);
    await post(as, '/control/clock', '{"advance":1}');
    expect((await introspectByQuery(as, tokens.access_token)).active).toBe(false);
    expect((await callTool(s.mcpUrl, tokens.access_token)).status).toBe(401);
    // The server's clock reads real time plus the offset: bracketed by real time around the call, at any speed.
    const asked = Date.now();
    const after = await get(rs, '/control/clock');
    expect(after.json.offsetSeconds).toBe(3600);
    expect(Date.parse(after.json.now)).toBeGreaterThanOrEqual(asked + 3600_000);
    expect(Date.parse(after.json.now)).toBeLessThanOrEqual(Date.now() + 3600_000);
  });
});
