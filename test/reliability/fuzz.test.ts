import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLive } from '../../src/store/store.js';
import { startServers, type RunningServers } from '../../src/server.js';
import { REDIRECT, authorize, obtainTokens } from '../support/oauth.js';

let s: RunningServers;
let clientId: string;
let accessToken: string;
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  s = await startServers({ oauthPort: 0, mcpPort: 0 });
  const t = await obtainTokens(s.oauthUrl);
  clientId = t.clientId;
  accessToken = t.tokens.access_token;
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await s.close();
});

const AS_PATHS = ['/.well-known/oauth-authorization-server', '/authorize', '/consent', '/token', '/introspect', '/revoke', '/register', '/.well-known/openid-configuration', '/nope'];
const RS_PATHS = ['/mcp', '/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp', '/mcp/', '/'];
const CONTROL_PATHS = ['rotate', 'expires-in', 'revoke-access', 'invalid-grant', 'deny-consent', 'seed-refresh', 'force-403', 'state', 'faults', 'faults/x', 'events', 'clock', 'bogus'].map((p) => `/control/${p}`);
const PARAMS = ['grant_type', 'code', 'code_verifier', 'redirect_uri', 'client_id', 'client_secret', 'refresh_token', 'scope', 'resource', 'token', 'token_type_hint', 'response_type', 'code_challenge', 'code_challenge_method', 'state', 'access_token', 'on', 'seconds', 'advance', 'since', 'consent_id', 'csrf', 'decision', 'sub'];

/** Values that reach deep: real ids and tokens mixed with junk. */
const value = () =>
  fc.oneof(
    fc.string(),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.constantFrom('authorization_code', 'refresh_token', 'code', 'S256', 'plain', 'mcp:read', REDIRECT, 'http://127.0.0.1:1/cb', '', ' ', '%', '%zz', '\u0000', 'a'.repeat(5000)),
    fc.constant(null).map(() => clientId),
    fc.constant(null).map(() => accessToken),
    fc.constant(null).map(() => s.config.introspectionClientId),
  );
const pairs = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...PARAMS), fc.string({ maxLength: 8 })), value()), { maxLength: 8 });
const encode = (p: Array<[string, string]>) => p.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');

const body = fc.oneof(
  fc.constant(undefined),
  pairs.map(encode),
  fc.jsonValue().map((j) => JSON.stringify(j)),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 300 }),
);
const header = (values: string[]) => fc.option(fc.oneof(fc.constantFrom(...values), fc.string({ maxLength: 40 }).filter((x) => /^[\x20-\x7e]*$/.test(x))), { nil: undefined });

const request = (paths: string[]) =>
  fc.record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
    path: fc.oneof(fc.constantFrom(...paths), fc.string({ maxLength: 20 }).map((x) => `/${encodeURIComponent(x)}`)),
    query: pairs.map(encode),
    contentType: header(['application/x-www-form-urlencoded', 'application/json', 'text/plain', 'multipart/form-data; boundary=x', 'application/json; charset=utf-8']),
    authorization: header(['Bearer x', 'Basic Og==', 'Basic bWNwLXJlc291cmNlLXNlcnZlcjp4', 'bearer', 'Digest a=b']),
    origin: header(['http://evil.example', 'http://localhost:1', 'null']),
    body,
  });

/** What a rejected request must leave untouched. */
async function snapshot(): Promise<string> {
  const r = s.realm;
  return JSON.stringify({
    // Codes are left out: a redemption spends its code whatever its outcome (single use, OAuth 2.1 §4.1.3).
    counts: { ...(await r.store.counts()), codes: undefined },
    clients: await r.store.clientIds(),
    faults: r.faults.list().map((f) => f.id),
    policy: r.policy,
    clock: r.clock.offsetSeconds,
  });
}

