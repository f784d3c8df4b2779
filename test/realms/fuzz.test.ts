import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RealmHandle, RunningServers } from '../../src/server.js';
import { snapshot } from '../support/snapshot.js';
import { rsBase, start } from '../support/servers.js';

let s: RunningServers;
/** A realm beside the one the fuzzer aims at (fz), which nothing may touch. */
let bystander: RealmHandle;

beforeAll(async () => {
  s = await start({ maxRealms: 20 });
  bystander = await s.createRealm({ id: 'bystander' });
});

/** Realm fz as each run starts: there (the fuzzer may have deleted it), and the only other one. */
async function target() {
  for (const { id } of s.realms.list()) if (id !== 'fz' && id !== 'bystander') s.realms.delete(id);
  return s.realms.get('fz') ?? (await s.createRealm({ id: 'fz' })).realm;
}
afterAll(() => s.close());

const TAILS = ['/token', '/authorize', '/register', '/introspect', '/revoke', '/mcp', '/.well-known/openid-configuration', '/control/state', '/control/reset', '/control/rotate', '/control/faults', '/control/clock', '/control/realms', '/', ''];
const realmSegment = fc.oneof(fc.constantFrom('/r/fz', '/r/', '/r//', '/r/FZ', '/r/fz/r/fz', '/r/nope', '/r/%2e%2e', '/r/fz%2F..'), fc.string({ maxLength: 12 }).map((x) => `/r/${encodeURIComponent(x)}`));
const path = fc.oneof(
  fc.tuple(realmSegment, fc.constantFrom(...TAILS)).map(([r, t]) => `${r}${t}`),
  fc.tuple(fc.constantFrom('/.well-known/oauth-authorization-server', '/.well-known/oauth-protected-resource', '/.well-known/openid-configuration'), realmSegment, fc.constantFrom('', '/mcp', '/x')).map(([w, r, t]) => `${w}${r}${t}`),
  fc.constantFrom('/control/realms', '/control/realms/', '/control/realms/fz', '/control/realms/nope', '/control/realms/%00'),
);
const body = fc.oneof(fc.constant(undefined), fc.jsonValue().map((j) => JSON.stringify(j)), fc.string({ maxLength: 100 }), fc.record({ id: fc.string({ maxLength: 70 }), ttlSeconds: fc.oneof(fc.integer(), fc.double()), policy: fc.jsonValue() }, { requiredKeys: [] }).map((o) => JSON.stringify(o)));

describe('fuzzing the realm paths and /control/realms', () => {
  it('never answers 5xx or a stack trace, and never touches a realm it does not address', async () => {
    const untouched = await snapshot(bystander.realm);
    const main = await snapshot(s.realm);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'OPTIONS'), fc.boolean(), path, body, async (method, onAs, p, b) => {
        const fz = await target();
        const res = await fetch(`${onAs ? s.oauthUrl : rsBase(s)}${p}`, {
          method,
          headers: b === undefined ? {} : { 'content-type': 'application/json' },
          body: method === 'GET' ? undefined : b,
          redirect: 'manual',
        });
        const text = await res.text();
        // A fault the fuzzer injected in the target realm may answer 5xx on purpose.
        const faulted = fz.faults.size > 0;
        fz.faults.clear();
        if (!faulted) expect(res.status, `${method} ${p} → ${text.slice(0, 200)}`).toBeLessThan(500);
        expect(text).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
        expect(s.realms.get('bystander'), `${method} ${p}`).toBe(bystander.realm);
      }),
      { numRuns: 300, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
    );
    expect(s.realms.list().map((r) => r.id)).toContain('bystander');
    expect(await snapshot(bystander.realm)).toEqual(untouched);
    expect(await snapshot(s.realm)).toEqual(main);
  });
});
