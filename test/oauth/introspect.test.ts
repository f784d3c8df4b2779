import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ISSUER, RESOURCE, makeAS, type AS } from '../support/servers.js';
import { introspect, obtainTokens, register, token, type Tokens } from '../support/oauth.js';
import { INACTIVE_REASON_MEMBER } from '../../src/http/inactive-reason.js';
import { OVERSIZED, basic, form } from '../support/http.js';
import { expectOAuthError } from '../support/oauth-error.js';
import { snapshot } from '../support/snapshot.js';

let as: AS;
let rs: Record<string, string>;
let clientId: string;
let tokens: Tokens;
let confidential: { id: string; secret: string };
let issuedFrom: number;
beforeAll(async () => {
  issuedFrom = Math.floor(Date.now() / 1000);
  as = makeAS({ tokenTtlSeconds: 300, introspectionClientSecret: 'rs-secret-for-tests' });
  rs = basic(as.realm.config.introspectionClientId, 'rs-secret-for-tests');
  ({ clientId, tokens } = await obtainTokens(as));
  const c = await register(as, { token_endpoint_auth_method: 'client_secret_basic' });
  confidential = { id: c.client_id, secret: c.client_secret! };
});
afterAll(() => as.realm.close());

/**
 * Exactly {"active":false} to any client (RFC 7662 §2.2); our own MCP server (the RS credentials)
 * is told why as well, in the one extension member. Both answers are exact, member for member.
 */
const inactive = async (t: string, why: RegExp, on: AS = as) => {
  const c = await register(on, { token_endpoint_auth_method: 'client_secret_basic' });
  const res = await on.req('/introspect', form({ token: t }, basic(c.client_id, c.client_secret!)));
  expect(res.status).toBe(200);
  expect(await res.text()).toBe('{"active":false}');
  const toRs = await on.req('/introspect', form({ token: t }, rs));
  expect(toRs.status).toBe(200);
  const body = (await toRs.json()) as Record<string, unknown>;
  expect(Object.keys(body)).toEqual(['active', INACTIVE_REASON_MEMBER]);
  expect(body.active).toBe(false);
  expect(body[INACTIVE_REASON_MEMBER]).toMatch(why);
  expect(body[INACTIVE_REASON_MEMBER]).toMatch(/^[\x20-\x7e]+$/);
};

describe('POST /introspect: bad input', () => {
  const cases: Array<[string, () => RequestInit, number, string, RegExp]> = [
    ['no authentication', () => form({ token: tokens.access_token }), 401, 'invalid_client', /client authentication required/],
    ['a public client (client_id only)', () => form({ token: tokens.access_token, client_id: clientId }), 401, 'invalid_client', /confidential client/],
    ['wrong RS secret (post)', () => form({ token: tokens.access_token, client_id: 'mcp-resource-server', client_secret: 'nope' }), 401, 'invalid_client', /resource server/],
    ['RS id without secret', () => form({ token: tokens.access_token, client_id: 'mcp-resource-server' }), 401, 'invalid_client', /resource server/],
    ['unknown client with a secret', () => form({ token: tokens.access_token, client_id: 'x', client_secret: 'y' }), 401, 'invalid_client', /unknown client_id/],
    ['missing token', () => form({}, rs), 400, 'invalid_request', /token is missing/],
    ['duplicated token', () => form(`token=${tokens.access_token}&token=x`, rs), 400, 'invalid_request', /token must not be repeated/],
    ['JSON body', () => ({ method: 'POST', headers: { 'Content-Type': 'application/json', ...rs }, body: JSON.stringify({ token: tokens.access_token }) }), 400, 'invalid_request', /x-www-form-urlencoded/],
    ['body over 64 KiB', () => form(`token=${tokens.access_token}&${OVERSIZED}`, rs), 413, 'invalid_request', /64 KiB/],
  ];
  it.each(cases)('%s -> %i %s', async (_n, init, status, error, describes) => {
    const before = await snapshot(as.realm);
    await expectOAuthError(await as.req('/introspect', init()), status, error, describes);
    expect(await snapshot(as.realm)).toEqual(before);
  });

  it('wrong RS secret with Basic -> 401 with WWW-Authenticate: Basic', async () => {
    const res = await as.req('/introspect', form({ token: tokens.access_token }, basic('mcp-resource-server', 'nope')));
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
    await expectOAuthError(res, 401, 'invalid_client');
  });

  it.each(['PUT', 'DELETE', 'PATCH'])('%s -> 405 with Allow: GET, POST', async (method) => {
    const res = await as.req('/introspect', { method });
    expect(res.headers.get('allow')).toBe('GET, POST');
    await expectOAuthError(res, 405, 'invalid_request', /GET, POST/);
  });
});

