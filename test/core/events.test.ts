import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FACTS, MAX_SUBSCRIBERS, type ControlEvent, type RequestEvent, type ServerEvent } from '../../src/events.js';
import type { RunningServers } from '../../src/server.js';
import { ctl, get, post } from '../support/control.js';
import { REDIRECT as REDIRECT_URI, refreshGrant, tokenRequest, register as registerClient } from '../support/oauth.js';
import { rsBase, start } from '../support/servers.js';
import { postMcp, toolsCallBody, toolsListBody } from '../support/mcp.js';
import { bearerChallenge } from '../support/www-authenticate.js';
import { obtainTokens as obtain } from '../support/oauth.js';

/** A public client (or a confidential one with client_secret_post), registered over the socket. */
const register = (oauthUrl: string, method: 'none' | 'client_secret_post' = 'none') =>
  registerClient(oauthUrl, { token_endpoint_auth_method: method, grant_types: ['authorization_code', 'refresh_token'] });

/** Tokens for a public client, asked for `resource` (RFC 8707) and optionally `scope`, flattened. */
async function obtainTokens(issuer: string, resource: string, scope?: string) {
  const { clientId, tokens } = await obtain(issuer, { resource, ...(scope ? { params: { scope } } : {}) });
  return { clientId, ...tokens };
}

/**
 * Typed events: each request event carries its endpoint's facts and nothing else, control events
 * say which control changed, subscribers see every event once as it is recorded, and the console
 * (the log sink) prints one line per event whatever a client sends.
 */

let s: RunningServers;
let as: string;
let rs: string;
const lines: string[] = [];

beforeAll(async () => {
  s = await start({ log: (l) => lines.push(l) });
  as = s.oauthUrl;
  rs = rsBase(s);
});
afterAll(() => s?.close());

/** Every event recorded while `fn` runs, as the subscriber receives it (not as JSON: undefined keys show). */
async function recording(fn: () => Promise<void>): Promise<ServerEvent[]> {
  const seen: ServerEvent[] = [];
  const stop = s.realm.events.subscribe((e) => seen.push(e));
  try {
    await fn();
  } finally {
    stop();
  }
  return seen;
}

const requests = <E extends RequestEvent['endpoint']>(events: ServerEvent[], endpoint: E) =>
  events.filter((e): e is Extract<RequestEvent, { endpoint: E }> => e.type === 'request' && e.endpoint === endpoint);
const one = <T>(list: T[]): T => {
  expect(list).toHaveLength(1);
  return list[0]!;
};

const COMMON = ['id', 'at', 'server', 'type', 'endpoint', 'method', 'path', 'status', 'ms', 'outcome', 'reason', 'fault'];
const CONTROL = ['id', 'at', 'server', 'type', 'control', 'method', 'path', 'status', 'ms', 'outcome', 'reason', 'fault', 'faultId', 'faultEndpoint'];

/** A request event has the common keys and its endpoint's facts only, each with a value. */
function expectOwnFactsOnly(e: ServerEvent): void {
  const allowed = e.type === 'request' ? [...COMMON, ...FACTS[e.endpoint]] : CONTROL;
  for (const [k, v] of Object.entries(e)) {
    expect(allowed, `${e.type} ${'endpoint' in e ? e.endpoint : e.control} event key ${k}`).toContain(k);
    expect(v, `${k} is set`).not.toBeUndefined();
  }
}

