import { describe, expect, it } from 'vitest';
import { lineage, MAX_LINEAGE_GRANTS, MAX_LINEAGE_STEPS } from '../../src/control/lineage.js';
import type { ServerEvent } from '../../src/events.js';
import { abbreviate } from '../../src/secrets.js';
import { authorize, codeGrantParams, redeem, refreshGrant, refreshGrantParams, register, revokeToken, tokenRequest } from '../support/oauth.js';
import { jsonPost } from '../support/http.js';
import { freshAS } from '../support/servers.js';

const as = freshAS();
const kinds = (events: ServerEvent[], grantId: string) => lineage(events).find((g) => g.grantId === grantId)?.steps.map((s) => s.kind);

describe('lineage: each grant from the events the AS recorded', () => {
  it('code → tokens → refresh → rotation → reuse of the rotated token, which ends the grant', async () => {
    const { client_id: clientId } = await register(as);
    const a = await authorize(as, clientId);
    const first = await redeem(as, clientId, a);
    const plain = await refreshGrant(as, clientId, first.refresh_token!);
    expect(plain.status).toBe(200);
    await as.req('/control/rotate', jsonPost({ on: true }));
    const rotated = await refreshGrant(as, clientId, first.refresh_token!);
    expect(rotated.status).toBe(200);
    const reused = await refreshGrant(as, clientId, first.refresh_token!);
    expect(reused.json.error).toBe('invalid_grant');

    const grants = lineage(as.realm.events.since(0));
    expect(grants).toHaveLength(1);
    const g = grants[0]!;
    expect(g.clientId).toBe(clientId);
    expect(g.steps.map((s) => s.kind)).toEqual(['code', 'tokens', 'refresh', 'rotation', 'reuse']);
    expect(g.ended).toBe('reuse');
    expect(g.steps.at(-1)).toMatchObject({ status: 400, outcome: 'invalid_grant', revoked: expect.any(Number) });
    expect(g.steps.at(-1)!.revoked).toBeGreaterThan(0);
    // Ids and times come from the events themselves.
    const ids = g.steps.map((s) => s.eventId);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
  });

  it('a replayed code ends its grant as a replay; a revoked refresh token as revoked; newest grant first', async () => {
    const { client_id: clientId } = await register(as);
    const a = await authorize(as, clientId);
    await redeem(as, clientId, a);
    const replay = await tokenRequest(as, codeGrantParams(clientId, a));
    expect(replay.json.error).toBe('invalid_grant');

    const b = await authorize(as, clientId);
    const tokens = await redeem(as, clientId, b);
    await revokeToken(as, clientId, tokens.access_token);
    const res = await as.req('/revoke', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: tokens.refresh_token!, client_id: clientId }).toString() });
    expect(res.status).toBe(200);

    const events = as.realm.events.since(0);
    const grants = lineage(events);
    expect(grants).toHaveLength(2);
    const [second, first] = grants;
    expect(first!.steps.map((s) => s.kind)).toEqual(['code', 'tokens', 'replay']);
    expect(first!.ended).toBe('replay');
    // An access token's revocation takes one token; the refresh token's takes the grant (RFC 7009 §2.1).
    expect(second!.steps.map((s) => s.kind)).toEqual(['code', 'tokens', 'revocation', 'revocation']);
    expect(second!.steps.map((s) => s.revoked)).toEqual([undefined, undefined, 1, expect.any(Number)]);
    expect(second!.ended).toBe('revoked');
  });

  it("grant ids are the events' abbreviations, never a whole secret", async () => {
    const { client_id: clientId } = await register(as);
    await redeem(as, clientId, await authorize(as, clientId));
    const [record] = (await as.realm.store.list('refresh')).map(([, r]) => r);
    expect(lineage(as.realm.events.since(0))[0]!.grantId).toBe(abbreviate(record!.grantId));
  });

  it('a refused refresh is a step that ends nothing; events without a grant are no grant', async () => {
    const { client_id: clientId } = await register(as);
    const t = await redeem(as, clientId, await authorize(as, clientId));
    // Wider than the grant: refused after the grant was found (RFC 6749 §6), so the step is the grant's.
    expect((await tokenRequest(as, refreshGrantParams(clientId, t.refresh_token!, { scope: 'mcp:tools mcp:admin never-granted' }))).json.error).toBe('invalid_scope');
    await as.req('/.well-known/oauth-authorization-server');
    const grants = lineage(as.realm.events.since(0));
    expect(grants).toHaveLength(1);
    expect(kinds(as.realm.events.since(0), grants[0]!.grantId)).toEqual(['code', 'tokens', 'refused']);
    expect(grants[0]!.ended).toBeUndefined();
  });
});

describe('lineage bounds', () => {
  const tokenEvent = (id: number, grantId: string): ServerEvent => ({ id, at: new Date(id * 1000).toISOString(), server: 'oauth', type: 'request', endpoint: 'token', method: 'POST', path: '/token', status: 200, ms: 0, outcome: 'ok', grant: 'refresh_token', grantId });

  it(`keeps the ${MAX_LINEAGE_GRANTS} newest grants and, per grant, its first step and the ${MAX_LINEAGE_STEPS - 1} newest`, () => {
    const many = Array.from({ length: MAX_LINEAGE_GRANTS + 10 }, (_, i) => tokenEvent(i + 1, `g_${i}`));
    const grants = lineage(many);
    expect(grants).toHaveLength(MAX_LINEAGE_GRANTS);
    expect(grants[0]!.grantId).toBe(`g_${MAX_LINEAGE_GRANTS + 9}`);

    const loop = Array.from({ length: 500 }, (_, i) => tokenEvent(i + 1, 'g_loop'));
    const [g] = lineage(loop);
    expect(g!.steps).toHaveLength(MAX_LINEAGE_STEPS);
    expect(g!.steps[0]!.eventId).toBe(1);
    expect(g!.steps.at(-1)!.eventId).toBe(500);
    expect(g!.steps[1]!.eventId).toBe(500 - MAX_LINEAGE_STEPS + 2);
  });
});
