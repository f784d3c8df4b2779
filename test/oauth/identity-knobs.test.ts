import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { Faults, type FaultSpec } from '../../src/faults.js';
import { issuerVariant, WRONG_ISSUER } from '../../src/oauth/issuer-variant.js';
import { start } from '../support/servers.js';
import { get, post } from '../support/control.js';
import { register, visitAuthorize, type Visit } from '../support/oauth.js';
import { pkce } from '../support/pkce.js';
import { snapshot } from '../support/snapshot.js';

/**
 * The discovery and identity knobs over sockets: what the authorization server sends when an `iss`,
 * `state` or `issuer` fault strikes, when a well-known URL answers a status fault, and when the
 * policy advertises PKCE methods apart from those it enforces. What clients make of it is
 * test/e2e/identity-clients.test.ts.
 */
let s: RunningServers;
let as: string;
let clientId: string;

beforeAll(async () => {
  s = await start();
  as = s.oauthUrl;
});
afterAll(() => s?.close());
beforeEach(async () => {
  await s.control.reset();
  clientId = (await register(as)).client_id;
});

const metadataPath = '/.well-known/oauth-authorization-server';
const metadata = async () => (await get(as, metadataPath)).json as Record<string, unknown>;
const visit = (params: Record<string, string> = {}): Promise<Visit> => visitAuthorize(as, clientId, pkce().challenge, params);
const fault = (spec: FaultSpec) => s.control.addFault(spec);
// The issuer names the host the request used (HostAwareUrls): localhost here, as oauthUrl does.
const upper = () => as.replace(/^http:\/\/localhost:/, 'HTTP://LOCALHOST:');
const portWritten = () => as.replace(/:(\d+)$/, ':0$1');

describe('iss in the authorization response (RFC 9207): an iss fault at authorize', () => {
  const cases: Array<{ mode: string; iss: () => string | null; advertised: boolean; policy?: { issParameter: boolean } }> = [
    { mode: 'wrong', iss: () => WRONG_ISSUER, advertised: true },
    { mode: 'trailing-slash', iss: () => `${as}/`, advertised: true },
    { mode: 'upper-case', iss: () => upper(), advertised: true },
    { mode: 'default-port', iss: () => portWritten(), advertised: true },
    { mode: 'omitted', iss: () => null, advertised: true },
    { mode: 'unadvertised', iss: () => as, advertised: false, policy: { issParameter: false } },
  ];
  for (const c of cases) {
    it(`${c.mode}: the redirect carries ${c.mode === 'omitted' ? 'no iss' : 'the spoilt iss'}, the metadata says ${c.advertised}`, async () => {
      if (c.policy) await s.control.setPolicy(c.policy);
      const f = await fault({ endpoint: 'authorize', effect: { kind: 'iss', mode: c.mode as 'wrong' } });
      expect(f.breaks).toMatch(/RFC 9207 §2/);
      const v = await visit();
      expect(v.status).toBe(302);
      expect(v.location!.searchParams.get('code')).toMatch(/^ac_/);
      expect(v.location!.searchParams.get('state')).toBe('st-1');
      expect(v.location!.searchParams.get('iss')).toBe(c.iss());
      expect((await metadata()).authorization_response_iss_parameter_supported).toBe(c.advertised);
      // Until removed (no times): the next response is spoilt alike.
      expect((await visit()).location!.searchParams.get('iss')).toBe(c.iss());
    });
  }

  it('the correct iss when no fault strikes, and again once a times:1 fault is spent', async () => {
    await fault({ endpoint: 'authorize', effect: { kind: 'iss', mode: 'wrong' }, times: 1 });
    expect((await visit()).location!.searchParams.get('iss')).toBe(WRONG_ISSUER);
    expect((await visit()).location!.searchParams.get('iss')).toBe(as);
  });

  it('spoils error responses too: a denied consent carries the spoilt iss beside error and state', async () => {
    await fault({ endpoint: 'authorize', effect: { kind: 'oauth-error', error: 'access_denied' } });
    await fault({ endpoint: 'authorize', effect: { kind: 'iss', mode: 'trailing-slash' } });
    const q = (await visit()).location!.searchParams;
    expect(Object.fromEntries(q)).toMatchObject({ error: 'access_denied', state: 'st-1', iss: `${as}/` });
    expect(q.get('code')).toBeNull();
  });

  it('with issParameter off, a variant has no iss to spoil (unadvertised is the mode that sends one)', async () => {
    await s.control.setPolicy({ issParameter: false });
    await fault({ endpoint: 'authorize', effect: { kind: 'iss', mode: 'wrong' } });
    expect((await visit()).location!.searchParams.has('iss')).toBe(false);
  });
});

