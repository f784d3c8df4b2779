import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, optionsFromEnv, optionsFromFlags, resolveConfig } from '../../src/config.js';
import type { RunningServers } from '../../src/server.js';
import { get, post } from '../support/control.js';
import { basic, form, sender } from '../support/http.js';
import { callTool } from '../support/mcp.js';
import { inactiveToRs, introspect, obtainTokens, refreshGrant, revokeToken } from '../support/oauth.js';
import { start } from '../support/servers.js';
import { snapshot } from '../support/snapshot.js';

const TTL = 600;
const asOf = (s: RunningServers) => ({ req: sender(s.oauthUrl), realm: s.realm });
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * ACCESS_TOKEN_FORMAT=jwt: /token mints RFC 9068 access tokens, verifiable by anyone with the
 * published JWKS (jose, as a resource server elsewhere would), kept by the AS so that introspection
 * (RFC 7662) and revocation (RFC 7009) answer for them as for opaque tokens. Real sockets.
 */
describe('JWT access tokens (RFC 9068)', () => {
  let s: RunningServers;
  beforeAll(async () => {
    s = await start({ accessTokenFormat: 'jwt', tokenTtlSeconds: TTL });
  });
  afterAll(() => s.close());
  afterEach(() => s.control.reset());

  const jwksOf = async () => {
    const meta = await get(s.oauthUrl, '/.well-known/oauth-authorization-server');
    return createRemoteJWKSet(new URL(meta.json.jwks_uri));
  };

  it('advertises jwks_uri (RFC 8414 §2) under the issuer, serving an RFC 7517 set of public keys only', async () => {
    const meta = await get(s.oauthUrl, '/.well-known/oauth-authorization-server');
    expect(meta.json.jwks_uri).toBe(`${s.oauthUrl}/jwks`);
    const set = await get(s.oauthUrl, '/jwks');
    expect(set.status).toBe(200);
    expect(set.headers.get('content-type')).toBe('application/jwk-set+json');
    expect(set.json.keys).toHaveLength(1);
    const [key] = set.json.keys;
    expect(key).toEqual({ kty: 'RSA', n: expect.any(String), e: 'AQAB', kid: expect.any(String), alg: 'RS256', use: 'sig' });
    expect((await post(s.oauthUrl, '/jwks')).status).toBe(405);
  });

  it('a code grant mints a JWT whose header and claims are RFC 9068 §2, verified against the published JWKS', async () => {
    const before = s.realm.clock.nowSeconds();
    const { clientId, tokens } = await obtainTokens(s.oauthUrl, { resource: s.mcpUrl, params: { scope: 'mcp:read mcp:write' } });
    const after = s.realm.clock.nowSeconds();
    expect(tokens.access_token).toMatch(JWT);
    const header = decodeProtectedHeader(tokens.access_token);
    expect(header).toEqual({ alg: 'RS256', typ: 'at+jwt', kid: (await get(s.oauthUrl, '/jwks')).json.keys[0].kid });
    const { payload } = await jwtVerify(tokens.access_token, await jwksOf(), { issuer: s.oauthUrl, audience: s.mcpUrl, typ: 'at+jwt', algorithms: ['RS256'], currentDate: new Date(s.realm.clock.now()) });
    expect(payload).toEqual({ iss: s.oauthUrl, sub: 'test-user', aud: s.mcpUrl, client_id: clientId, scope: 'mcp:read mcp:write', iat: expect.any(Number), exp: expect.any(Number), jti: expect.any(String) });
    expect(payload.exp! - payload.iat!).toBe(TTL);
    expect(tokens.expires_in).toBe(TTL);
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(payload.iat).toBeLessThanOrEqual(after);
  });

  it('without resource the audience is the MCP server; jti is unique per token; the refresh grant mints JWTs too', async () => {
    const { clientId, tokens } = await obtainTokens(s.oauthUrl);
    const first = decodeJwt(tokens.access_token);
    expect(first.aud).toBe(s.mcpUrl);
    const refreshed = await refreshGrant(s.oauthUrl, clientId, tokens.refresh_token!);
    expect(refreshed.status).toBe(200);
    expect(refreshed.json.access_token).toMatch(JWT);
    const second = decodeJwt(refreshed.json.access_token);
    expect(second.jti).not.toBe(first.jti);
    expect(second).toMatchObject({ iss: s.oauthUrl, client_id: clientId, aud: s.mcpUrl });
    // The refresh token stays opaque: only the AS reads it.
    expect(tokens.refresh_token).toMatch(/^rt_/);
  });

  it('introspection answers for a JWT as for an opaque token, and revocation ends it there', async () => {
    const { clientId, tokens } = await obtainTokens(s.oauthUrl, { resource: s.mcpUrl });
    const claims = decodeJwt(tokens.access_token);
    const active = await introspect(asOf(s), tokens.access_token);
    expect(active).toMatchObject({ active: true, client_id: clientId, sub: 'test-user', scope: claims.scope, aud: s.mcpUrl, exp: claims.exp, iat: claims.iat });
    await revokeToken(s.oauthUrl, clientId, tokens.access_token);
    expect(await introspect(asOf(s), tokens.access_token)).toEqual(inactiveToRs(/revoked/));
  });

  it('the format switches at runtime (POST /control/policy) and a reset restores the startup format', async () => {
    expect((await post(s.oauthUrl, '/control/policy', '{"accessTokenFormat":"opaque"}')).json.policy.accessTokenFormat).toBe('opaque');
    expect((await obtainTokens(s.oauthUrl)).tokens.access_token).toMatch(/^at_/);
    await s.control.reset();
    expect((await obtainTokens(s.oauthUrl)).tokens.access_token).toMatch(JWT);
  });

  it('a refused policy change (an unknown format or algorithm) answers 400 and changes nothing', async () => {
    const before = await snapshot(s.realm);
    for (const body of ['{"accessTokenFormat":"jws"}', '{"jwtSigningAlg":"HS256"}', '{"jwtSigningAlg":"none"}', '{"keyGraceSeconds":-1}', '{"keyPublishAheadSeconds":86401}']) {
      const r = await post(s.oauthUrl, '/control/policy', body);
      expect(r.status, body).toBe(400);
      expect(r.json.error_description, body).toMatch(/accessTokenFormat|jwtSigningAlg|keyGraceSeconds|keyPublishAheadSeconds/);
    }
    expect(await snapshot(s.realm)).toEqual(before);
  });

  it('jwtSigningAlg ES256 before the first key: the realm signs with a P-256 key', async () => {
    await post(s.oauthUrl, '/control/policy', '{"jwtSigningAlg":"ES256"}');
    const { tokens } = await obtainTokens(s.oauthUrl);
    expect(decodeProtectedHeader(tokens.access_token).alg).toBe('ES256');
    expect((await get(s.oauthUrl, '/jwks')).json.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
    await jwtVerify(tokens.access_token, await jwksOf(), { issuer: s.oauthUrl, typ: 'at+jwt', currentDate: new Date(s.realm.clock.now()) });
  });

  it('a created realm has its own keys at its own jwks_uri, and its tokens name its issuer', async () => {
    const realm = await s.createRealm();
    try {
      const meta = await get(realm.issuer, '/.well-known/openid-configuration');
      expect(meta.json.jwks_uri).toBe(`${realm.issuer}/jwks`);
      const { tokens } = await obtainTokens(realm.issuer);
      const { payload } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(meta.json.jwks_uri)), { issuer: realm.issuer, audience: realm.mcpUrl, currentDate: new Date(realm.realm.clock.now()) });
      expect(payload.iss).toBe(realm.issuer);
      const mine = (await get(s.oauthUrl, '/jwks')).json.keys.map((k: { kid: string }) => k.kid);
      expect(mine).not.toContain(decodeProtectedHeader(tokens.access_token).kid);
    } finally {
      realm.delete();
    }
  });
});

