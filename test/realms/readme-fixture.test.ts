import { test as base, expect } from 'vitest';
import { connectWithConsent } from 'mcp-oauth-test-server';
import { realmFixture, type RealmHandle } from 'mcp-oauth-test-server/vitest';

// Every test gets a realm of its own; the servers are started once per worker, on free ports.
const test = base.extend<{ realm: RealmHandle }>({ realm: realmFixture() });

test.concurrent('force-403 holds in this realm only, while other tests run beside it', async ({ realm }) => {
  const { client } = await connectWithConsent(realm.mcpUrl);
  await realm.control.force403(true); // only this test's realm: the other tests are unaffected
  const r = await client.callTool({ name: 'echo', arguments: { message: 'hi' } }).catch((e: Error) => e);
  expect(String(r)).toContain('403');
  await client.close();
});

test.concurrent('a realm has its own clock', async ({ realm }) => {
  await realm.control.advanceClock(3600);
  expect((await realm.control.state()).clock.offsetSeconds).toBe(3600);
});
