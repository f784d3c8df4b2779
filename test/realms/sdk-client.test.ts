import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RealmHandle, RunningServers } from '../../src/server.js';
import { connectWithConsent, type Connected } from '../../src/testing/connect.js';
import { textOf } from '../support/mcp.js';
import { start } from '../support/servers.js';

describe("the official SDK client through a realm's mcpUrl, from nothing but that URL", () => {
  let s: RunningServers;
  let realm: RealmHandle;
  let c: Connected;
  let mainEventsBefore: number;

  beforeAll(async () => {
    s = await start();
    realm = await s.createRealm({ id: 'sdk' });
    mainEventsBefore = (await s.control.events()).lastId;
    c = await connectWithConsent(realm.mcpUrl);
  });
  afterAll(async () => {
    await c?.client.close();
    await s.close();
  });

  it("discovers the realm's own issuer and registers, authorizes and redeems there: PRM → AS metadata → DCR → /authorize → /token", async () => {
    const { events } = await realm.control.events();
    const seen = events.filter((e) => e.type === 'request').map((e) => `${e.server} ${e.method} ${e.path} ${e.status}`);
    const order = [
      'mcp POST /r/sdk/mcp 401',
      'mcp GET /.well-known/oauth-protected-resource/r/sdk/mcp 200',
      'oauth GET /.well-known/oauth-authorization-server/r/sdk 200',
      'oauth POST /r/sdk/register 201',
      'oauth GET /r/sdk/authorize 302',
      'oauth POST /r/sdk/token 200',
    ];
    let at = -1;
    for (const step of order) {
      const next = seen.indexOf(step, at + 1);
      expect(next, `${step} in\n${seen.join('\n')}`).toBeGreaterThan(at);
      at = next;
    }
    expect(seen.slice(at + 1)).toContain('mcp POST /r/sdk/mcp 200');
    expect(c.provider.lastRedirect?.searchParams.get('iss')).toBe(realm.issuer);
    const access = await realm.realm.store.find('access', c.provider.savedTokens!.access_token);
    expect(access?.aud).toEqual([realm.mcpUrl]);
  });

  it('calls a tool end to end: the realm introspects at its own issuer', async () => {
    const r = await c.client.callTool({ name: 'add', arguments: { a: 2, b: 40 } });
    expect(textOf(r)).toBe('42');
    const state = await realm.control.state();
    expect(state.counters.introspections).toBeGreaterThan(0);
    expect(state.counters.toolCalls).toBe(1);
  });

  it('left the default realm untouched', async () => {
    const main = await s.control.state();
    expect(main.lastEventId).toBe(mainEventsBefore);
    expect(main.counters).toMatchObject({ registrations: 0, tokenCalls: 0, introspections: 0, mcpRequests: 0 });
    expect(await s.realm.store.countClients()).toBe(0);
  });
});
