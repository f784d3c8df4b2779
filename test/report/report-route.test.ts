/** GET /control/report on both servers: its JSON, the client_id filter, refusals, and whose card it is. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ControlClient, ControlError } from '../../src/control/client.js';
import { CHECK_IDS } from '../../src/report/checks.js';
import type { RunningServers } from '../../src/server.js';
import { get, post } from '../support/control.js';
import { PlainClient } from '../support/plain-client.js';
import { rsBase, start } from '../support/servers.js';
import { snapshot } from '../support/snapshot.js';

let s: RunningServers;
let locked: RunningServers;
beforeAll(async () => {
  [s, locked] = await Promise.all([start(), start({ controlToken: 'report-secret' })]);
});
afterAll(async () => {
  await Promise.all([s?.close(), locked?.close()]);
});
beforeEach(() => s.control.reset());

describe('GET /control/report', () => {
  it("answers every client's card, in the conformance suite's check shape, on both servers alike", async () => {
    const c = await new PlainClient(s).register();
    await c.login();
    for (const base of [s.oauthUrl, rsBase(s)]) {
      const a = await get(base, '/control/report');
      expect(a.status).toBe(200);
      expect(Object.keys(a.json).sort()).toEqual(['clients', 'generatedAt', 'totals']);
      expect(a.json.clients).toHaveLength(1);
      const card = a.json.clients[0];
      expect(card).toMatchObject({ clientId: c.clientId, key: c.clientId, clientName: c.name, lineage: expect.any(String) });
      expect(card.checks.map((k: { id: string }) => k.id)).toEqual(CHECK_IDS);
      for (const k of card.checks) {
        expect(k).toMatchObject({ id: expect.any(String), name: expect.any(String), description: expect.any(String), status: expect.stringMatching(/^(SUCCESS|FAILURE|WARNING|SKIPPED|INFO)$/), timestamp: expect.any(String), clientId: c.clientId });
        for (const r of k.specReferences) expect(r.url).toMatch(/^https:\/\//);
      }
      const sum = Object.values(a.json.totals as Record<string, number>).reduce((x, y) => x + y, 0);
      expect(sum).toBe(CHECK_IDS.length);
    }
    // The events that prove a grade, cited while the log holds them.
    const pkce = (await get(s.oauthUrl, '/control/report')).json.clients[0].checks.find((k: { id: string }) => k.id === 'pkce-code-challenge-sent');
    const events = (await get(s.oauthUrl, '/control/events')).json.events as Array<{ id: number; endpoint?: string }>;
    expect(pkce.eventIds.every((id: number) => events.some((e) => e.id === id && e.endpoint === 'authorize'))).toBe(true);
  });

  it('?client_id= answers the plain checks.json array of that client; ControlClient.report says the same', async () => {
    const c = await new PlainClient(s).register();
    await c.login();
    const a = await get(s.oauthUrl, `/control/report?client_id=${encodeURIComponent(c.clientId)}`);
    expect(a.status).toBe(200);
    expect(Array.isArray(a.json)).toBe(true);
    expect(a.json.map((k: { id: string }) => k.id)).toEqual(CHECK_IDS);
    const viaClient = await s.control.report(c.clientId);
    expect(viaClient.map((k) => [k.id, k.status])).toEqual(a.json.map((k: { id: string; status: string }) => [k.id, k.status]));
    expect((await s.control.report()).clients.map((k) => k.clientId)).toEqual([c.clientId]);
  });

  it('an unknown client is a 404 that says why; ControlClient throws a ControlError 404', async () => {
    const a = await get(s.oauthUrl, '/control/report?client_id=nobody');
    expect(a.status).toBe(404);
    expect(a.json).toEqual({ error: 'not_found', error_description: expect.stringContaining('no client "nobody"') });
    await expect(s.control.report('nobody')).rejects.toMatchObject({ status: 404 });
    await expect(s.control.report('nobody')).rejects.toBeInstanceOf(ControlError);
  });

  it.each([
    ['?client_id=', 'client_id must be 1 to'],
    ['?client_id=a&client_id=b', 'must not be repeated'],
    ['?clientid=a', 'unknown query parameter "clientid"'],
    [`?client_id=${'x'.repeat(5000)}`, 'client_id must be 1 to'],
  ])('a bad query %s is a 400 invalid_request naming the rule, and changes nothing', async (query, says) => {
    const before = await snapshot(s.realm);
    const a = await get(s.oauthUrl, `/control/report${query}`);
    expect(a.status).toBe(400);
    expect(a.json.error).toBe('invalid_request');
    expect(a.json.error_description).toContain(says);
    expect(await snapshot(s.realm)).toEqual(before);
  });

  it('POST is a 405 naming GET', async () => {
    const a = await post(s.oauthUrl, '/control/report', '{}');
    expect(a.status).toBe(405);
    expect(a.headers.get('allow')).toBe('GET');
  });

  it('CONTROL_TOKEN and the origin rule apply as to every control route', async () => {
    expect((await get(locked.oauthUrl, '/control/report')).status).toBe(401);
    expect((await get(rsBase(locked), '/control/report')).status).toBe(401);
    expect((await get(locked.oauthUrl, '/control/report', { authorization: 'Bearer report-secret' })).status).toBe(200);
    const foreign = await get(s.oauthUrl, '/control/report', { origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.json.error).toBe('forbidden_origin');
    const withToken = new ControlClient({ oauthUrl: locked.oauthUrl, mcpUrl: locked.mcpUrl, token: 'report-secret' });
    expect((await withToken.report()).clients).toEqual([]);
  });

  it('a client refused at registration appears, keyed by its name and redirect URIs, with the refusal as its finding', async () => {
    const res = await fetch(`${s.oauthUrl}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_name: 'refused-one', redirect_uris: ['http://127.0.0.1:1/cb'], token_endpoint_auth_method: 'bogus' }) });
    expect(res.status).toBe(400);
    const card = (await s.control.report()).clients.find((c) => c.clientName === 'refused-one')!;
    expect(card).toMatchObject({ clientId: null, key: `lineage:${card.lineage}` });
    const refused = card.checks.find((k) => k.id === 'registration-accepted')!;
    expect(refused.status).toBe('FAILURE');
    expect(refused.description).toContain('invalid_client_metadata');
    expect(refused.description).toContain('bogus');
  });

  it('reset clears the card; each realm has a card of its own', async () => {
    const c = await new PlainClient(s).register();
    await c.login();
    const realm = await s.createRealm();
    try {
      const inRealm = await new PlainClient({ oauthUrl: realm.issuer, mcpUrl: realm.mcpUrl }).register();
      await inRealm.login();
      expect((await s.control.report()).clients.map((k) => k.clientId)).toEqual([c.clientId]);
      expect((await realm.control.report()).clients.map((k) => k.clientId)).toEqual([inRealm.clientId]);
      expect(realm.report(inRealm.clientId)).toBeDefined();
      expect(s.report(inRealm.clientId)).toBeUndefined();
    } finally {
      realm.delete();
    }
    await s.control.reset();
    expect((await s.control.report()).clients).toEqual([]);
    expect(s.report().clients).toEqual([]);
  });
});
