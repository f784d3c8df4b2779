import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RealmHandle, RunningServers } from '../../src/server.js';
import { callTool, textOf } from '../support/mcp.js';
import { obtainTokens, refreshGrant, visitAuthorize } from '../support/oauth.js';
import { pkce } from '../support/pkce.js';
import { snapshot } from '../support/snapshot.js';
import { start } from '../support/servers.js';

let s: RunningServers;
let a: RealmHandle;
let b: RealmHandle;
/** A public client of each realm with its tokens, bound to that realm's resource. */
const tokens: Record<'a' | 'b', { clientId: string; access: string; refresh: string }> = {} as never;

beforeAll(async () => {
  s = await start();
  a = await s.createRealm({ id: 'iso-a' });
  b = await s.createRealm({ id: 'iso-b' });
  for (const [name, r] of [['a', a], ['b', b]] as const) {
    const t = await obtainTokens(r.issuer, { resource: r.mcpUrl });
    tokens[name] = { clientId: t.clientId, access: t.tokens.access_token, refresh: t.tokens.refresh_token! };
  }
});
afterAll(() => s.close());

describe('two realms on the same two ports', () => {
  it('each accepts its own tokens at its own /mcp', async () => {
    for (const [name, r] of [['a', a], ['b', b]] as const) {
      const res = await callTool(r.mcpUrl, tokens[name].access, 'echo', { message: name });
      expect(res.status, name).toBe(200);
      expect(textOf(res.json.result)).toBe(name);
    }
  });

  it("refuses one realm's token at the other's /mcp and at the default /mcp (another audience, another issuer)", async () => {
    for (const url of [b.mcpUrl, s.mcpUrl]) {
      const res = await callTool(url, tokens.a.access);
      expect(res.status, url).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
    // The token names realm a's resource: realm a's AS says so at introspection.
    expect((await a.realm.store.find('access', tokens.a.access))?.aud).toEqual([a.mcpUrl]);
    expect(await b.realm.store.find('access', tokens.a.access)).toBeUndefined();
  });

  it("does not know the other realm's clients", async () => {
    const before = await snapshot(b.realm);
    const v = await visitAuthorize(b.issuer, tokens.a.clientId, pkce().challenge);
    expect(v.status).toBe(400);
    expect(v.text).toContain(tokens.a.clientId);
    expect(await snapshot(b.realm)).toEqual(before);
    expect((await refreshGrant(b.issuer, tokens.a.clientId, tokens.a.refresh)).status).toBe(401);
  });

  it('a switch flipped in one realm leaves the other and the default realm alone', async () => {
    await a.control.force403(true);
    try {
      expect((await callTool(a.mcpUrl, tokens.a.access)).status).toBe(403);
      expect((await callTool(b.mcpUrl, tokens.b.access)).status).toBe(200);
      expect((await a.control.mcpState()).switches['force-403']).toBe(true);
      expect((await b.control.mcpState()).switches['force-403']).toBe(false);
      expect((await s.control.mcpState()).switches['force-403']).toBe(false);
    } finally {
      await a.control.force403(false);
    }
  });

  it('policy, faults, clock, the era and the step-up switch are per realm', async () => {
    await a.control.rotate(true);
    await a.control.addFault({ endpoint: 'token', effect: { kind: 'oauth-error', error: 'temporarily_unavailable', status: 503 }, times: 1 });
    await a.control.advanceClock(600);
    await a.control.stepUp(2);
    await a.control.era('modern');
    const [sa, sb, main] = await Promise.all([a.control.state(), b.control.state(), s.control.state()]);
    expect(sa.switches.rotate).toBe(true);
    expect(sa.faults).toHaveLength(1);
    expect(sa.clock.offsetSeconds).toBe(600);
    expect((await a.control.mcpState()).switches['step-up']).toBe(2);
    expect(sa.switches.era).toBe('modern');
    for (const other of [sb, main]) {
      expect(other.switches.era).toBe('dual');
      expect(other.switches.rotate).toBe(false);
      expect(other.faults).toEqual([]);
      expect(other.clock.offsetSeconds).toBe(0);
      expect(other.switches['step-up']).toBe(false);
    }
    // The fault strikes realm a's /token only.
    expect((await refreshGrant(b.issuer, tokens.b.clientId, tokens.b.refresh)).status).toBe(200);
    expect((await refreshGrant(a.issuer, tokens.a.clientId, tokens.a.refresh)).status).toBe(503);
    await a.control.reset();
  });

  it('counters and events are per realm, and events keep the /r/<id> path', async () => {
    const before = (await s.control.state()).counters.tokenCalls;
    await refreshGrant(b.issuer, tokens.b.clientId, tokens.b.refresh);
    expect((await s.control.state()).counters.tokenCalls).toBe(before);
    const { events } = await b.control.events();
    const paths = new Set(events.map((e) => e.path));
    expect(paths).toContain('/r/iso-b/token');
    expect([...paths].filter((p) => p.includes('iso-a'))).toEqual([]);
    const main = await s.control.events();
    expect(main.events.filter((e) => e.path.startsWith('/r/'))).toEqual([]);
  });

  it("resetting one realm keeps the other's clients and tokens", async () => {
    // Realm a was reset by the test before: a client of its own again.
    const t = await obtainTokens(a.issuer, { resource: a.mcpUrl });
    await b.control.reset();
    expect(await b.realm.store.countClients()).toBe(0);
    expect(await a.realm.store.countClients()).toBe(1);
    expect((await callTool(a.mcpUrl, t.tokens.access_token)).status).toBe(200);
  });

  it('a deleted realm answers nothing more; its tokens are gone with it', async () => {
    const c = await s.createRealm({ id: 'iso-c' });
    const t = await obtainTokens(c.issuer, { resource: c.mcpUrl });
    expect((await callTool(c.mcpUrl, t.tokens.access_token)).status).toBe(200);
    expect(c.delete()).toBe(true);
    const res = await callTool(c.mcpUrl, t.tokens.access_token);
    expect(res.status).toBe(404);
    expect(res.json.error_description).toContain('no realm "iso-c"');
    expect(c.delete()).toBe(false);
  });
});