describe('POST /introspect: answers', () => {
  it('an active access token, to the RS with Basic: every RFC 7662 field', async () => {
    const res = await as.req('/introspect', form({ token: tokens.access_token }, rs));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['active', 'aud', 'client_id', 'exp', 'iat', 'iss', 'scope', 'sub', 'token_type']);
    expect(body).toMatchObject({ active: true, scope: 'mcp:read mcp:write', client_id: clientId, sub: 'test-user', aud: RESOURCE, iss: ISSUER, token_type: 'Bearer' });
    expect(body.exp).toBe((body.iat as number) + 300);
    expect(body.iat as number).toBeGreaterThanOrEqual(issuedFrom);
    expect(body.iat as number).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it('the RS may also authenticate with client_secret_post', async () => {
    const res = await as.req('/introspect', form({ token: tokens.access_token, client_id: 'mcp-resource-server', client_secret: 'rs-secret-for-tests' }));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { active: boolean }).active).toBe(true);
  });

  it('a confidential client may introspect', async () => {
    const res = await as.req('/introspect', form({ token: tokens.access_token }, basic(confidential.id, confidential.secret)));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ active: true, client_id: clientId });
  });

  it('a refresh token is active, typed refresh_token, with or without a hint', async () => {
    for (const hint of [{}, { token_type_hint: 'refresh_token' }, { token_type_hint: 'access_token' }] as Array<Record<string, string>>) {
      const info = await introspect(as, tokens.refresh_token!, hint);
      expect(info).toMatchObject({ active: true, token_type: 'refresh_token', client_id: clientId, scope: 'mcp:read mcp:write', iss: ISSUER });
    }
  });

  it('unknown tokens are exactly {"active":false}; the RS is told "unknown"', async () => {
    await inactive('at_does-not-exist', /^token is unknown: never issued here, or forgotten since \(a reset; dead ones are remembered 24 h, at most 10000 of each kind\)$/);
    await inactive(`${tokens.access_token}x`, /^token is unknown/);
  });

  it('a revoked token is exactly {"active":false}; the RS is told it was revoked at /revoke', async () => {
    const t = await obtainTokens(as);
    await as.req('/revoke', form({ token: t.tokens.access_token, client_id: t.clientId }));
    await inactive(t.tokens.access_token, /^access token was revoked at \d{4}-\d\d-\d\dT\S+Z \(0 s ago\) by POST \/revoke \(RFC 7009\)$/);
    expect((await introspect(as, t.tokens.refresh_token!)).active).toBe(true);
  });

  it('a rotated refresh token is exactly {"active":false}', async () => {
    const t = await obtainTokens(as);
    as.realm.setPolicy({ rotateRefreshTokens: true });
    try {
      const res = await token(as, { grant_type: 'refresh_token', refresh_token: t.tokens.refresh_token!, client_id: t.clientId });
      expect(res.status).toBe(200);
      await inactive(t.tokens.refresh_token!, /^refresh token was replaced at \S+ by rotation \(OAuth 2.1 section 4.3.1\); use the newest refresh token$/);
    } finally {
      as.realm.setPolicy({ rotateRefreshTokens: false });
    }
  });

  it('an expired access token is exactly {"active":false} (clock advanced past the TTL)', async () => {
    const fresh = makeAS({ tokenTtlSeconds: 60, introspectionClientSecret: 'rs-secret-for-tests' });
    try {
      const t = await obtainTokens(fresh);
      // exp counts from iat in whole seconds, so the token may lose up to a second: stay 2 s clear.
      fresh.realm.clock.advance(58);
      expect((await introspect(fresh, t.tokens.access_token)).active).toBe(true);
      fresh.realm.clock.advance(3);
      await inactive(t.tokens.access_token, /^access token expired at \S+ \([0-2] s ago\)$/, fresh);
      // The refresh token outlives it.
      expect((await introspect(fresh, t.tokens.refresh_token!)).active).toBe(true);
    } finally {
      fresh.realm.close();
    }
  });
});

describe('expiry without a sweep', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('an access token past exp is inactive even before the store sweeps it', async () => {
    const fresh = makeAS({ tokenTtlSeconds: 60, introspectionClientSecret: 'rs-secret-for-tests' });
    try {
      const t = await obtainTokens(fresh);
      // Only Date moves: the realm clock's advance() (which sweeps) is not involved.
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 61_000 });
      expect(((await fresh.realm.store.find('access', t.tokens.access_token)) !== undefined)).toBe(true);
      await inactive(t.tokens.access_token, /^access token expired at \S+ \([01] s ago\)$/, fresh);
    } finally {
      fresh.realm.close();
    }
  });
});

describe('GET /introspect?token= (non-standard, test-only, no auth)', () => {
  it('answers {active, scope} and nothing more for a live token', async () => {
    const res = await as.req(`/introspect?token=${encodeURIComponent(tokens.access_token)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ active: true, scope: 'mcp:read mcp:write' });
  });

  it('answers exactly {"active":false} for an unknown token', async () => {
    const res = await as.req('/introspect?token=nope');
    expect(await res.text()).toBe('{"active":false}');
  });

  it.each([
    ['missing token', '', /token is missing/],
    ['duplicated token', '?token=a&token=b', /token must not be repeated/],
  ])('%s -> 400 invalid_request', async (_n, query, describes) => {
    await expectOAuthError(await as.req(`/introspect${query}`), 400, 'invalid_request', describes);
  });
});