describe('state (RFC 6749 §4.1.2): a state fault at authorize', () => {
  it('dropped: the code comes back without state', async () => {
    const f = await fault({ endpoint: 'authorize', effect: { kind: 'state', mode: 'dropped' } });
    expect(f.breaks).toMatch(/RFC 6749 §4\.1\.2/);
    const q = (await visit()).location!.searchParams;
    expect(q.get('code')).toMatch(/^ac_/);
    expect(q.has('state')).toBe(false);
    expect(q.get('iss')).toBe(as);
  });

  it('altered: another state comes back, and one even when the client sent none', async () => {
    await fault({ endpoint: 'authorize', effect: { kind: 'state', mode: 'altered' } });
    expect((await visit()).location!.searchParams.get('state')).toBe('st-1-altered');
    const { challenge } = pkce();
    const res = await fetch(`${as}/authorize?${new URLSearchParams({ response_type: 'code', client_id: clientId, code_challenge: challenge, code_challenge_method: 'S256' })}`, { redirect: 'manual' });
    expect(new URL(res.headers.get('location')!).searchParams.get('state')).toBe('altered');
  });

  it('an iss and a state fault strike one redirect together', async () => {
    await fault({ endpoint: 'authorize', effect: { kind: 'state', mode: 'altered' } });
    await fault({ endpoint: 'authorize', effect: { kind: 'iss', mode: 'omitted' } });
    const q = (await visit()).location!.searchParams;
    expect(q.get('state')).toBe('st-1-altered');
    expect(q.has('iss')).toBe(false);
  });
});

describe('AS metadata issuer (RFC 8414 §3.3): an issuer fault at as-metadata', () => {
  const cases = [
    { mode: 'wrong', issuer: () => WRONG_ISSUER },
    { mode: 'trailing-slash', issuer: () => `${as}/` },
    { mode: 'upper-case', issuer: () => upper() },
    { mode: 'default-port', issuer: () => portWritten() },
  ] as const;
  for (const c of cases) {
    it(`${c.mode}: only the document's issuer changes`, async () => {
      const before = await metadata();
      const f = await fault({ endpoint: 'as-metadata', effect: { kind: 'issuer', mode: c.mode } });
      expect(f.breaks).toMatch(/RFC 8414 §3\.3/);
      const res = await fetch(as + metadataPath);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toEqual({ ...before, issuer: c.issuer() });
    });
  }

  it('the redirect iss is left alone: the two faults are apart', async () => {
    await fault({ endpoint: 'as-metadata', effect: { kind: 'issuer', mode: 'wrong' } });
    expect((await visit()).location!.searchParams.get('iss')).toBe(as);
  });
});

