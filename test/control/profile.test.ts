import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { SPEC_PRESETS } from '../../src/profiles/spec-presets.js';
import { PERSONAS } from '../../src/profiles/personas.js';
import { get, post } from '../support/control.js';
import { rsBase, start } from '../support/servers.js';
import { snapshot } from '../support/snapshot.js';

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
  await s.control.reset();
});

describe('GET /control/profile', () => {
  it('starts at the newest preset with no persona; every policy key has its source', async () => {
    const a = await get(as, '/control/profile');
    expect(a.status).toBe(200);
    expect(a.json).toMatchObject({ spec: '2026-07-28', persona: null, faults: [] });
    expect(Object.keys(a.json.sources).sort()).toEqual(Object.keys(a.json.policy).sort());
    expect(a.json.sources.issParameter).toBe('spec:2026-07-28');
    expect(a.json.sources.codeTtlSeconds).toBe('default');
    // The newest preset is the startup policy the servers had before presets existed: nothing moves by default.
    expect(a.json.policy).toEqual((await s.control.policy()).policy);
  });

  it('is served by the MCP server too, for the same realm', async () => {
    await post(as, '/control/profile', '{"spec":"2025-06-18"}');
    expect((await get(rs, '/control/profile')).json.spec).toBe('2025-06-18');
  });
});