describe('request events carry their endpoint’s typed facts', () => {
  it('authorize → token (code) → mcp → introspect: clientId, the same abbreviated grantId, scopes, resources, rpcMethod, tool, active', async () => {
    let clientId = '';
    let accessToken = '';
    const events = await recording(async () => {
      const t = await obtainTokens(as, s.mcpUrl, 'mcp:read');
      clientId = t.clientId;
      accessToken = t.access_token;
      expect((await postMcp(s.mcpUrl, toolsCallBody('echo', { message: 'hi' }), { Authorization: `Bearer ${t.access_token}` })).status).toBe(200);
      expect((await get(as, '/introspect?token=not-a-token')).json).toEqual({ active: false });
    });
    const [record] = (await s.realm.store.list('access')).filter(([k]) => k === accessToken).map(([, r]) => r);
    const fullGrantId = record!.grantId;

    const authz = one(requests(events, 'authorize'));
    expect(authz).toMatchObject({ server: 'oauth', method: 'GET', path: '/authorize', status: 302, outcome: 'ok', clientId, scopes: ['mcp:read'], resources: [s.mcpUrl] });
    expect(authz.grantId).toContain('…');
    expect(authz.grantId).not.toBe(fullGrantId);
    expect(JSON.stringify(events)).not.toContain(fullGrantId);
    expect(authz.grantId).toBe(`${fullGrantId.slice(0, 6)}…${fullGrantId.slice(-4)}`);

    const tok = one(requests(events, 'token'));
    expect(tok).toMatchObject({ status: 200, outcome: 'ok', grant: 'authorization_code', clientId, grantId: authz.grantId, scopes: ['mcp:read'], resources: [s.mcpUrl] });
    expect(tok).not.toHaveProperty('revoked');

    const mcp = one(requests(events, 'mcp'));
    expect(mcp).toMatchObject({ server: 'mcp', path: '/mcp', status: 200, rpcMethod: 'tools/call', tool: 'echo', clientId });

    const [byRs, byQuery] = requests(events, 'introspect');
    expect(requests(events, 'introspect')).toHaveLength(2);
    expect(byRs).toMatchObject({ method: 'POST', active: true, outcome: 'active', clientId: s.config.introspectionClientId });
    expect(byQuery).toMatchObject({ method: 'GET', active: false, outcome: 'inactive' });
    expect(byQuery).not.toHaveProperty('clientId');
    // The RS introspected while serving the /mcp call: its event comes first.
    expect(byRs!.id).toBeLessThan(mcp.id);

    for (const e of events) expectOwnFactsOnly(e);
  });

  it('a refresh token reused after rotation: the refused refresh says how many tokens it revoked', async () => {
    const t = await obtainTokens(as, s.mcpUrl);
    await s.control.rotate(true);
    try {
      const events = await recording(async () => {
        expect((await refreshGrant(as, t.clientId, t.refresh_token!)).status).toBe(200);
        const reuse = await refreshGrant(as, t.clientId, t.refresh_token!);
        expect(reuse.status).toBe(400);
        expect(reuse.json.error_description).toContain('(4 tokens');
      });
      const [ok, reused] = requests(events, 'token');
      expect(ok).toMatchObject({ grant: 'refresh_token', outcome: 'ok' });
      expect(ok).not.toHaveProperty('revoked');
      // The family: both access tokens, the rotated refresh token (remembered for this) and its successor.
      expect(reused).toMatchObject({ grant: 'refresh_token', clientId: t.clientId, status: 400, outcome: 'invalid_grant', revoked: 4 });
      expect(reused).toMatchObject({ grantId: ok!.grantId });
      expect((await tokenRequest(as, { grant_type: 'refresh_token', refresh_token: t.refresh_token!, client_id: t.clientId })).status).toBe(400);
      for (const e of events) expectOwnFactsOnly(e);
    } finally {
      await s.control.rotate(false);
    }
  });

  it('events carry only their endpoint’s facts, and only facts that are known', async () => {
    const { client_id } = await register(as);
    const events = await recording(async () => {
      await get(as, '/.well-known/oauth-authorization-server');
      await get(rs, '/.well-known/oauth-protected-resource/mcp');
      await get(as, '/authorize?client_id=nobody&response_type=code');
      await postMcp(s.mcpUrl, toolsListBody());
      await get(as, '/no-such-endpoint');
      await tokenRequest(as, { grant_type: 'authorization_code', code: 'ac_nope', code_verifier: 'v'.repeat(43), client_id, redirect_uri: REDIRECT_URI });
    });
    expect(events.map((e) => (e.type === 'request' ? e.endpoint : e.control))).toEqual(['as-metadata', 'resource-metadata', 'authorize', 'mcp', 'other', 'token']);
    for (const e of events) expectOwnFactsOnly(e);
    const [asMeta, rsMeta, refusedAuthz, anonymousMcp] = events;
    for (const meta of [asMeta, rsMeta]) {
      expect(meta).not.toHaveProperty('clientId');
      expect(meta).not.toHaveProperty('grant');
      expect(meta).not.toHaveProperty('reason');
    }
    // The client is unknown: there is no clientId to tell, and no key for it.
    expect(refusedAuthz).not.toHaveProperty('clientId');
    expect(anonymousMcp).toMatchObject({ status: 401, rpcMethod: 'tools/list' });
    expect(anonymousMcp).not.toHaveProperty('clientId');
    expect(anonymousMcp).not.toHaveProperty('tool');
  });

  it('a refused request carries reason: the error_description it answered', async () => {
    const { client_id } = await register(as);
    const answered: Record<string, string> = {};
    const events = await recording(async () => {
      const res = await tokenRequest(as, { grant_type: 'authorization_code', code: 'ac_nope', code_verifier: 'v'.repeat(43), client_id, redirect_uri: REDIRECT_URI });
      expect(res.status).toBe(400);
      answered.token = res.json.error_description;
      const mcp = await postMcp(s.mcpUrl, toolsListBody(), { Authorization: 'Bearer not-a-live-token' });
      answered.mcp = bearerChallenge(mcp).error_description!;
      const reg = await post(as, '/register', JSON.stringify({ redirect_uris: ['not a uri'] }));
      answered.register = reg.json.error_description;
      await get(as, '/.well-known/oauth-authorization-server');
    });
    expect(Object.values(answered).every((d) => typeof d === 'string' && d.length > 10)).toBe(true);
    expect(one(requests(events, 'token'))).toMatchObject({ outcome: 'invalid_grant', reason: answered.token, grant: 'authorization_code', clientId: client_id });
    expect(one(requests(events, 'mcp'))).toMatchObject({ outcome: 'invalid_token', reason: answered.mcp });
    expect(one(requests(events, 'register'))).toMatchObject({ outcome: 'invalid_redirect_uri', reason: answered.register });
    // Success has no reason.
    expect(one(requests(events, 'as-metadata'))).not.toHaveProperty('reason');
  });
});