describe('issuerVariant: the strings it makes', () => {
  it.each([
    ['https://as.example', 'default-port', 'https://as.example:443'],
    ['http://as.example/tenant', 'default-port', 'http://as.example:80/tenant'],
    ['http://[::1]:9100', 'default-port', 'http://[::1]:09100'],
    ['http://[::1]', 'default-port', 'http://[::1]:80'],
    ['https://as.example/r/a', 'trailing-slash', 'https://as.example/r/a/'],
    ['https://as.example/', 'trailing-slash', 'https://as.example'],
    ['https://as.example/Path', 'upper-case', 'HTTPS://AS.EXAMPLE/Path'],
    ['https://as.example', 'wrong', WRONG_ISSUER],
  ] as const)('%s, %s → %s', (issuer, variant, want) => {
    expect(issuerVariant(issuer, variant)).toBe(want);
  });

  it('every variant but wrong is the same origin to a URL parser, and another string', () => {
    for (const variant of ['trailing-slash', 'upper-case', 'default-port'] as const) {
      for (const issuer of ['http://127.0.0.1:9100', 'https://as.example']) {
        const v = issuerVariant(issuer, variant);
        expect(v).not.toBe(issuer);
        expect(new URL(v).origin).toBe(new URL(issuer).origin);
      }
    }
  });
});

describe('well-known failures: the status effect at as-metadata', () => {
  it('a 5xx: 503 with Retry-After, no document', async () => {
    await fault({ endpoint: 'as-metadata', effect: { kind: 'status', status: 503, headers: { 'retry-after': '1' } }, times: 1 });
    const res = await fetch(as + metadataPath);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.text()).toBe('');
    expect((await fetch(as + metadataPath)).status).toBe(200);
  });

  it('a text/plain 404, as a proxy in front of the server answers', async () => {
    await fault({ endpoint: 'as-metadata', effect: { kind: 'status', status: 404, body: 'Not Found' } });
    const res = await fetch(as + metadataPath);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await res.text()).toBe('Not Found');
  });

  it('a 302 to elsewhere: a Location the client must decide whether to follow', async () => {
    await fault({ endpoint: 'as-metadata', effect: { kind: 'status', status: 302, headers: { location: 'https://elsewhere.invalid/.well-known/oauth-authorization-server' } } });
    const res = await fetch(as + metadataPath, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://elsewhere.invalid/.well-known/oauth-authorization-server');
  });

  it('the OIDC location is the same endpoint: the fault strikes there too', async () => {
    await fault({ endpoint: 'as-metadata', effect: { kind: 'status', status: 500 } });
    expect((await fetch(`${as}/.well-known/openid-configuration`)).status).toBe(500);
  });
});

