import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { bindConfig, Realm } from '../../src/realm.js';
import { RealmRegistry } from '../../src/realms.js';
import type { RunningServers } from '../../src/server.js';
import { get, post } from '../support/control.js';
import { start } from '../support/servers.js';

describe('idle realms end after their ttlSeconds (over sockets)', () => {
  let s: RunningServers;
  beforeAll(async () => {
    s = await start();
  });
  afterAll(() => s.close());

  it('a realm with ttlSeconds 1 is gone from the list, and answers 404, once a second passes without a request', async () => {
    expect((await post(s.oauthUrl, '/control/realms', '{"id":"brief","ttlSeconds":1}')).status).toBe(201);
    expect((await post(s.oauthUrl, '/control/realms', '{"id":"lasting"}')).status).toBe(201);
    const listed = async () => ((await get(s.oauthUrl, '/control/realms')).json.realms as Array<{ id: string }>).map((r) => r.id);
    // Listing does not count as a request to the realm: nothing keeps it alive here.
    await expect.poll(listed, { timeout: 20_000, interval: 100 }).toEqual(['lasting']);
    const r = await get(s.oauthUrl, '/r/brief/control/state');
    expect(r.status).toBe(404);
    expect(r.json.error_description).toContain('no realm "brief"');
  });
});

describe('the registry: one timer, idleness in wall-clock time', () => {
  let now = 1_000_000;
  let main: Realm;
  let registry: RealmRegistry;
  beforeAll(() => {
    main = new Realm(bindConfig(resolveConfig({ oauthBaseUrl: 'http://localhost:9100', mcpBaseUrl: 'http://localhost:9101' })));
  });
  afterEach(() => registry?.close());
  afterAll(() => main.close());

  const fresh = (max = 1000, ttlSeconds = 60) => (registry = new RealmRegistry(main, { max, ttlSeconds, now: () => now }));

  it('a request keeps a realm alive; a TTL without one ends it at the next lookup', async () => {
    fresh();
    const { id } = await registry.create();
    now += 59_000;
    expect(registry.get(id)).toBeDefined();
    now += 59_000;
    expect(registry.get(id)).toBeDefined();
    now += 60_001;
    expect(registry.get(id)).toBeUndefined();
    expect(registry.size).toBe(0);
  });

  it("a realm's own ttlSeconds wins over the default", async () => {
    fresh(1000, 60);
    const { id } = await registry.create({ ttlSeconds: 600 });
    now += 300_000;
    expect(registry.get(id)).toBeDefined();
  });

  it("advancing a realm's clock does not end it: idleness is real time", async () => {
    fresh(1000, 60);
    const { id, realm } = await registry.create();
    realm.clock.advance(3600);
    expect(registry.get(id)).toBe(realm);
  });

  it('the sweep ends idle realms without a lookup and sweeps the stores of the others', async () => {
    fresh(1000, 60);
    const idle = await registry.create({ id: 'idle' });
    const busy = await registry.create({ id: 'busy', ttlSeconds: 3600 });
    await busy.realm.store.upsert('access', 'expired-token', { clientId: 'c', scope: [], aud: [], sub: 's', grantId: 'g', iat: 0, exp: 1, expiresAt: 1000 });
    now += 61_000;
    await registry.sweep();
    expect(registry.list().map((r) => r.id)).toEqual(['busy']);
    expect(await busy.realm.store.find('access', 'expired-token')).toBeUndefined();
  });

  it('creating 200 realms starts no timer: one timer sweeps them all', async () => {
    // Timers are unref'd (they must not keep a process alive), so count the calls that make them.
    const intervals = vi.spyOn(globalThis, 'setInterval');
    try {
      fresh(1000, 60);
      expect(intervals).toHaveBeenCalledTimes(1);
      for (let i = 0; i < 200; i++) await registry.create();
      expect(registry.size).toBe(200);
      expect(intervals).toHaveBeenCalledTimes(1);
      // The count sees a timer when there is one: a realm made on its own keeps its own.
      new Realm(main.config).close();
      expect(intervals).toHaveBeenCalledTimes(2);
    } finally {
      intervals.mockRestore();
    }
    registry.close();
    expect(registry.size).toBe(0);
  });
});