describe('ACCESS_TOKEN_FORMAT=opaque (the default)', () => {
  let s: RunningServers;
  beforeAll(async () => {
    s = await start();
  });
  afterAll(() => s.close());

  it('mints opaque tokens, still publishes the JWKS, and switches to JWTs at runtime', async () => {
    expect((await obtainTokens(s.oauthUrl)).tokens.access_token).toMatch(/^at_/);
    expect((await get(s.oauthUrl, '/jwks')).json.keys).toHaveLength(1);
    await post(s.oauthUrl, '/control/policy', '{"accessTokenFormat":"jwt"}');
    expect((await obtainTokens(s.oauthUrl)).tokens.access_token).toMatch(JWT);
  });
});

describe('ACCESS_TOKEN_FORMAT and MCP_TOKEN_VALIDATION settings', () => {
  it('parse from the environment and flags, and a bad value names the variable and what it expects', () => {
    expect(optionsFromEnv({ ACCESS_TOKEN_FORMAT: 'jwt', MCP_TOKEN_VALIDATION: 'jwt' })).toEqual({ accessTokenFormat: 'jwt', mcpTokenValidation: 'jwt' });
    expect(optionsFromFlags({ '--access-token-format': 'opaque', '--mcp-token-validation': 'introspection' })).toEqual({ accessTokenFormat: 'opaque', mcpTokenValidation: 'introspection' });
    expect(() => optionsFromEnv({ ACCESS_TOKEN_FORMAT: 'jws' })).toThrow(new ConfigError('ACCESS_TOKEN_FORMAT must be opaque or jwt (got "jws")'));
    expect(() => optionsFromEnv({ MCP_TOKEN_VALIDATION: 'local' })).toThrow(new ConfigError('MCP_TOKEN_VALIDATION must be introspection or jwt (got "local")'));
    expect(resolveConfig({})).toMatchObject({ accessTokenFormat: 'opaque', mcpTokenValidation: 'introspection' });
  });
});

describe('client_credentials with JWT access tokens, validated locally', () => {
  let s: RunningServers;
  beforeAll(async () => {
    s = await start({ ...{ accessTokenFormat: 'jwt', mcpTokenValidation: 'jwt' }, clients: [{ client_id: 'machine', token_endpoint_auth_method: 'client_secret_basic', client_secret: 'machine-secret-1', grant_types: ['client_credentials'] }] });
  });
  afterAll(() => s.close());

  it('the machine client gets an RFC 9068 JWT for itself (sub = client_id) that the MCP server accepts', async () => {
    const res = await fetch(`${s.oauthUrl}/token`, form({ grant_type: 'client_credentials', resource: s.mcpUrl }, basic('machine', 'machine-secret-1')));
    const body = (await res.json()) as { access_token: string };
    expect(res.status, JSON.stringify(body)).toBe(200);
    const { payload } = await jwtVerify(body.access_token, createRemoteJWKSet(new URL(`${s.oauthUrl}/jwks`)), { issuer: s.oauthUrl, audience: s.mcpUrl, typ: 'at+jwt', currentDate: new Date(s.realm.clock.now()) });
    expect(payload).toMatchObject({ sub: 'machine', client_id: 'machine' });
    expect((await callTool(s.mcpUrl, body.access_token)).status).toBe(200);
  });
});
