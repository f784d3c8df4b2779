import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISSUER, RESOURCE, makeAS, type AS } from '../support/servers.js';
import { REDIRECT, authorize, introspect, redeem, register, token } from '../support/oauth.js';
import { challengeOf, verifier } from '../support/pkce.js';
import { expectOAuthError } from '../support/oauth-error.js';
import { snapshot } from '../support/snapshot.js';

let as: AS;
let clientId: string;
let multiId: string;
beforeAll(async () => {
  as = makeAS();
  clientId = (await register(as)).client_id;
  multiId = (
    await register(as, {
      redirect_uris: ['https://app.example/cb', 'https://app.example/other?keep=1', 'http://[::1]/cb', 'http://localhost:3000/cb'],
    })
  ).client_id;
});
afterAll(() => as.realm.close());

const v = verifier();
const good = (over: Record<string, string | undefined> = {}): string => {
  const base: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT,
    code_challenge: challengeOf(v),
    code_challenge_method: 'S256',
    state: 'xyz',
    ...over,
  };
  const q = new URLSearchParams();
  for (const [k, val] of Object.entries(base)) if (val !== undefined) q.set(k, val);
  return q.toString();
};

describe('/authorize phase 1: client or redirect_uri not verified -> 400 page, never a redirect', () => {
  const cases: Array<[string, () => string, RegExp]> = [
    ['missing client_id', () => good({ client_id: undefined }), /client_id is missing/],
    ['unknown client_id', () => good({ client_id: 'nobody' }), /unknown client_id/],
    ['unregistered redirect_uri', () => good({ redirect_uri: 'https://evil.example/cb' }), /not registered/],
    ['non-loopback trailing slash', () => good({ client_id: multiId, redirect_uri: 'https://app.example/cb/' }), /not registered/],
    ['non-loopback other port', () => good({ client_id: multiId, redirect_uri: 'https://app.example:8443/cb' }), /not registered/],
    ['non-loopback query differs', () => good({ client_id: multiId, redirect_uri: 'https://app.example/other?keep=2' }), /not registered/],
    ['loopback other path', () => good({ redirect_uri: 'http://127.0.0.1:53682/elsewhere' }), /not registered/],
    ['loopback other host (127.0.0.1 registered, localhost given)', () => good({ redirect_uri: 'http://localhost:53682/callback' }), /not registered/],
    ['loopback https instead of http', () => good({ redirect_uri: 'https://127.0.0.1:53682/callback' }), /not registered/],
    ['redirect_uri omitted, several registered', () => good({ client_id: multiId, redirect_uri: undefined }), /redirect_uri is required/],
    ['duplicated client_id', () => `${good()}&client_id=${clientId}`, /client_id must not be repeated/],
    ['duplicated redirect_uri', () => `${good()}&redirect_uri=${encodeURIComponent(REDIRECT)}`, /redirect_uri must not be repeated/],
  ];
  it.each(cases)('%s', async (_name, query, describes) => {
    const before = await snapshot(as.realm);
    const res = await as.req(`/authorize?${query()}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toMatch(describes);
    expect(await snapshot(as.realm)).toEqual(before);
  });

  it('escapes what the client sent in the page', async () => {
    const res = await as.req(`/authorize?${good({ client_id: '<script>alert(1)</script>' })}`);
    const html = await res.text();
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&lt;script&gt;');
  });

  it.each(['POST', 'PUT', 'DELETE'])('%s -> 405 with Allow: GET', async (method) => {
    const res = await as.req(`/authorize?${good()}`, { method });
    expect(res.headers.get('allow')).toBe('GET');
    await expectOAuthError(res, 405, 'invalid_request', /GET/);
  });
});

describe('/authorize: loopback redirect URIs match on any port (RFC 8252 §7.3)', () => {
  it.each([
    [() => clientId, 'http://127.0.0.1:1/callback'],
    [() => clientId, 'http://127.0.0.1/callback'],
    [() => multiId, 'http://[::1]:49152/cb'],
    [() => multiId, 'http://localhost:65000/cb'],
    [() => multiId, 'http://localhost/cb'],
  ])('%#: %s', async (id, uri) => {
    const res = await as.req(`/authorize?${good({ client_id: id(), redirect_uri: uri })}`);
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(uri);
    expect(location.searchParams.get('code')).toBeTruthy();
  });

  it('non-loopback URIs match exactly, query included, and keep their query', async () => {
    const res = await as.req(`/authorize?${good({ client_id: multiId, redirect_uri: 'https://app.example/other?keep=1' })}`);
    const location = new URL(res.headers.get('location')!);
    expect(location.searchParams.get('keep')).toBe('1');
    expect(location.searchParams.get('code')).toBeTruthy();
  });
});

describe('/authorize phase 2: every error is a redirect with error, error_description, state and iss', () => {
  const cases: Array<[string, () => string, string, RegExp]> = [
    ['response_type missing', () => good({ response_type: undefined }), 'invalid_request', /response_type/],
    ['response_type=token', () => good({ response_type: 'token' }), 'unsupported_response_type', /token/],
    ['response_type=code id_token', () => good({ response_type: 'code id_token' }), 'unsupported_response_type', /code id_token/],
    ['code_challenge missing', () => good({ code_challenge: undefined }), 'invalid_request', /code_challenge is required/],
    ['code_challenge_method missing', () => good({ code_challenge_method: undefined }), 'invalid_request', /S256/],
    ['code_challenge_method=plain', () => good({ code_challenge_method: 'plain' }), 'invalid_request', /S256.*plain/],
    ['code_challenge too short', () => good({ code_challenge: 'abc' }), 'invalid_request', /43-128/],
    ['code_challenge with bad characters', () => good({ code_challenge: `${'a'.repeat(42)}+` }), 'invalid_request', /43-128/],
    ['unknown scope', () => good({ scope: 'mcp:read admin' }), 'invalid_scope', /"admin"/],
    ['blank scope', () => good({ scope: '   ' }), 'invalid_scope', /empty/],
    ['resource not absolute', () => `${good()}&resource=%2Fmcp`, 'invalid_target', /absolute/],
    ['resource with fragment', () => `${good()}&resource=${encodeURIComponent(`${RESOURCE}#x`)}`, 'invalid_target', /fragment/],
    ['duplicated response_type', () => `${good()}&response_type=code`, 'invalid_request', /response_type must not be repeated/],
    ['duplicated code_challenge', () => `${good()}&code_challenge=${challengeOf(v)}`, 'invalid_request', /code_challenge must not be repeated/],
    ['duplicated scope', () => `${good({ scope: 'mcp:read' })}&scope=mcp:write`, 'invalid_request', /scope must not be repeated/],
  ];
  it.each(cases)('%s -> %s', async (_name, query, error, describes) => {
    const before = await snapshot(as.realm);
    const res = await as.req(`/authorize?${query()}`);
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
    const p = location.searchParams;
    expect(p.get('error')).toBe(error);
    expect(p.get('error_description')).toMatch(describes);
    expect(p.get('state')).toBe('xyz');
    expect(p.get('iss')).toBe(ISSUER);
    expect(p.get('code')).toBeNull();
    expect(await snapshot(as.realm)).toEqual(before);
  });

  it('an error redirect without state carries no state', async () => {
    const res = await as.req(`/authorize?${good({ state: undefined, response_type: 'token' })}`);
    const p = new URL(res.headers.get('location')!).searchParams;
    expect(p.get('error')).toBe('unsupported_response_type');
    expect(p.has('state')).toBe(false);
    expect(p.get('iss')).toBe(ISSUER);
  });
});

describe('/authorize success', () => {
  it('redirects with code, state and iss == issuer, uncached', async () => {
    const res = await as.req(`/authorize?${good()}`);
    expect(res.status).toBe(302);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
    const p = location.searchParams;
    expect(p.get('code')).toMatch(/^ac_[A-Za-z0-9_-]{43,}$/);
    expect(p.get('state')).toBe('xyz');
    expect(p.get('iss')).toBe(ISSUER);
    expect(p.has('error')).toBe(false);
  });

  it('issues a different code each time', async () => {
    const codes = new Set<string>();
    for (let i = 0; i < 20; i++) codes.add((await authorize(as, clientId)).code);
    expect(codes.size).toBe(20);
  });

  it('with one registered URI, redirect_uri may be omitted, and then is not required at /token', async () => {
    const a = await authorize(as, clientId, { redirect_uri: '' });
    expect(`${a.location.origin}${a.location.pathname}`).toBe(REDIRECT);
    const res = await token(as, { grant_type: 'authorization_code', code: a.code, code_verifier: a.verifier, client_id: clientId });
    expect(res.status).toBe(200);
  });
});

describe('authorization code: single use, 60 s, bound to what was authorized', () => {
  it('is single use', async () => {
    const a = await authorize(as, clientId);
    await redeem(as, clientId, a);
    const again = await token(as, { grant_type: 'authorization_code', code: a.code, code_verifier: a.verifier, redirect_uri: REDIRECT, client_id: clientId });
    await expectOAuthError(again, 400, 'invalid_grant', /already used/);
  });

  it('works at 59 s and is dead after 61 s', async () => {
    const fresh = makeAS();
    try {
      const id = (await register(fresh)).client_id;
      const early = await authorize(fresh, id);
      const late = await authorize(fresh, id);
      fresh.realm.clock.advance(59);
      await redeem(fresh, id, early);
      fresh.realm.clock.advance(2);
      const res = await token(fresh, { grant_type: 'authorization_code', code: late.code, code_verifier: late.verifier, redirect_uri: REDIRECT, client_id: id });
      await expectOAuthError(res, 400, 'invalid_grant', /expired|unknown/);
      expect((await fresh.realm.store.counts()).accessTokens).toBe(1);
    } finally {
      fresh.realm.close();
    }
  });

  it('is bound to the client: another client cannot redeem it, and the attempt spends it', async () => {
    const other = (await register(as)).client_id;
    const a = await authorize(as, clientId);
    const stolen = await token(as, { grant_type: 'authorization_code', code: a.code, code_verifier: a.verifier, redirect_uri: REDIRECT, client_id: other });
    await expectOAuthError(stolen, 400, 'invalid_grant', /another client/);
    const legit = await token(as, { grant_type: 'authorization_code', code: a.code, code_verifier: a.verifier, redirect_uri: REDIRECT, client_id: clientId });
    await expectOAuthError(legit, 400, 'invalid_grant');
  });

  it('is bound to the redirect_uri and to the code_challenge', async () => {
    const a = await authorize(as, clientId, { redirect_uri: 'http://127.0.0.1:4000/callback' });
    const wrongUri = await token(as, { grant_type: 'authorization_code', code: a.code, code_verifier: a.verifier, redirect_uri: REDIRECT, client_id: clientId });
    await expectOAuthError(wrongUri, 400, 'invalid_grant', /redirect_uri/);
    const b = await authorize(as, clientId);
    const wrongVerifier = await token(as, { grant_type: 'authorization_code', code: b.code, code_verifier: verifier(), redirect_uri: REDIRECT, client_id: clientId });
    await expectOAuthError(wrongVerifier, 400, 'invalid_grant', /code_verifier/);
  });

  it('carries the authorized scope and resource into the tokens', async () => {
    const a = await authorize(as, clientId, { scope: 'mcp:read' }, ['https://rs.example/mcp']);
    const t = await redeem(as, clientId, a);
    expect(t.scope).toBe('mcp:read');
    const info = await introspect(as, t.access_token);
    expect(info).toMatchObject({ active: true, scope: 'mcp:read', aud: 'https://rs.example/mcp', client_id: clientId });
  });

  it('without scope grants every configured scope; without resource the audience is the MCP resource', async () => {
    const t = await redeem(as, clientId, await authorize(as, clientId));
    expect(t.scope).toBe('mcp:read mcp:write');
    expect(await introspect(as, t.access_token)).toMatchObject({ scope: 'mcp:read mcp:write', aud: RESOURCE });
  });
});