describe('control events', () => {
  it('type control, control = the switch name or faults / clock / policy; a fault event names its id and endpoint', async () => {
    const events = await recording(async () => {
      await post(as, '/control/rotate', '{"on":true}');
      await post(rs, '/control/force-403', '{"on":true}');
      expect((await post(as, '/control/faults', '{"endpoint":"revoke","effect":{"kind":"drop"},"id":"ev-drop"}')).status).toBe(201);
      await ctl('DELETE', as, '/control/faults/ev-drop');
      expect((await post(rs, '/control/faults', '{"endpoint":"mcp","rpcMethod":"tools/call","effect":{"kind":"latency","ms":1},"times":2}')).status).toBe(201);
      await ctl('DELETE', rs, '/control/faults');
      await post(as, '/control/clock', '{"advance":1}');
      await post(as, '/control/policy', '{"codeTtlSeconds":30,"issParameter":true}');
      await post(as, '/control/rotate', '{"on":false}');
      await post(as, '/control/policy', '{"codeTtlSeconds":60}');
    });
    expect(events.every((e) => e.type === 'control')).toBe(true);
    const control = events as ControlEvent[];
    for (const e of control) {
      expectOwnFactsOnly(e);
      expect(e).not.toHaveProperty('endpoint');
    }
    expect(control.map((e) => [e.server, e.control, e.method, e.path, e.status, e.outcome])).toEqual([
      ['oauth', 'rotate', 'POST', '/control/rotate', 200, 'on'],
      ['mcp', 'force-403', 'POST', '/control/force-403', 200, 'on'],
      ['oauth', 'faults', 'POST', '/control/faults', 201, 'added ev-drop'],
      ['oauth', 'faults', 'DELETE', '/control/faults/ev-drop', 200, 'removed ev-drop'],
      ['mcp', 'faults', 'POST', '/control/faults', 201, expect.stringMatching(/^added m\d+$/)],
      ['mcp', 'faults', 'DELETE', '/control/faults', 200, 'cleared'],
      ['oauth', 'clock', 'POST', '/control/clock', 200, 'advanced 1s'],
      ['oauth', 'policy', 'POST', '/control/policy', 200, 'changed'],
      ['oauth', 'rotate', 'POST', '/control/rotate', 200, 'off'],
      ['oauth', 'policy', 'POST', '/control/policy', 200, 'changed'],
    ]);
    expect(control[2]).toMatchObject({ faultId: 'ev-drop', faultEndpoint: 'revoke', reason: 'revoke drop until removed' });
    expect(control[3]).toMatchObject({ faultId: 'ev-drop' });
    expect(control[3]).not.toHaveProperty('faultEndpoint');
    expect(control[4]).toMatchObject({ faultId: control[4]!.outcome.slice('added '.length), faultEndpoint: 'mcp', reason: 'mcp latency ×2' });
    expect(control[5]).not.toHaveProperty('faultId');
    expect(control[7]).toMatchObject({ reason: 'codeTtlSeconds issParameter' });
    await post(rs, '/control/force-403', '{"on":false}');
  });

  it('a refused control call is a request event with reason: the error_description it answered', async () => {
    const answers: string[] = [];
    const events = await recording(async () => {
      for (const [path, body] of [['/control/policy', '{"nope":1}'], ['/control/expires-in', '{"seconds":0}'], ['/control/faults', '{"endpoint":"nowhere"}'], ['/control/clock', 'not json']] as const) {
        const res = await post(as, path, body);
        expect(res.status).toBe(400);
        answers.push(res.json.error_description);
      }
    });
    // A description is kept whole up to 300 characters (it may quote what a client sent), then cut.
    const bounded = (d: string) => (d.length > 300 ? `${d.slice(0, 300)}…` : d);
    expect(answers[2]!.length).toBeGreaterThan(300);
    expect(events.map((e) => [e.type, e.path, e.status, e.outcome, e.reason])).toEqual([
      ['request', '/control/policy', 400, 'invalid_request', answers[0]],
      ['request', '/control/expires-in', 400, 'invalid_request', answers[1]],
      ['request', '/control/faults', 400, 'invalid_request', bounded(answers[2]!)],
      ['request', '/control/clock', 400, 'invalid_request', answers[3]],
    ]);
    expect(lines.at(-1)).toMatch(/^\[oauth\] POST \/control\/clock → invalid_request 400 \d+ms — body is not valid JSON/);
    for (const e of events) expectOwnFactsOnly(e);
  });
});

