import { OAuthMetadataSchema, OAuthProtectedResourceMetadataSchema } from '@modelcontextprotocol/core';
import * as oauth from 'oauth4webapi';
import { afterEach, describe, expect, it } from 'vitest';
import type { Policy } from '../../src/policy.js';
import { createMcpServer } from '../../src/server.js';
import { authorize, redeem, REDIRECT, register, token } from '../support/oauth.js';
import { expectOAuthError } from '../support/oauth-error.js';
import { jsonPost } from '../support/http.js';
import { challengeOf, verifier } from '../support/pkce.js';
import { ISSUER, makeAS, type AS } from '../support/servers.js';

/**
 * "What is advertised is what is enforced": every policy change made through POST /control/policy
 * shows in the discovery documents AND in what the handlers do, and a refused change changes nothing.
 */

const TTL = 1234;
const SCOPES = ['x:read', 'x:write'];

/** The startup policy for TOKEN_TTL_SECONDS=1234 and SCOPES="x:read x:write". */
const STARTUP: Policy = {
  grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
  tokenEndpointAuthMethods: ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'],
  tokenEndpointAuthSigningAlgs: ['RS256', 'ES256', 'PS256', 'EdDSA'],
  introspectionAuthMethods: ['client_secret_basic', 'client_secret_post'],
  revocationAuthMethods: ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'],
  pkceMethods: ['S256'],
  pkceMethodsAdvertised: 'S256',
  codeTtlSeconds: 60,
  accessTokenTtlSeconds: TTL,
  refreshTokenTtlSeconds: 30 * 86400,
  rotateRefreshTokens: false,
  rotatedRefreshMemorySeconds: 86400,
  rotationGraceSeconds: 0,
  refreshReuseDetection: true,
  dynamicRegistration: true,
  requireApplicationType: false,
  scopes: SCOPES,
  requestOnlyScopes: ['mcp:admin'],
  scopeImplications: {},
  stepUpReauthorizationLimit: 3,
  issParameter: true,
  refreshTokenIssuance: 'always',
  mcpEra: 'dual',
  accessTokenFormat: 'opaque',
  consent: 'auto',
  jwtSigningAlg: 'RS256',
  keyPublishAheadSeconds: 300,
  keyGraceSeconds: TTL,
  cimd: true,
  prmAdvertised: 'both',
  prmLocation: 'path-inserted',
  prmResource: 'exact',
  prmIssuers: 'self',
  asDiscovery: 'both',
  asAtResourceOrigin: false,
};

let as: AS;
afterEach(() => as?.realm.close());
const fresh = () => (as = makeAS({ tokenTtlSeconds: TTL, scopes: SCOPES.join(' ') }));

async function getPolicy(): Promise<Policy> {
  const res = await as.req('/control/policy');
  expect(res.status).toBe(200);
  return ((await res.json()) as { policy: Policy }).policy;
}

/** POST /control/policy that must be accepted; returns the policy it answers. */
async function setPolicy(patch: Partial<Policy>): Promise<Policy> {
  const res = await as.req('/control/policy', jsonPost(patch));
  expect(res.status, await res.clone().text()).toBe(200);
  const { policy } = (await res.json()) as { policy: Policy };
  expect(policy).toEqual(await getPolicy());
  return policy;
}

async function asMetadata() {
  const res = await as.req('/.well-known/oauth-authorization-server');
  expect(res.status).toBe(200);
  return OAuthMetadataSchema.parse(await res.json());
}