describe('PKCE advertise/enforce drift: policy pkceMethodsAdvertised', () => {
  const plain = () => visit({ code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' });

  it('S256 (default): advertised as enforced', async () => {
    expect((await metadata()).code_challenge_methods_supported).toEqual(['S256']);
    expect((await s.control.policy()).policy.pkceMethodsAdvertised).toBe('S256');
  });

  it('"S256 plain": plain advertised, still refused at /authorize', async () => {
    await s.control.setPolicy({ pkceMethodsAdvertised: 'S256 plain' });
    expect((await metadata()).code_challenge_methods_supported).toEqual(['S256', 'plain']);
    const q = (await plain()).location!.searchParams;
    expect(q.get('error')).toBe('invalid_request');
    expect(q.get('error_description')).toMatch(/code_challenge_method must be S256, not "plain"/);
    expect((await visit()).location!.searchParams.get('code')).toMatch(/^ac_/);
  });

  it('omitted: the field is absent, S256 still enforced', async () => {
    await s.control.setPolicy({ pkceMethodsAdvertised: 'omitted' });
    expect(await metadata()).not.toHaveProperty('code_challenge_methods_supported');
    expect((await plain()).location!.searchParams.get('error')).toBe('invalid_request');
    expect((await visit({ code_challenge_method: '' })).location!.searchParams.get('error')).toBe('invalid_request');
    expect((await visit()).location!.searchParams.get('code')).toMatch(/^ac_/);
  });

  it('reset restores S256', async () => {
    await s.control.setPolicy({ pkceMethodsAdvertised: 'omitted' });
    await s.control.reset();
    expect((await metadata()).code_challenge_methods_supported).toEqual(['S256']);
  });
});

describe('bad bodies are refused: 400, nothing stored', () => {
  const bad: Array<[string, unknown, RegExp]> = [
    ['iss at token', { endpoint: 'token', effect: { kind: 'iss', mode: 'wrong' } }, /iss and state apply only to endpoint "authorize"/],
    ['state at as-metadata', { endpoint: 'as-metadata', effect: { kind: 'state', mode: 'dropped' } }, /iss and state apply only to endpoint "authorize"/],
    ['issuer at authorize', { endpoint: 'authorize', effect: { kind: 'issuer', mode: 'wrong' } }, /issuer applies only to endpoint "as-metadata"/],
    ['an unknown iss mode', { endpoint: 'authorize', effect: { kind: 'iss', mode: 'lowercase' } }, /mode/],
    ['omitted is no issuer mode', { endpoint: 'as-metadata', effect: { kind: 'issuer', mode: 'omitted' } }, /mode/],
    ['no mode', { endpoint: 'authorize', effect: { kind: 'state' } }, /mode/],
    ['an extra member', { endpoint: 'authorize', effect: { kind: 'state', mode: 'altered', value: 'x' } }, /value/],
  ];
  for (const [what, body, why] of bad) {
    it(what, async () => {
      const before = await snapshot(s.realm);
      const res = await post(as, '/control/faults', JSON.stringify(body));
      expect(res.status, res.text).toBe(400);
      expect(res.json.error).toBe('invalid_request');
      expect(res.json.error_description).toMatch(why);
      expect((await s.control.faults()).faults).toEqual([]);
      expect(await snapshot(s.realm)).toEqual(before);
    });
  }

  it.each([['a list', ['S256']], ['plain alone', 'plain'], ['lower case', 's256']])('pkceMethodsAdvertised %s', async (_what, value) => {
    const before = await snapshot(s.realm);
    const res = await post(as, '/control/policy', JSON.stringify({ pkceMethodsAdvertised: value }));
    expect(res.status).toBe(400);
    expect(res.json.error_description).toMatch(/pkceMethodsAdvertised/);
    expect(await snapshot(s.realm)).toEqual(before);
  });

  it('reset drops the faults', async () => {
    await fault({ endpoint: 'authorize', effect: { kind: 'iss', mode: 'wrong' } });
    await fault({ endpoint: 'as-metadata', effect: { kind: 'issuer', mode: 'trailing-slash' } });
    await s.control.reset();
    expect((await s.control.faults()).faults).toEqual([]);
    expect((await metadata()).issuer).toBe(as);
    clientId = (await register(as)).client_id;
    expect((await visit()).location!.searchParams.get('iss')).toBe(as);
  });
});

describe('on the control plane and in a state file', () => {
  it('/control/state lists the faults with the rule each mode breaks', async () => {
    await fault({ endpoint: 'authorize', effect: { kind: 'iss', mode: 'omitted' }, id: 'no-iss' });
    await fault({ endpoint: 'as-metadata', effect: { kind: 'issuer', mode: 'upper-case' }, id: 'loud' });
    await fault({ endpoint: 'authorize', effect: { kind: 'state', mode: 'dropped' }, id: 'no-state' });
    const faults = (await s.control.state()).faults;
    expect(faults.map((f) => [f.id, f.breaks])).toEqual([
      ['no-iss', expect.stringMatching(/RFC 9207 §2\.3/)],
      ['loud', expect.stringMatching(/RFC 8414 §3\.3.*case/)],
      ['no-state', expect.stringMatching(/RFC 6749 §4\.1\.2/)],
    ]);
  });

  it('a snapshot keeps them, and restore derives breaks again', () => {
    const a = new Faults();
    a.add({ endpoint: 'authorize', effect: { kind: 'iss', mode: 'default-port' }, times: 2 });
    a.add({ endpoint: 'as-metadata', effect: { kind: 'issuer', mode: 'wrong' } });
    const b = new Faults();
    b.restore(JSON.parse(JSON.stringify(a.snapshot())));
    expect(b.list()).toEqual(a.list());
    expect(b.take('authorize')?.identity).toEqual({ iss: 'default-port' });
  });
});
