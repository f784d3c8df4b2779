import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthServer } from '../../src/server.js';
import { issueTokens } from '../../src/oauth/issue.js';
import type { Realm } from '../../src/realm.js';
import { startServers, type RunningServers } from '../../src/server.js';
import { authorize, register } from '../support/oauth.js';

describe('bounds', () => {
  let s: RunningServers;
  beforeAll(async () => {
    s = await startServers({ oauthPort: 0, mcpPort: 0, maxClients: 50, eventCapacity: 100 });
  });
  afterAll(() => s.close());

  it('expired codes and access tokens are swept once the clock passes them', async () => {
    const clientId = (await register(s.oauthUrl)).client_id;
    for (let i = 0; i < 5; i++) await authorize(s.oauthUrl, clientId);
    const realm = s.realm;
    for (let i = 0; i < 1000; i++) await issueTokens(realm, { clientId, scope: ['mcp:read'], resources: [], sub: 'u', grantId: `g${i}` }, 'none');
    expect((await realm.store.counts()).codes).toBe(5);
    expect((await realm.store.list('access')).length).toBe(1000);
    await s.control.advanceClock(3601);
    expect((await realm.store.counts()).codes).toBe(0);
    expect((await realm.store.list('access')).length).toBe(0);
  });

  it('rotated refresh tokens are remembered for reuse detection, then forgotten', async () => {
    const realm: Realm = createAuthServer({}).realm;
    await realm.store.upsert('refresh', 'rt_a', { clientId: 'c', scope: [], resources: [], sub: 'u', grantId: 'g', iat: 0 });
    expect((await realm.store.consume('refresh', 'rt_a', realm.clock.now() + realm.policy.rotatedRefreshMemorySeconds * 1000)).outcome).toBe('consumed');
    realm.clock.advance(3600);
    expect((await realm.store.find('refresh', 'rt_a'))?.consumedAt).toBeTypeOf('number');
    realm.clock.advance(24 * 3600);
    expect((await realm.store.find('refresh', 'rt_a'))).toBeUndefined();
    realm.close();
  });

  it('registered metadata is capped per client: 400 invalid_client_metadata beyond 8 KiB, nothing kept; just under it registers', async () => {
    const before = await s.realm.store.countClients();
    const key = (i: number) => ({ kty: 'RSA', kid: `k${i}`, e: 'AQAB', n: 'x'.repeat(2000) });
    const send = (keys: number) =>
      fetch(`${s.oauthUrl}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:3000/cb'], token_endpoint_auth_method: 'none', jwks: { keys: Array.from({ length: keys }, (_, i) => key(i)) } }),
      });
    const big = await send(5);
    expect(big.status).toBe(400);
    const body = (await big.json()) as { error: string; error_description: string };
    expect(body.error).toBe('invalid_client_metadata');
    expect(body.error_description).toMatch(/^client metadata is \d+ bytes as registered; at most 8192 \(8 KiB\) are kept per client$/);
    expect(await s.realm.store.countClients()).toBe(before);
    expect((await send(3)).status).toBe(201);
  });

  it('events are capped', async () => {
    for (let i = 0; i < 150; i++) await fetch(`${s.oauthUrl}/.well-known/oauth-authorization-server`);
    const { events, lastId } = await s.control.events();
    expect(events).toHaveLength(100);
    expect(events.at(-1)!.id).toBe(lastId);
    expect(events[0]!.id).toBe(lastId - 99);
  });

  it('a flood of registrations stops at MAX_CLIENTS with a clear error, and reset frees the room', async () => {
    await s.control.reset();
    const results = await Promise.all(Array.from({ length: 80 }, () => fetch(`${s.oauthUrl}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: ['http://127.0.0.1/cb'], token_endpoint_auth_method: 'none' }) })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(50);
    const refused = results.filter((r) => r.status === 429);
    expect(refused).toHaveLength(30);
    const body = (await refused[0]!.json()) as { error: string; error_description: string };
    expect(body.error).toBe('temporarily_unavailable');
    expect(body.error_description).toContain('MAX_CLIENTS');
    expect((await s.realm.store.countClients())).toBe(50);
    await s.control.reset();
    expect((await fetch(`${s.oauthUrl}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: ['http://127.0.0.1/cb'] }) })).status).toBe(201);
  });
});
