import { afterEach, describe, expect, it } from 'vitest';
import { optionsFromEnv, resolveConfig } from '../../src/config.js';
import type { StartOptions } from '../../src/server.js';
import { makeAS, type AS } from '../support/servers.js';
import { inactiveToRs, introspect, obtainTokens, token } from '../support/oauth.js';
import { expectOAuthError } from '../support/oauth-error.js';

let as: AS | undefined;
afterEach(() => as?.realm.close());
const fresh = (o: StartOptions = {}) => (as = makeAS(o));
const refresh = (s: AS, clientId: string, rt: string) => token(s, { grant_type: 'refresh_token', refresh_token: rt, client_id: clientId });
const settle = () => new Promise((r) => setImmediate(r));
/** The record's expiresAt is `seconds` after it was issued, somewhere between `before` and now. */
async function expectLifetime(s: AS, rt: string, seconds: number, before: number): Promise<void> {
  const at = (await s.realm.store.find('refresh', rt))?.expiresAt;
  expect(at).toBeGreaterThanOrEqual(before + seconds * 1000);
  expect(at).toBeLessThanOrEqual(s.realm.clock.now() + seconds * 1000);
}

describe('refresh tokens have a lifetime (issue 10)', () => {
  it('defaults to 30 days, REFRESH_TOKEN_TTL_SECONDS sets it, and the policy starts from it', () => {
    expect(resolveConfig().refreshTokenTtlSeconds).toBe(30 * 86400);
    expect(resolveConfig(optionsFromEnv({ REFRESH_TOKEN_TTL_SECONDS: '120' })).refreshTokenTtlSeconds).toBe(120);
    expect(() => optionsFromEnv({ REFRESH_TOKEN_TTL_SECONDS: '0' })).toThrow(/REFRESH_TOKEN_TTL_SECONDS must be a positive whole number/);
    expect(fresh({ refreshTokenTtlSeconds: 120 }).realm.policy.refreshTokenTtlSeconds).toBe(120);
  });

  it('an issued refresh token carries expiresAt; past it, refresh is invalid_grant, introspection inactive, and the sweep forgets it', async () => {
    const s = fresh({ refreshTokenTtlSeconds: 1000, tokenTtlSeconds: 100 });
    const before = s.realm.clock.now();
    const { clientId, tokens } = await obtainTokens(s);
    const rt = tokens.refresh_token!;
    await expectLifetime(s, rt, 1000, before);
    s.realm.clock.advance(999);
    await settle();
    expect((await refresh(s, clientId, rt)).status).toBe(200);
    expect((await introspect(s, rt)).active).toBe(true);
    s.realm.clock.advance(2);
    await settle();
    await expectOAuthError(await refresh(s, clientId, rt), 400, 'invalid_grant', /^refresh token expired at \S+ \(1 s ago\)$/);
    expect(await introspect(s, rt)).toEqual(inactiveToRs(/^refresh token expired at/));
    expect(await s.realm.store.find('refresh', rt)).toBeUndefined();
  });

  it('the expiry is checked before any sweep: an expired token still kept is refused', async () => {
    const s = fresh({ refreshTokenTtlSeconds: 1000 });
    const { clientId, tokens } = await obtainTokens(s);
    const rt = tokens.refresh_token!;
    const r = (await s.realm.store.find('refresh', rt))!;
    await s.realm.store.upsert('refresh', rt, { ...r, expiresAt: s.realm.clock.now() - 1 });
    await expectOAuthError(await refresh(s, clientId, rt), 400, 'invalid_grant', /^refresh token expired at \S+ \(0 s ago\)$/);
    expect(await introspect(s, rt)).toEqual(inactiveToRs(/^refresh token expired at/));
  });

  it('a rotated refresh token gets a lifetime of its own; /control/policy changes it for tokens issued from then on', async () => {
    const s = fresh({ refreshTokenTtlSeconds: 1000 });
    s.realm.setPolicy({ rotateRefreshTokens: true, refreshTokenTtlSeconds: 50 });
    const t0 = s.realm.clock.now();
    const { clientId, tokens } = await obtainTokens(s);
    await expectLifetime(s, tokens.refresh_token!, 50, t0);
    s.realm.clock.advance(40);
    const t1 = s.realm.clock.now();
    const res = await refresh(s, clientId, tokens.refresh_token!);
    expect(res.status).toBe(200);
    const next = ((await res.json()) as { refresh_token: string }).refresh_token;
    await expectLifetime(s, next, 50, t1);
  });
});