async function fuzz(base: () => string, paths: string[], runs: number): Promise<number> {
  let tried = 0;
  await fc.assert(
    fc.asyncProperty(request(paths), async (rq) => {
      tried++;
      const before = await snapshot();
      const headers: Record<string, string> = {};
      if (rq.contentType !== undefined) headers['content-type'] = rq.contentType;
      if (rq.authorization !== undefined) headers.authorization = rq.authorization;
      if (rq.origin !== undefined) headers.origin = rq.origin;
      const withBody = rq.body !== undefined && rq.method !== 'GET' && rq.method !== 'HEAD';
      const res = await fetch(`${base()}${rq.path}${rq.query ? `?${rq.query}` : ''}`, {
        method: rq.method,
        headers,
        body: withBody ? rq.body : undefined,
        redirect: 'manual',
      });
      const text = await res.text();
      const injected = rq.path === '/control/faults' && rq.method === 'POST' && res.status === 201;
      // A fault the fuzzer happened to inject may answer 5xx on purpose; clear it for the next run.
      if (s.realm.faults.list().length) s.realm.faults.clear();
      if (injected) return;
      expect(res.status, `${rq.method} ${rq.path} → ${text.slice(0, 200)}`).toBeLessThan(500);
      expect(text).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
      if (res.status >= 400) expect(await snapshot(), `${rq.method} ${rq.path} changed state while failing`).toBe(before);
    }),
    { numRuns: runs, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
  );
  return tried;
}


/** Pools of live credentials, re-minted when a fuzz run happened to revoke them. */
async function livePool(): Promise<{ clientId: string; access: string; refresh: string }> {
  const now = s.realm.clock.now();
  const access = await s.realm.store.find('access', pool.access);
  const refresh = await s.realm.store.find('refresh', pool.refresh);
  if (!access || !isLive(access, now) || !refresh || !isLive(refresh, now)) {
    const t = await obtainTokens(s.oauthUrl);
    pool = { clientId: t.clientId, access: t.tokens.access_token, refresh: t.tokens.refresh_token! };
  }
  return pool;
}
let pool = { clientId: '', access: '', refresh: '' };

type Params = Array<[string, string]>;
const junk = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ minLength: 31, maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 60 }), fc.constantFrom('', 'plain', 'x'.repeat(200), '%00', 'http://evil.example/cb', 'mcp:admin', 'refresh_token', 'code'));
/** 0-3 edits to a valid request: drop, replace, duplicate or add a parameter. */
const mutations = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant('drop' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('set' as const), at: fc.nat(), v: junk }),
    fc.record({ op: fc.constant('dup' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('add' as const), k: fc.constantFrom(...PARAMS), v: junk }),
  ),
  { maxLength: 3 },
);
function mutate(params: Params, edits: Array<{ op: 'drop' | 'set' | 'dup' | 'add'; at?: number; v?: string; k?: string }>): Params {
  const p = params.map((x) => [...x] as [string, string]);
  for (const e of edits) {
    const i = p.length ? (e.at ?? 0) % p.length : 0;
    if (e.op === 'drop' && p.length) p.splice(i, 1);
    else if (e.op === 'set' && p.length) p[i]![1] = e.v!;
    else if (e.op === 'dup' && p.length) p.push([p[i]![0], p[i]![1]]);
    else if (e.op === 'add') p.push([e.k!, e.v!]);
  }
  return p;
}

const ENDPOINT_KINDS = ['authorize', 'code', 'refresh', 'introspect', 'revoke', 'register', 'mcp'] as const;
type Kind = (typeof ENDPOINT_KINDS)[number];

