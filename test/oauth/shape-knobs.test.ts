import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { start } from '../support/servers.js';
import { authorize, codeGrantParams, introspect, obtainTokens, register, token } from '../support/oauth.js';
import { jsonPost } from '../support/http.js';
import { post } from '../support/control.js';
import { expectOAuthError } from '../support/oauth-error.js';
import { snapshot } from '../support/snapshot.js';

let s: RunningServers;
let base: string;
beforeAll(async () => {
  s = await start();
  base = s.oauthUrl;
});
afterAll(() => s.close());
afterEach(async () => {
  expect((await post(base, '/control/reset')).status).toBe(200);
});

/** The AS over its socket, as the introspect helper takes it. */
const asSockets = () => ({ req: (path: string, init?: RequestInit) => fetch(base + path, init), realm: s.realm });
const fault = async (spec: unknown) => {
  const a = await post(base, '/control/faults', JSON.stringify(spec));
  expect(a.status, a.text).toBe(201);
  return a.json.fault as { id: string; breaks: string };
};
const policy = async (patch: unknown) => {
  const a = await post(base, '/control/policy', JSON.stringify(patch));
  expect(a.status, a.text).toBe(200);
};
const shape = (quirk: string, extra: Record<string, unknown> = {}) => fault({ endpoint: 'token', effect: { kind: 'token-shape', quirk, ...extra }, times: 1 });

/** A code grant under a token-shape fault: the raw answer, and whether the grant was kept. */
async function shapedCodeGrant(quirk: string, extra: Record<string, unknown> = {}) {
  const { client_id } = await register(base);
  const a = await authorize(base, client_id);
  const f = await shape(quirk, extra);
  const before = (await s.realm.store.counts()).accessTokens;
  const res = await token(base, codeGrantParams(client_id, a));
  const text = await res.text();
  const kept = ((await s.realm.store.counts()).accessTokens) - before;
  return { res, text, kept, fault: f };
}

describe('token-shape faults: the grant still happens, the answer is bent', () => {
  it.each([
    ['lowercase-bearer', (b: Record<string, unknown>) => expect(b.token_type).toBe('bearer'), /RFC 6749 §5.1/],
    ['no-expires-in', (b: Record<string, unknown>) => expect(b).not.toHaveProperty('expires_in'), /RECOMMENDED/],
    ['string-expires-in', (b: Record<string, unknown>) => expect(b.expires_in).toBe('3600'), /JSON number/],
    ['no-scope', (b: Record<string, unknown>) => expect(b).not.toHaveProperty('scope'), /scope/],
    ['narrowed-scope', (b: Record<string, unknown>) => expect(b.scope).toBe('mcp:read'), /fewer/],
    ['null-fields', (b: Record<string, unknown>) => expect(b.id_token).toBeNull(), /null/],
  ] as const)('%s', async (quirk, check, breaks) => {
    const { res, text, kept, fault: f } = await shapedCodeGrant(quirk);
    expect(f.breaks).toMatch(breaks);
    expect(res.status, text).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = JSON.parse(text) as Record<string, unknown>;
    check(body);
    expect(kept).toBe(1);
    // The record keeps what was granted, whatever the answer said.
    expect(await introspect(asSockets(), body.access_token as string)).toMatchObject({ active: true, scope: 'mcp:read mcp:write' });
  });

  it('null-fields sends refresh_token null when none was issued', async () => {
    await policy({ refreshTokenIssuance: 'never' });
    const { res, text } = await shapedCodeGrant('null-fields');
    expect(res.status).toBe(200);
    expect(JSON.parse(text)).toMatchObject({ refresh_token: null, id_token: null, token_type: 'Bearer' });
  });

  it('form-encoded answers application/x-www-form-urlencoded, as GitHub does by default', async () => {
    const { res, text, kept } = await shapedCodeGrant('form-encoded');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    const fields = Object.fromEntries(new URLSearchParams(text));
    expect(fields).toMatchObject({ token_type: 'Bearer', expires_in: '3600', scope: 'mcp:read mcp:write' });
    expect(await introspect(asSockets(), fields.access_token!)).toMatchObject({ active: true });
    expect(kept).toBe(1);
  });

  it('status-201 answers 201 Created with the usual body', async () => {
    const { res, text, kept } = await shapedCodeGrant('status-201');
    expect(res.status).toBe(201);
    expect(JSON.parse(text)).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(kept).toBe(1);
  });

  it.each([
    ['error-200-slack', {}, { ok: false, error: 'invalid_grant' }],
    ['error-200', {}, { error: 'invalid_grant', error_description: expect.stringMatching(/HTTP 200/) }],
    ['error-200', { error: 'invalid_client' }, { error: 'invalid_client', error_description: expect.any(String) }],
  ] as const)('%s %j refuses with HTTP 200 and issues nothing; the code stays unspent', async (quirk, extra, body) => {
    const { client_id } = await register(base);
    const a = await authorize(base, client_id);
    await shape(quirk, extra);
    const before = await snapshot(s.realm);
    const res = await token(base, codeGrantParams(client_id, a));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(body);
    expect(await snapshot(s.realm)).toEqual(before);
    // times: 1 spent, the same code redeems.
    expect((await token(base, codeGrantParams(client_id, a))).status).toBe(200);
  });

  it('bad token-shape faults are refused with 400 and nothing added', async () => {
    for (const [spec, why] of [
      [{ endpoint: 'token', effect: { kind: 'token-shape', quirk: 'uppercase' } }, /^effect\.quirk: Invalid option: expected one of "lowercase-bearer"/],
      [{ endpoint: 'register', effect: { kind: 'token-shape', quirk: 'status-201' } }, /^effect: token-shape applies only to endpoint "token"/],
      [{ endpoint: 'token', effect: { kind: 'token-shape', quirk: 'status-201', error: 'invalid_grant' } }, /^effect\.error: error applies only to the quirks error-200-slack, error-200/],
      [{ endpoint: 'token', effect: { kind: 'token-shape' } }, /^effect\.quirk: Invalid option/],
      [{ endpoint: 'token', effect: { kind: 'same-client-id' } }, /^effect: same-client-id applies only to endpoint "register"/],
    ] as const) {
      const a = await post(base, '/control/faults', JSON.stringify(spec));
      expect(a.status, JSON.stringify(spec)).toBe(400);
      expect(a.json).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(why) });
    }
    expect(s.realm.faults.size).toBe(0);
  });

  it('composes with a token-flaw-free omit: both apply', async () => {
    await fault({ endpoint: 'token', effect: { kind: 'omit', fields: ['refresh_token'] }, times: 1 });
    const { res, text } = await shapedCodeGrant('lowercase-bearer');
    expect(res.status).toBe(200);
    const body = JSON.parse(text);
    expect(body.token_type).toBe('bearer');
    expect(body).not.toHaveProperty('refresh_token');
  });
});