describe('EventLog.subscribe', () => {
  afterEach(() => vi.restoreAllMocks());

  it('a subscriber sees each event once, in order, as it is recorded; unsubscribe stops it', async () => {
    const log = s.realm.events;
    const seen: ServerEvent[] = [];
    const from = log.lastId;
    // Called when the event is recorded: it is the newest one in the log, and the very same object.
    // Checked after the fact: a throw in here would only remove the subscriber, not fail the test.
    const atRecord: Array<{ newest: boolean; same: boolean }> = [];
    const stop = log.subscribe((e) => {
      atRecord.push({ newest: log.lastId === e.id, same: log.since(e.id - 1)[0] === e });
      seen.push(e);
    });
    try {
      await get(as, '/.well-known/oauth-authorization-server');
      // The event is there by the time the answer is: recorded before the response went out.
      expect(seen.map((e) => e.path)).toEqual(['/.well-known/oauth-authorization-server']);
      await register(as);
      await post(as, '/control/rotate', '{"on":false}');
      await postMcp(s.mcpUrl, toolsListBody());
      expect(seen.map((e) => e.path)).toEqual(['/.well-known/oauth-authorization-server', '/register', '/control/rotate', '/mcp']);
    } finally {
      stop();
    }
    expect(atRecord).toEqual(seen.map(() => ({ newest: true, same: true })));
    const ids = seen.map((e) => e.id);
    expect(ids).toEqual(log.since(from).map((e) => e.id));
    expect(ids).toEqual([from + 1, from + 2, from + 3, from + 4]);
    await get(as, '/.well-known/oauth-authorization-server');
    expect(seen).toHaveLength(4);
    expect(log.lastId).toBe(from + 5);
  });

  it('a throwing subscriber is removed; the request still succeeds and the others still get events', async () => {
    const log = s.realm.events;
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const before: string[] = [];
    const after: string[] = [];
    let thrown = 0;
    const stops = [
      log.subscribe((e) => before.push(e.path)),
      log.subscribe(() => {
        thrown++;
        throw new Error('broken dashboard');
      }),
      log.subscribe((e) => after.push(e.path)),
    ];
    try {
      const res = await register(as);
      expect(res.client_id).toBeTruthy();
      const meta = await get(as, '/.well-known/oauth-authorization-server');
      expect(meta.status).toBe(200);
      expect(thrown).toBe(1);
      expect(before).toEqual(['/register', '/.well-known/oauth-authorization-server']);
      expect(after).toEqual(before);
      expect(errors).toHaveBeenCalledTimes(1);
      expect(String(errors.mock.calls[0]![0])).toContain('a subscriber threw; it is removed');
      // The console (also a subscriber) kept printing.
      expect(lines.at(-1)).toMatch(/^\[oauth\] GET \/\.well-known\/oauth-authorization-server → ok 200/);
    } finally {
      for (const stop of stops) stop();
    }
  });

  it(`at most MAX_SUBSCRIBERS (${MAX_SUBSCRIBERS}), with a clear error; unsubscribing frees a place`, () => {
    const log = s.realm.events;
    const stops: Array<() => void> = [];
    try {
      let refused: unknown;
      for (let i = 0; i <= MAX_SUBSCRIBERS; i++) {
        try {
          stops.push(log.subscribe(() => {}));
        } catch (err) {
          refused = err;
          break;
        }
      }
      // The console sink (log: given to startServers) holds one place, the realm's report card another.
      expect(stops).toHaveLength(MAX_SUBSCRIBERS - 2);
      expect(refused).toBeInstanceOf(Error);
      expect((refused as Error).message).toBe(`at most ${MAX_SUBSCRIBERS} event subscribers`);
      expect(() => log.subscribe(() => {})).toThrow(/at most 64/);
      stops.pop()!();
      stops.push(log.subscribe(() => {}));
      expect(() => log.subscribe(() => {})).toThrow(/at most 64/);
    } finally {
      for (const stop of stops) stop();
    }
    const again = log.subscribe(() => {});
    again();
  });
});