describe('POST /control/profile', () => {
  it.each(Object.keys(SPEC_PRESETS))('spec %s sets each of its values, named as its source', async (version) => {
    const a = await post(as, '/control/profile', JSON.stringify({ spec: version }));
    expect(a.status).toBe(200);
    expect(a.json.spec).toBe(version);
    for (const [key, v] of Object.entries(SPEC_PRESETS[version as keyof typeof SPEC_PRESETS].values)) {
      expect(a.json.policy[key], key).toEqual(v!.value);
      expect(a.json.sources[key], key).toBe(`spec:${version}`);
      expect(v!.cites.length, `${version} ${key} cites its section`).toBeGreaterThan(10);
    }
    expect((await s.control.state()).profile).toEqual({ spec: version, persona: null });
  });

  it('2025-03-26 is the revision without PRM, with AS metadata at the resource origin and no iss', async () => {
    const { policy } = (await post(as, '/control/profile', '{"spec":"2025-03-26"}')).json;
    expect(policy).toMatchObject({ prmAdvertised: 'neither', asAtResourceOrigin: true, asDiscovery: 'rfc8414', issParameter: false, cimd: false, mcpEra: 'legacy' });
    // Inert fields aside, what the handlers already read follows at once: no iss advertised, no CIMD.
    const meta = await (await fetch(`${as}/.well-known/oauth-authorization-server`)).json();
    expect(meta.authorization_response_iss_parameter_supported).not.toBe(true);
    expect(meta.client_id_metadata_document_supported).not.toBe(true);
  });

  it.each(Object.keys(PERSONAS))('persona %s: its policy, sourced to it, and its standing faults', async (name) => {
    const persona = PERSONAS[name as keyof typeof PERSONAS];
    const a = await post(as, '/control/profile', JSON.stringify({ persona: name }));
    expect(a.status).toBe(200);
    expect(a.json.persona).toBe(name);
    for (const [key, value] of Object.entries(persona.policy)) {
      expect(a.json.policy[key], key).toEqual(value);
      expect(a.json.sources[key], key).toBe(`persona:${name}`);
    }
    expect(a.json.faults).toEqual(persona.faults.map((f) => f.id));
    const faults = (await s.control.faults()).faults.filter((f) => a.json.faults.includes(f.id));
    for (const f of faults) expect(f.remaining, 'standing: until removed').toBeNull();
    for (const q of persona.quirks) expect(q.reference).toMatch(/^https:\/\//);
  });

  it('a new persona replaces the old one\'s faults; null takes them away', async () => {
    await post(as, '/control/profile', '{"persona":"slack"}');
    const b = await post(as, '/control/profile', '{"persona":"entra"}');
    expect(b.json.faults).toEqual(['persona-entra-target']);
    expect((await s.control.faults()).faults.map((f) => f.id)).toEqual(['persona-entra-target']);
    const c = await post(as, '/control/profile', '{"persona":null}');
    expect(c.json.persona).toBeNull();
    expect((await s.control.faults()).faults).toEqual([]);
  });

  it('spec and persona at once; the persona wins where both set a key', async () => {
    const a = await post(as, '/control/profile', '{"spec":"2025-06-18","persona":"github"}');
    expect(a.json).toMatchObject({ spec: '2025-06-18', persona: 'github' });
    expect(a.json.sources.dynamicRegistration).toBe('persona:github');
    expect(a.json.sources.asDiscovery).toBe('spec:2025-06-18');
  });

  it('control-plane changes stay on top, but a switch drops those to keys the new profile sets', async () => {
    await s.control.setPolicy({ codeTtlSeconds: 30, dynamicRegistration: false });
    let p = await s.control.profile();
    expect(p.sources).toMatchObject({ codeTtlSeconds: 'control', dynamicRegistration: 'control' });
    p = (await post(as, '/control/profile', '{"spec":"2025-03-26"}')).json;
    // 2025-03-26 sets dynamicRegistration (SHOULD): the preset asked for wins; codeTtlSeconds is no preset's.
    expect(p.policy).toMatchObject({ codeTtlSeconds: 30, dynamicRegistration: true });
    expect(p.sources).toMatchObject({ codeTtlSeconds: 'control', dynamicRegistration: 'spec:2025-03-26' });
    // A change after the switch is on top of it.
    await s.control.setPolicy({ issParameter: true });
    expect((await s.control.profile()).sources.issParameter).toBe('control');
  });

  it('a switch writes a control event', async () => {
    const since = (await s.control.state()).lastEventId;
    await post(as, '/control/profile', '{"spec":"2025-11-25","persona":"atlassian"}');
    const events = (await s.control.events(since)).events;
    expect(events).toEqual([expect.objectContaining({ type: 'control', control: 'profile', path: '/control/profile', outcome: 'spec 2025-11-25, persona atlassian' })]);
  });

  it('reset returns to the startup profile, its faults and no control changes', async () => {
    await post(as, '/control/profile', '{"spec":"2025-03-26","persona":"slack"}');
    await s.control.setPolicy({ codeTtlSeconds: 30 });
    await s.control.reset();
    const p = await s.control.profile();
    expect(p).toMatchObject({ spec: '2026-07-28', persona: null, faults: [] });
    expect(Object.values(p.sources)).not.toContain('control');
    expect((await s.control.faults()).faults).toEqual([]);
  });

  it('ControlClient.setProfile switches both servers\' realm', async () => {
    const p = await s.control.setProfile({ spec: '2025-11-25', persona: 'cognito' });
    expect(p).toMatchObject({ spec: '2025-11-25', persona: 'cognito' });
    expect((await s.control.mcpState()).profile).toEqual({ spec: '2025-11-25', persona: 'cognito' });
  });
});

describe('bad profile bodies: 400 naming the valid form, nothing changed', () => {
  it.each([
    ['{"spec":"2025-06-19"}', /spec: no preset "2025-06-19"; did you mean "2025-06-18"\?/],
    ['{"persona":"slak"}', /persona: no persona "slak"; did you mean "slack"\?/],
    ['{"persona":"okta"}', /the personas are slack, github, entra, atlassian, cognito/],
    ['{}', /name a spec, a persona/],
    ['{"spec":2025}', /spec: .*expected/],
    ['{"spec":"2025-06-18","era":"modern"}', /era/],
    ['[]', /expected/],
    ['{spec}', /not valid JSON/],
  ])('%s', async (body, message) => {
    await post(as, '/control/profile', '{"persona":"github"}');
    const before = await snapshot(s.realm);
    const faultsBefore = (await s.control.faults()).faults;
    for (const base of [as, rs]) {
      const a = await post(base, '/control/profile', body);
      expect(a.status).toBe(400);
      expect(a.json.error).toBe('invalid_request');
      expect(a.json.error_description).toMatch(message);
    }
    expect(await snapshot(s.realm)).toEqual(before);
    expect((await s.control.faults()).faults).toEqual(faultsBefore);
    expect((await s.control.profile()).persona).toBe('github');
  });

  it('a method other than GET or POST is 405 with Allow', async () => {
    const res = await fetch(`${as}/control/profile`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST');
  });
});

describe('created realms take a profile', () => {
  it('POST /control/realms {"spec","persona"}: the realm starts there and resets there; the default realm is untouched', async () => {
    const created = await post(as, '/control/realms', '{"spec":"2025-06-18","persona":"entra"}');
    expect(created.status).toBe(201);
    const r = s.control.realm(created.json.id);
    expect(await r.profile()).toMatchObject({ spec: '2025-06-18', persona: 'entra', faults: ['persona-entra-target'] });
    await r.setProfile({ spec: '2026-07-28', persona: null });
    await r.reset();
    expect(await r.profile()).toMatchObject({ spec: '2025-06-18', persona: 'entra' });
    expect(await s.control.profile()).toMatchObject({ spec: '2026-07-28', persona: null });
    await s.control.deleteRealm(created.json.id);
  });

  it('an unknown preset in a creation is a 400 and no realm', async () => {
    const count = (await s.control.realms()).count;
    const a = await post(as, '/control/realms', '{"persona":"okta"}');
    expect(a.status).toBe(400);
    expect(a.json.error_description).toMatch(/persona/);
    expect((await s.control.realms()).count).toBe(count);
  });
});