describe('registration knobs', () => {
  const registerRaw = (metadata: Record<string, unknown>) => fetch(`${base}/register`, jsonPost({ redirect_uris: ['http://127.0.0.1:1/cb'], token_endpoint_auth_method: 'none', ...metadata }));

  it('dynamicRegistration off: no registration_endpoint, /register is an unknown path (JSON 404), nothing stored', async () => {
    await policy({ dynamicRegistration: false });
    const meta = await (await fetch(`${base}/.well-known/oauth-authorization-server`)).json();
    expect(meta).not.toHaveProperty('registration_endpoint');
    const before = await snapshot(s.realm);
    const res = await registerRaw({});
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'not_found' });
    expect(await snapshot(s.realm)).toEqual(before);
    await policy({ dynamicRegistration: true });
    expect((await (await fetch(`${base}/.well-known/oauth-authorization-server`)).json()).registration_endpoint).toBe(`${base}/register`);
    expect((await registerRaw({})).status).toBe(201);
  });

  it('requireApplicationType: a registration without application_type is 400 invalid_client_metadata naming SEP-837, nothing stored', async () => {
    expect((await registerRaw({})).status).toBe(201);
    await policy({ requireApplicationType: true });
    const before = await snapshot(s.realm);
    await expectOAuthError(await registerRaw({}), 400, 'invalid_client_metadata', /^application_type is required here \(SEP-837/);
    await expectOAuthError(await registerRaw({ application_type: 'desktop' }), 400, 'invalid_client_metadata', /must be "web" or "native" \(got "desktop"\)/);
    expect(await snapshot(s.realm)).toEqual(before);
    const res = await registerRaw({ application_type: 'native' });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ application_type: 'native' });
  });

  it('same-client-id: distinct registrations get the first one\'s client_id, the latest record replacing it', async () => {
    const f = await fault({ endpoint: 'register', effect: { kind: 'same-client-id' }, times: 3 });
    expect(f.breaks).toMatch(/RFC 7591 §3.2.1/);
    const first = await (await registerRaw({ client_name: 'one', redirect_uris: ['http://127.0.0.1:1/one'] })).json();
    // The pinned client_id is the fault's own data: the state view and a state file keep it.
    expect(s.realm.faults.list()[0]!.effect).toEqual({ kind: 'same-client-id', clientId: first.client_id });
    expect((await s.realm.snapshot()).faults.faults[0]!.spec.effect).toEqual({ kind: 'same-client-id', clientId: first.client_id });
    const second = await (await registerRaw({ client_name: 'two', redirect_uris: ['http://127.0.0.1:1/two'] })).json();
    const third = await (await registerRaw({ client_name: 'three', redirect_uris: ['http://127.0.0.1:1/three'] })).json();
    expect(second.client_id).toBe(first.client_id);
    expect(third.client_id).toBe(first.client_id);
    expect((await s.realm.store.clientIds()).filter((id) => id === first.client_id)).toHaveLength(1);
    expect((await s.realm.store.findClient(first.client_id))?.redirect_uris).toEqual(['http://127.0.0.1:1/three']);
    // The fault is spent: the next registration is a client of its own.
    expect((await (await registerRaw({})).json()).client_id).not.toBe(first.client_id);
  });

  it('knob values that do not fit are refused with 400 and change nothing', async () => {
    const before = await snapshot(s.realm);
    for (const patch of [{ dynamicRegistration: 'no' }, { requireApplicationType: 1 }, { rotationGraceSeconds: -1 }, { rotationGraceSeconds: 1.5 }, { rotationGraceSeconds: 86401 }, { refreshReuseDetection: null }]) {
      const a = await post(base, '/control/policy', JSON.stringify(patch));
      expect(a.status, JSON.stringify(patch)).toBe(400);
      expect(a.json.error_description).toMatch(/policy|expected|Invalid|too/i);
    }
    expect(await snapshot(s.realm)).toEqual(before);
  });

  it('reset restores every knob', async () => {
    await policy({ dynamicRegistration: false, requireApplicationType: true, rotationGraceSeconds: 30, refreshReuseDetection: false });
    await post(base, '/control/reset');
    expect(s.realm.policy).toMatchObject({ dynamicRegistration: true, requireApplicationType: false, rotationGraceSeconds: 0, refreshReuseDetection: true });
    expect((await obtainTokens(base)).tokens.access_token).toBeTruthy();
  });
});