async function template(kind: Kind): Promise<{ url: string; method: string; params: Params; headers: Record<string, string>; json?: boolean }> {
  const p = await livePool();
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const rs = `Basic ${Buffer.from(`${s.config.introspectionClientId}:${s.config.introspectionClientSecret}`).toString('base64')}`;
  const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
  switch (kind) {
    case 'authorize':
      return { url: `${s.oauthUrl}/authorize`, method: 'GET', headers: {}, params: [['response_type', 'code'], ['client_id', p.clientId], ['redirect_uri', REDIRECT], ['code_challenge', challenge], ['code_challenge_method', 'S256'], ['state', 'st'], ['scope', 'mcp:read'], ['resource', s.mcpUrl]] };
    case 'code': {
      const { code, verifier } = await authorize(s.oauthUrl, p.clientId);
      return { url: `${s.oauthUrl}/token`, method: 'POST', headers: form, params: [['grant_type', 'authorization_code'], ['code', code], ['code_verifier', verifier], ['client_id', p.clientId], ['redirect_uri', REDIRECT], ['resource', s.mcpUrl]] };
    }
    case 'refresh':
      return { url: `${s.oauthUrl}/token`, method: 'POST', headers: form, params: [['grant_type', 'refresh_token'], ['refresh_token', p.refresh], ['client_id', p.clientId], ['scope', 'mcp:read']] };
    case 'introspect':
      return { url: `${s.oauthUrl}/introspect`, method: 'POST', headers: { ...form, authorization: rs }, params: [['token', p.access], ['token_type_hint', 'access_token']] };
    case 'revoke':
      return { url: `${s.oauthUrl}/revoke`, method: 'POST', headers: form, params: [['token', 'at_unknown'], ['client_id', p.clientId], ['token_type_hint', 'access_token']] };
    case 'register':
      return { url: `${s.oauthUrl}/register`, method: 'POST', headers: { 'content-type': 'application/json' }, json: true, params: [['redirect_uris', REDIRECT], ['token_endpoint_auth_method', 'none'], ['grant_types', 'authorization_code'], ['client_name', 'fuzz'], ['scope', 'mcp:read']] };
    case 'mcp':
      return { url: s.mcpUrl, method: 'POST', headers: { authorization: `Bearer ${p.access}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, json: true, params: [['jsonrpc', '2.0'], ['id', '1'], ['method', 'tools/call'], ['name', 'add'], ['a', '1'], ['b', '2']] };
  }
}

function jsonBody(kind: Kind, params: Params): string {
  const o: Record<string, unknown> = {};
  for (const [k, v] of params) {
    if (kind === 'register' && (k === 'redirect_uris' || k === 'grant_types')) o[k] = [...((o[k] as string[]) ?? []), v];
    else o[k] = /^-?\d+$/.test(v) ? Number(v) : v;
  }
  if (kind !== 'mcp') return JSON.stringify(o);
  const { jsonrpc, id, method, name, ...args } = o;
  return JSON.stringify({ jsonrpc, id, method, params: { name, arguments: args } });
}

async function deepFuzz(runs: number): Promise<number> {
  let tried = 0;
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...ENDPOINT_KINDS), mutations, async (kind, edits) => {
      tried++;
      const t = await template(kind);
      const params = mutate(t.params, edits);
      const before = await snapshot();
      const encoded = encode(params);
      const res = await fetch(t.method === 'GET' ? `${t.url}?${encoded}` : t.url, {
        method: t.method,
        headers: t.headers,
        body: t.method === 'GET' ? undefined : t.json ? jsonBody(kind, params) : encoded,
        redirect: 'manual',
      });
      const text = await res.text();
      expect(res.status, `${kind} ${JSON.stringify(params)} → ${text.slice(0, 300)}`).toBeLessThan(500);
      expect(text).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
      const refused = res.status >= 400 || (res.status === 302 && new URL(res.headers.get('location')!).searchParams.has('error'));
      if (refused) expect(await snapshot(), `${kind} ${JSON.stringify(params)} changed state while failing`).toBe(before);
    }),
    { numRuns: runs, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
  );
  return tried;
}

async function healthy(): Promise<void> {
  expect((await fetch(`${s.oauthUrl}/.well-known/oauth-authorization-server`)).status).toBe(200);
  expect((await fetch(`${s.mcpUrl.replace('/mcp', '')}/.well-known/oauth-protected-resource`)).status).toBe(200);
}

describe('fuzzing every endpoint (fast-check)', () => {
  it('the authorization server never answers 5xx or changes state when refusing', async () => {
    const n = await fuzz(() => s.oauthUrl, [...AS_PATHS, ...CONTROL_PATHS], 1000);
    console.log(`[fuzz] authorization server: ${n} inputs`);
    await healthy();
  });

  it('the MCP server never answers 5xx or changes state when refusing', async () => {
    const n = await fuzz(() => s.mcpUrl.replace(/\/mcp$/, ''), [...RS_PATHS, ...CONTROL_PATHS], 400);
    console.log(`[fuzz] MCP server: ${n} inputs`);
    await healthy();
  });

  it('valid requests with up to three edits each never answer 5xx or change state when refused', async () => {
    const n = await deepFuzz(1400);
    console.log(`[fuzz] edited valid requests: ${n} inputs`);
    await healthy();
  });

  it('raw garbage on the socket never takes a server down', async () => {
    const ports = [s.ports.oauth, s.ports.mcp];
    let tried = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 500 }), fc.string({ maxLength: 300 }).map((x) => Buffer.from(`POST /token HTTP/1.1\r\nHost: x\r\n${x}\r\n\r\n`))), fc.constantFrom(...ports), async (bytes, port) => {
        tried++;
        await new Promise<void>((resolve) => {
          const sock = net.connect(port, '127.0.0.1', () => sock.end(Buffer.from(bytes)));
          // A safety net for a socket nobody closes, not a wait: generous, so a late answer is still checked.
          sock.setTimeout(10_000, () => sock.destroy());
          sock.on('data', (d) => expect(d.toString('latin1')).not.toMatch(/^HTTP\/1\.1 5\d\d/));
          sock.on('error', () => resolve());
          sock.on('close', () => resolve());
        });
      }),
      { numRuns: 150 },
    );
    console.log(`[fuzz] raw sockets: ${tried} inputs`);
    await healthy();
  });

  it('no unhandled rejection happened', () => {
    expect(unhandled).toEqual([]);
  });
});
