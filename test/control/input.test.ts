import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlClient, ControlError } from '../../src/control/client.js';
import type { RunningServers } from '../../src/server.js';
import { rsBase, start } from '../support/servers.js';
import { ctl, get, post } from '../support/control.js';

let s: RunningServers;
let as: string;
let rs: string;

beforeAll(async () => {
  s = await start();
  as = s.oauthUrl;
  rs = rsBase(s);
});
afterAll(() => s?.close());

describe('bad control input: 4xx that shows the valid form, never 5xx', () => {
  it('an unknown path is 404 listing the valid ones (per server)', async () => {
    const a = await post(as, '/control/rotat', '{"on":true}');
    expect(a.status).toBe(404);
    expect(a.json.valid).toEqual(expect.arrayContaining(['POST /control/rotate', 'POST /control/expires-in', 'POST /control/revoke-access', 'POST /control/invalid-grant', 'POST /control/deny-consent', 'POST /control/seed-refresh', 'POST /control/reset', 'GET /control/state']));
    expect(a.json.error_description).toMatch(/POST \/control\/rotate/);
    const r = await get(rs, '/control/nope');
    expect(r.status).toBe(404);
    expect(r.json.valid).toEqual(expect.arrayContaining(['POST /control/force-403', 'POST /control/reset', 'GET /control/state']));
    expect(r.json.valid).not.toContain('POST /control/rotate');
  });

  it.each([
    ['/control/rotate', '{on:true}', /not valid JSON.*\{"on":true\}/],
    ['/control/rotate', '{"on":"yes"}', /on: .*\{"on":true\}/],
    ['/control/rotate', '{"on":1}', /\{"on":true\}/],
    ['/control/rotate', '{}', /on: .*\{"on":true\}/],
    ['/control/rotate', '[true]', /\{"on":true\}/],
    ['/control/rotate', 'null', /\{"on":true\}/],
    ['/control/rotate', '{"on":true,"always":true}', /always.*\{"on":true\}/],
    ['/control/expires-in', '{"seconds":2.5}', /seconds: .*\{"seconds":5\}/],
    ['/control/expires-in', '{"seconds":0}', /seconds: .*\{"seconds":5\}/],
    ['/control/expires-in', '{"seconds":-5}', /seconds: .*\{"seconds":5\}/],
    ['/control/expires-in', '{"seconds":"5"}', /seconds: .*\{"seconds":5\}/],
    ['/control/expires-in', '{"secs":5}', /secs.*\{"seconds":5\}/],
    ['/control/invalid-grant', '{"on":null}', /\{"on":true\}/],
    ['/control/deny-consent', '"on"', /\{"on":true\}/],
    ['/control/seed-refresh', '{"token":""}', /token: .*\{"token":/],
    ['/control/seed-refresh', '{"token":42}', /token: .*\{"token":/],
    ['/control/seed-refresh', '{}', /token: .*\{"token":/],
    ['/control/revoke-access', '{"all":true}', /all.*no body/],
    ['/control/reset', '{"hard":true}', /hard/],
    ['/control/clock', '{"advance":0}', /advance: .*\{"advance":3600\}/],
    ['/control/clock', '{"advance":-60}', /\{"advance":3600\}/],
    ['/control/clock', '{"advance":1.5}', /\{"advance":3600\}/],
    ['/control/clock', '{"advance":"60"}', /\{"advance":3600\}/],
    ['/control/clock', '{"seconds":60}', /seconds.*\{"advance":3600\}/],
    ['/control/faults', '{"endpoint":"tokens","effect":{"kind":"drop"}}', /endpoint.*"endpoint":"token"/],
    ['/control/faults', '{"endpoint":"authorize","grant":"refresh_token","effect":{"kind":"drop"}}', /grant applies only to endpoint "token"/],
    ['/control/faults', '{"endpoint":"token","effect":{"kind":"explode"}}', /effect.*"effect":\{"kind"/],
    ['/control/faults', '{"endpoint":"token","effect":{"kind":"latency","ms":-1}}', /ms/],
    ['/control/faults', '{"endpoint":"token","effect":{"kind":"drop"},"times":0}', /times/],
    ['/control/faults', '{"endpoint":"token","effect":{"kind":"drop"},"colour":"red"}', /colour/],
    ['/control/faults', 'not json', /not valid JSON.*"endpoint":"token"/],
    ['/control/faults', '{"endpoint":"revoke","effect":{"kind":"omit","fields":["x"]}}', /omit needs an answer with fields/],
    ['/control/faults', '{"endpoint":"mcp","effect":{"kind":"omit","fields":["result"]}}', /omit needs an answer with fields/],
  ])('POST %s %s → 400 with the valid form', async (path, body, message) => {
    const res = await post(as, path, body);
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('invalid_request');
    expect(res.json.error_description).toMatch(message);
  });

  it('bad input changes nothing', async () => {
    const before = (await get(as, '/control/state')).json;
    await post(as, '/control/expires-in', '{"seconds":0}');
    await post(as, '/control/rotate', '{"on":"true"}');
    const after = (await get(as, '/control/state')).json;
    expect(after.switches).toEqual(before.switches);
  });

  it('GET /control/events?since= must be a non-negative integer', async () => {
    for (const q of ['abc', '-1', '1.5']) {
      const res = await get(as, `/control/events?since=${q}`);
      expect(res.status, q).toBe(400);
      expect(res.json.error_description).toMatch(/since=0/);
    }
  });

  it.each([
    ['GET', '/control/rotate', 'POST'],
    ['PUT', '/control/expires-in', 'POST'],
    ['DELETE', '/control/reset', 'POST'],
    ['POST', '/control/state', 'GET'],
    ['POST', '/control/events', 'GET'],
    ['PUT', '/control/faults', 'GET, POST, DELETE'],
    ['GET', '/control/faults/f1', 'DELETE'],
    ['DELETE', '/control/clock', 'GET, POST'],
  ])('%s %s → 405 with Allow: %s', async (method, path, allow) => {
    const res = await ctl(method, as, path);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    expect(res.json.error_description).toContain(allow);
  });

  it('GET on an RS-only switch is 405 there and 404 on the authorization server', async () => {
    expect((await get(rs, '/control/force-403')).headers.get('allow')).toBe('POST');
    expect((await post(as, '/control/force-403', '{"on":true}')).status).toBe(404);
  });

  it('no garbage gets a 5xx', async () => {
    const junk: Array<[string, string, string?, Record<string, string>?]> = [
      ['POST', '/control/rotate', '\u0000\u0001'],
      ['POST', '/control/rotate', '{"on":true}'.repeat(10_000)],
      ['POST', '/control/expires-in', '{"seconds":1e400}'],
      ['POST', '/control/expires-in', '{"seconds":99999999999999999999}'],
      ['POST', '/control/seed-refresh', JSON.stringify({ token: 'x'.repeat(5000) })],
      ['POST', '/control/faults', JSON.stringify({ endpoint: 'token', effect: { kind: 'status', status: 999 } })],
      ['POST', '/control/faults', JSON.stringify({ endpoint: 'token', effect: { kind: 'oauth-error', error: 'bad "quote"' } })],
      ['POST', '/control/faults', '{"__proto__":{"x":1}}'],
      ['DELETE', '/control/faults/%E0%A4%A'],
      ['GET', '/control/events?since=99999999999999999999999'],
      ['POST', '/control/rotate', '{"on":true}', { 'content-type': 'text/plain' }],
      ['GET', '/control/../control/state'],
      ['OPTIONS', '/control/state'],
      ['GET', '/control/'],
      ['GET', '/control'],
    ];
    for (const [method, path, body, headers] of junk) {
      const res = await ctl(method, as, path, body, headers);
      expect(res.status, `${method} ${path} ${body?.slice(0, 40) ?? ''}`).toBeLessThan(500);
    }
  });
});

describe('controlToken locks /control/* behind Bearer', () => {
  const TOKEN = 'control-secret-0123456789abcdef';
  let locked: RunningServers;
  beforeAll(async () => {
    locked = await start({ controlToken: TOKEN });
  });
  afterAll(() => locked?.close());

  it('401 without or with a wrong token, on both servers; the OAuth endpoints stay open', async () => {
    for (const base of [locked.oauthUrl, rsBase(locked)]) {
      const none = await get(base, '/control/state');
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(none.text).not.toContain(TOKEN);
      expect((await post(base, '/control/reset', undefined, { authorization: 'Bearer wrong' })).status).toBe(401);
      expect((await get(base, '/control/state', { authorization: `Basic ${TOKEN}` })).status).toBe(401);
      expect((await get(base, '/control/state', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    }
    expect((await get(locked.oauthUrl, '/.well-known/oauth-authorization-server')).status).toBe(200);
  });

  it('ControlClient with token works; without it, a ControlError with status 401', async () => {
    expect((await locked.control.rotate(true)).switches.rotate).toBe(true);
    expect((await locked.control.force403(true)).switches['force-403']).toBe(true);
    const state = await locked.control.reset();
    expect(state.switches.rotate).toBe(false);
    const anonymous = new ControlClient({ oauthUrl: locked.oauthUrl, mcpUrl: locked.mcpUrl });
    const err = await anonymous.state().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ControlError);
    expect((err as ControlError).status).toBe(401);
  });
});