const registerRaw = (metadata: Record<string, unknown>) =>
  as.req('/register', jsonPost({ redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', ...metadata }));

/** /authorize with PKCE; returns the redirect. */
async function authorizeRedirect(clientId: string, params: Record<string, string> = {}): Promise<URL> {
  const q = new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, code_challenge: challengeOf(verifier()), code_challenge_method: 'S256', state: 'st-1', ...params });
  const res = await as.req(`/authorize?${q}`);
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location')!);
}

describe('GET /control/policy', () => {
  it('answers the startup policy: TOKEN_TTL_SECONDS, SCOPES and the spec defaults; the metadata says the same', async () => {
    fresh();
    expect(await getPolicy()).toEqual(STARTUP);
    const md = await asMetadata();
    expect(md.grant_types_supported).toEqual(STARTUP.grantTypes);
    expect(md.token_endpoint_auth_methods_supported).toEqual(STARTUP.tokenEndpointAuthMethods);
    expect(md.token_endpoint_auth_signing_alg_values_supported).toEqual(STARTUP.tokenEndpointAuthSigningAlgs);
    expect(md.introspection_endpoint_auth_methods_supported).toEqual(STARTUP.introspectionAuthMethods);
    expect(md.revocation_endpoint_auth_methods_supported).toEqual(STARTUP.revocationAuthMethods);
    expect(md.code_challenge_methods_supported).toEqual(STARTUP.pkceMethods);
    expect(md.scopes_supported).toEqual(SCOPES);
    expect(md.authorization_response_iss_parameter_supported).toBe(true);
    const { client_id: clientId } = await register(as);
    const tokens = await redeem(as, clientId, await authorize(as, clientId));
    expect(tokens.expires_in).toBe(TTL);
  });
});

describe('POST /control/policy: the metadata and the handlers follow', () => {
  it('grantTypes without refresh_token: not advertised, not served, not registrable, not issued', async () => {
    fresh();
    const client = await register(as, { grant_types: ['authorization_code', 'refresh_token'] });
    const before = await redeem(as, client.client_id, await authorize(as, client.client_id));
    expect(before.refresh_token).toBeTruthy();

    expect((await setPolicy({ grantTypes: ['authorization_code'] })).grantTypes).toEqual(['authorization_code']);
    expect((await asMetadata()).grant_types_supported).toEqual(['authorization_code']);
    // A refresh token issued before the change is no use now.
    const refresh = await token(as, { grant_type: 'refresh_token', refresh_token: before.refresh_token!, client_id: client.client_id });
    await expectOAuthError(refresh, 400, 'unsupported_grant_type', /"refresh_token" is not supported; use authorization_code$/);
    await expectOAuthError(await registerRaw({ grant_types: ['authorization_code', 'refresh_token'] }), 400, 'invalid_client_metadata', /refresh_token/);
    // A registration without grant_types gets what is served: authorization_code only, and so no refresh token.
    const reg = await registerRaw({});
    expect(reg.status).toBe(201);
    const plain = (await reg.json()) as { client_id: string; grant_types: string[] };
    expect(plain.grant_types).toEqual(['authorization_code']);
    const tokens = await redeem(as, plain.client_id, await authorize(as, plain.client_id));
    expect(tokens.refresh_token).toBeUndefined();
  });

  it("tokenEndpointAuthMethods ['none']: advertised alone, and /register refuses a secret method", async () => {
    fresh();
    await setPolicy({ tokenEndpointAuthMethods: ['none'] });
    expect((await asMetadata()).token_endpoint_auth_methods_supported).toEqual(['none']);
    await expectOAuthError(await registerRaw({ token_endpoint_auth_method: 'client_secret_post' }), 400, 'invalid_client_metadata', /"client_secret_post" is not supported; use one of none$/);
    // Omitted, the method is client_secret_basic (RFC 7591 §2): refused too.
    const defaulted = await as.req('/register', jsonPost({ redirect_uris: [REDIRECT] }));
    await expectOAuthError(defaulted, 400, 'invalid_client_metadata', /client_secret_basic/);
    expect((await registerRaw({ token_endpoint_auth_method: 'none' })).status).toBe(201);
  });

  it('issParameter false: advertised false, and no iss in the /authorize redirect (success or error); a real client accepts it', async () => {
    fresh();
    const client = await register(as);
    expect((await authorizeRedirect(client.client_id)).searchParams.get('iss')).toBe(ISSUER);

    await setPolicy({ issParameter: false });
    const md = await asMetadata();
    expect(md.authorization_response_iss_parameter_supported).toBe(false);
    const ok = await authorizeRedirect(client.client_id);
    expect(ok.searchParams.get('code')).toBeTruthy();
    expect(ok.searchParams.has('iss')).toBe(false);
    const refused = await authorizeRedirect(client.client_id, { scope: 'not-a-scope' });
    expect(refused.searchParams.get('error')).toBe('invalid_scope');
    expect(refused.searchParams.has('iss')).toBe(false);

    // oauth4webapi reads the metadata and validates the redirect as a client would.
    const discovered = await oauth.processDiscoveryResponse(new URL(ISSUER), await as.req('/.well-known/oauth-authorization-server'));
    expect(oauth.validateAuthResponse(discovered, { client_id: client.client_id }, ok, 'st-1').get('code')).toBe(ok.searchParams.get('code'));
  });

  it('codeTtlSeconds 5: a code works 4 s later, and one redeemed after POST /control/clock {"advance":6} is invalid_grant "expired" naming 5 s', async () => {
    fresh();
    await setPolicy({ codeTtlSeconds: 5 });
    const { client_id: clientId } = await register(as);
    const early = await authorize(as, clientId);
    const late = await authorize(as, clientId);
    const advance = async (seconds: number) => expect((await as.req('/control/clock', jsonPost({ advance: seconds }))).status).toBe(200);
    await advance(4);
    await redeem(as, clientId, early);
    await advance(2);
    const res = await token(as, { grant_type: 'authorization_code', code: late.code, code_verifier: late.verifier, redirect_uri: REDIRECT, client_id: clientId });
    await expectOAuthError(res, 400, 'invalid_grant', /expired.*\b5 s\b/);
  });

  it("scopes ['a','b']: both metadata documents, the /authorize default and the MCP challenge follow", async () => {
    fresh();
    const mcp = createMcpServer({}, as.realm);
    try {
      await setPolicy({ scopes: ['a', 'b'] });
      expect((await asMetadata()).scopes_supported).toEqual(['a', 'b']);
      const prm = await mcp.app.request('/.well-known/oauth-protected-resource/mcp');
      expect(prm.status).toBe(200);
      expect(OAuthProtectedResourceMetadataSchema.parse(await prm.json()).scopes_supported).toEqual(['a', 'b']);
      const challenge = await mcp.app.request('/mcp', jsonPost({ jsonrpc: '2.0', id: 1, method: 'tools/list' }));
      expect(challenge.status).toBe(401);
      expect(challenge.headers.get('www-authenticate')).toContain('scope="a b"');

      const { client_id: clientId } = await register(as);
      const a = await authorize(as, clientId);
      expect((await redeem(as, clientId, a)).scope).toBe('a b');
      const old = await authorizeRedirect(clientId, { scope: SCOPES[0]! });
      expect(old.searchParams.get('error')).toBe('invalid_scope');
      expect(old.searchParams.get('error_description')).toContain('this server knows: a b');
    } finally {
      mcp.verifier.close();
    }
  });
});

describe('refused patches: 400 invalid_request, a useful description, nothing changed', () => {
  it.each<[string, string, RegExp]>([
    ['an unknown key', '{"rotate":true}', /unrecognized key.*\(rotate\)/i],
    ['a wrong type', '{"codeTtlSeconds":"5"}', /^codeTtlSeconds: .*number/],
    ['a value out of range', '{"codeTtlSeconds":0}', /^codeTtlSeconds: /],
    ['grantTypes without authorization_code', '{"grantTypes":["refresh_token"]}', /^grantTypes: must include authorization_code/],
    ['an empty grantTypes', '{"grantTypes":[]}', /^grantTypes: /],
    ['an empty scopes', '{"scopes":[]}', /^scopes: /],
    ['an empty tokenEndpointAuthMethods', '{"tokenEndpointAuthMethods":[]}', /^tokenEndpointAuthMethods: /],
    ['a duplicate grant type', '{"grantTypes":["authorization_code","authorization_code"]}', /^grantTypes: must not list a value twice/],
    ['a duplicate scope', '{"scopes":["a","a"]}', /^scopes: must not list a value twice/],
    ['a scope that is no scope-token', '{"scopes":["a b"]}', /^scopes\.0: .*scope token/],
    ['an unknown auth method', '{"tokenEndpointAuthMethods":["client_secret_jwt"]}', /^tokenEndpointAuthMethods\.0: /],
    ['a good value next to a bad one', '{"rotateRefreshTokens":true,"issParameter":"no"}', /^issParameter: /],
    ['a JSON array', '[]', /object/],
    ['JSON null', 'null', /object/],
    ['non-JSON', '{"scopes":', /^body is not valid JSON; expected a policy change such as \{/],
  ])('%s: %s', async (_what, body, describes) => {
    fresh();
    const before = await getPolicy();
    const md = await asMetadata();
    const description = await expectOAuthError(await as.req('/control/policy', jsonPost(body)), 400, 'invalid_request', describes);
    if (!describes.source.includes('not valid JSON')) expect(description).toContain('GET /control/policy');
    expect(await getPolicy()).toEqual(before);
    expect(as.realm.policy).toEqual(before);
    expect(await asMetadata()).toEqual(md);
  });
});

describe('switches write the policy; reset restores it', () => {
  it('/control/rotate and /control/expires-in show in GET /control/policy; /control/reset brings back the startup policy', async () => {
    fresh();
    expect((await as.req('/control/rotate', jsonPost({ on: true }))).status).toBe(200);
    expect((await getPolicy()).rotateRefreshTokens).toBe(true);
    expect((await as.req('/control/expires-in', jsonPost({ seconds: 7 }))).status).toBe(200);
    expect((await getPolicy()).accessTokenTtlSeconds).toBe(7);
    // …and a change through the policy shows in the switch view.
    await setPolicy({ rotateRefreshTokens: false, accessTokenTtlSeconds: 9, scopes: ['a'], issParameter: false, grantTypes: ['authorization_code'], codeTtlSeconds: 5 });
    const state = (await (await as.req('/control/state')).json()) as { switches: { rotate: boolean; 'expires-in': number } };
    expect(state.switches).toMatchObject({ rotate: false, 'expires-in': 9 });

    expect((await as.req('/control/reset', { method: 'POST' })).status).toBe(200);
    expect(await getPolicy()).toEqual(STARTUP);
    const md = await asMetadata();
    expect(md.scopes_supported).toEqual(SCOPES);
    expect(md.grant_types_supported).toEqual(STARTUP.grantTypes);
    expect(md.authorization_response_iss_parameter_supported).toBe(true);
  });
});