describe('console lines', () => {
  const CONTROL_CHARS = /[\x00-\x1f\x7f]/;

  it('never contain raw control characters, whatever a client sends (%0a, %1b in the query, the path, a header)', async () => {
    const { client_id } = await register(as);
    const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
    const base = `response_type=code&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&code_challenge=${challenge}&code_challenge_method=S256`;
    const forged = '%0a[oauth]%20GET%20/forged%20→%20ok%20200%200ms%1b[2J%7f';
    const from = lines.length;
    const events = await recording(async () => {
      // An unknown client_id with a line feed and an escape sequence.
      await fetch(`${as}/authorize?client_id=evil${forged}&${base}`, { redirect: 'manual' });
      // A registered client whose resource carries them.
      const refused = await fetch(`${as}/authorize?client_id=${client_id}&${base}&resource=${encodeURIComponent(s.mcpUrl)}${forged}`, { redirect: 'manual' });
      expect(new URL(refused.headers.get('location')!).searchParams.get('error')).toBe('invalid_target');
      // The path itself (decoded by the router) and a header quoted in an error_description.
      await fetch(`${as}/authorize${forged}?${base}`, { redirect: 'manual' });
      // (fetch refuses such a content-type; node:http sends it, as any raw client may.)
      await new Promise<void>((resolve, reject) => {
        const req = http.request(`${as}/token`, { method: 'POST', headers: { 'content-type': 'text/\tplain' } }, (res) => res.resume().on('end', resolve));
        req.on('error', reject).end('x');
      });
    });
    const printed = lines.slice(from);
    expect(printed).toHaveLength(4);
    expect(printed).toHaveLength(events.length);
    for (const line of printed) expect(line, JSON.stringify(line)).not.toMatch(CONTROL_CHARS);
    // Each client-sent value still shows, its control characters made visible as '?'.
    expect(printed[0]).toMatch(/^\[oauth\] GET \/authorize → invalid_client 400 \d+ms — unknown client_id "evil\\n\[oauth\] GET \/forged → ok 200 0ms\\u001b\[2J\?"/);
    // A resource with them is no URI (RFC 3986 §2): refused back to the client, not granted.
    expect(printed[1]).toMatch(/^\[oauth\] GET \/authorize → invalid_target 302 \d+ms — resource "http:\/\/localhost:\d+\/mcp\\n\[oauth\] GET \/forged → ok 200 0ms\\u001b\[2J\?" is not an absolute URI/);
    expect(events[1]).toMatchObject({ endpoint: 'authorize', outcome: 'invalid_target', clientId: client_id });
    expect(events[1]).not.toHaveProperty('resources');
    expect(printed[2]).toMatch(/^\[oauth\] GET \/authorize\?\[oauth\] GET \/forged → ok 200 0ms\?\[2J\? → not_found 404/);
    expect(printed[3]).toMatch(/^\[oauth\] POST \/token → invalid_request 400 \d+ms — content type must be application\/x-www-form-urlencoded \(got text\/\?plain\)$/);
    // The events themselves keep what was sent: only the console is made one line.
    expect(events[2]!.path).toContain('\n');
  });
});
