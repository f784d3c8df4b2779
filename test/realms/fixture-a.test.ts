// One of two files (fixture-b.test.ts is the other) that vitest runs in parallel workers, each test on
// a realm of its own from its worker's one pair of servers, through the package's vitest fixture.
import { test as base, describe, expect } from 'vitest';
import { realmFixture, workerServers, type RealmHandle } from 'mcp-oauth-test-server/vitest';
import { callTool } from '../support/mcp.js';
import { obtainTokens } from '../support/oauth.js';

const test = base.extend<{ realm: RealmHandle }>({ realm: realmFixture() });
const seen = new Set<string>();

describe.concurrent('realmFixture (file a): concurrent tests, a realm each', () => {
  for (const ttl of [101, 102, 103]) {
    test(`a token lifetime of ${ttl} s stays in its own realm`, async ({ realm }) => {
      expect(seen.has(realm.id)).toBe(false);
      seen.add(realm.id);
      await realm.control.expiresIn(ttl);
      const { tokens } = await obtainTokens(realm.issuer, { resource: realm.mcpUrl });
      expect(tokens.expires_in).toBe(ttl);
      expect((await callTool(realm.mcpUrl, tokens.access_token)).status).toBe(200);
      // Whatever the tests beside it set, this realm still has this test's value and only its client.
      expect((await realm.control.state()).switches['expires-in']).toBe(ttl);
      expect(await realm.realm.store.countClients()).toBe(1);
    });
  }

  test('the realms live on one pair of servers per worker, and end with their test', async ({ realm }) => {
    const servers = await workerServers();
    expect(servers.realms.list().map((r) => r.id)).toContain(realm.id);
    expect(realm.issuer.startsWith(`${servers.oauthUrl}/r/`)).toBe(true);
    // The default realm is never used by the fixture.
    expect((await servers.control.state()).counters.tokenCalls).toBe(0);
  });
});

test('a finished test left no realm behind', async () => {
  const servers = await workerServers();
  expect(servers.realms.size).toBe(0);
});
