import { createServer } from 'node:net';
import * as oauth from 'oauth4webapi';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OAuthClientInformationFullSchema, OAuthMetadataSchema, OAuthTokensSchema } from '@modelcontextprotocol/core';
import { startServers, type RunningServers } from '../../src/server.js';

/** oauth4webapi is the strictest OAuth client there is: every response of ours must pass its checks. */
const insecure = { [oauth.allowInsecureRequests]: true } as const;
const REDIRECT = 'http://127.0.0.1:53682/callback';

let servers: RunningServers;
let as: oauth.AuthorizationServer;
let publicClient: oauth.Client;
let confidential: { client: oauth.Client; secret: string };

async function registerClient(metadata: Partial<oauth.OmitSymbolProperties<oauth.Client>>): Promise<oauth.OmitSymbolProperties<oauth.Client>> {
  const res = await oauth.dynamicClientRegistrationRequest(as, { redirect_uris: [REDIRECT], client_name: 'oauth4webapi e2e', ...metadata }, insecure);
  OAuthClientInformationFullSchema.parse(await res.clone().json());
  return oauth.processDynamicClientRegistrationResponse(res);
}

/** Browser leg: /authorize followed by hand (redirect: manual), then the strict response checks. */
async function authorizeCode(client: oauth.Client, params: Record<string, string> = {}, resource?: string) {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(as.authorization_endpoint!);
  url.search = new URLSearchParams({
    client_id: client.client_id,
    redirect_uri: REDIRECT,
    response_type: 'code',
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...params,
  }).toString();
  if (resource) url.searchParams.append('resource', resource);
  const res = await fetch(url, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get('location')!);
  return { verifier, location, callback: () => oauth.validateAuthResponse(as, client, location, state) };
}

async function signIn(client: oauth.Client, auth: oauth.ClientAuth = oauth.None(), params: Record<string, string> = {}, resource?: string) {
  const a = await authorizeCode(client, params, resource);
  const callback = a.callback();
  const extra = resource ? { additionalParameters: { resource } } : {};
  const res = await oauth.authorizationCodeGrantRequest(as, client, auth, callback, REDIRECT, a.verifier, { ...insecure, ...extra });
  OAuthTokensSchema.parse(await res.clone().json());
  return { tokens: await oauth.processAuthorizationCodeResponse(as, client, res), callback, verifier: a.verifier };
}

async function refresh(client: oauth.Client, refreshToken: string, auth: oauth.ClientAuth = oauth.None()) {
  const res = await oauth.refreshTokenGrantRequest(as, client, auth, refreshToken, insecure);
  if (res.status === 200) OAuthTokensSchema.parse(await res.clone().json());
  return oauth.processRefreshTokenResponse(as, client, res);
}

async function introspect(token: string): Promise<oauth.IntrospectionResponse> {
  const res = await oauth.introspectionRequest(as, confidential.client, oauth.ClientSecretBasic(confidential.secret), token, insecure);
  return oauth.processIntrospectionResponse(as, confidential.client, res);
}

/** The error a rejected promise carries, for asserting its class and fields. */
const failure = async (p: Promise<unknown>): Promise<unknown> => p.then(() => expect.fail('expected a rejection'), (err: unknown) => err);

beforeAll(async () => {
  servers = await startServers({ oauthPort: 0, mcpPort: 0 });
  const issuer = new URL(servers.oauthUrl);
  const res = await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure });
  OAuthMetadataSchema.parse(await res.clone().json());
  as = await oauth.processDiscoveryResponse(issuer, res);
  publicClient = await registerClient({ token_endpoint_auth_method: 'none' });
  const c = await registerClient({ token_endpoint_auth_method: 'client_secret_basic' });
  confidential = { client: c, secret: c.client_secret as string };
});
afterAll(async () => {
  await servers?.close();
});
afterEach(() => {
  servers.realm.setPolicy({ rotateRefreshTokens: false });
  servers.realm.faults.clear();
});

describe('oauth4webapi against the running authorization server', () => {
  it('discovers: issuer equals the URL it came from, on an ephemeral port', () => {
    expect(servers.oauthUrl).toMatch(/^http:\/\/localhost:\d+$/);
    expect(servers.oauthUrl).not.toBe('http://localhost:0');
    expect(as.issuer).toBe(servers.oauthUrl);
    expect(as.token_endpoint).toBe(`${servers.oauthUrl}/token`);
    expect(as.code_challenge_methods_supported).toEqual(['S256']);
    expect(as.authorization_response_iss_parameter_supported).toBe(true);
  });

  it('registers dynamically: public without a secret, confidential with one', () => {
    expect(publicClient.client_id).toBeTruthy();
    expect(publicClient.client_secret).toBeUndefined();
    expect(confidential.client.token_endpoint_auth_method).toBe('client_secret_basic');
    expect(confidential.secret).toMatch(/^secret_/);
  });

  it('runs the authorization code flow with PKCE, state and iss checked', async () => {
    const { tokens, callback } = await signIn(publicClient);
    expect(callback.get('iss')).toBe(as.issuer);
    expect(tokens).toMatchObject({ token_type: 'bearer', expires_in: 3600, scope: 'mcp:read mcp:write' });
    expect(tokens.refresh_token).toBeTruthy();
    expect(await introspect(tokens.access_token)).toMatchObject({ active: true, client_id: publicClient.client_id, aud: servers.mcpUrl, iss: as.issuer, sub: 'test-user' });
  });

  it('a response without iss is refused by the client (the check can fail)', async () => {
    servers.realm.faults.add({ endpoint: 'authorize', effect: { kind: 'omit', fields: ['iss'] }, times: 1 });
    const a = await authorizeCode(publicClient);
    expect(a.location.searchParams.get('code')).toBeTruthy();
    expect(() => a.callback()).toThrow(/"iss"/);
  });

  it('authorization errors come back as AuthorizationResponseError with state and iss verified', async () => {
    // mcp:admin is a known (request-only) scope now: ask for one this server does not know.
    const a = await authorizeCode(publicClient, { scope: 'mcp:root' });
    const err = (() => {
      try {
        a.callback();
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(oauth.AuthorizationResponseError);
    expect((err as oauth.AuthorizationResponseError).error).toBe('invalid_scope');
    expect((err as oauth.AuthorizationResponseError).error_description).toMatch(/mcp:root/);
  });

  it('honours resource (RFC 8707) and narrowed scope', async () => {
    const { tokens } = await signIn(publicClient, oauth.None(), { scope: 'mcp:read' }, servers.mcpUrl);
    expect(tokens.scope).toBe('mcp:read');
    expect(await introspect(tokens.access_token)).toMatchObject({ active: true, scope: 'mcp:read', aud: servers.mcpUrl });
  });

  it('a replayed code is refused and revokes what it issued', async () => {
    const { tokens, callback, verifier } = await signIn(publicClient);
    const res = await oauth.authorizationCodeGrantRequest(as, publicClient, oauth.None(), callback, REDIRECT, verifier, insecure);
    const err = await failure(oauth.processAuthorizationCodeResponse(as, publicClient, res));
    expect(err).toBeInstanceOf(oauth.ResponseBodyError);
    expect((err as oauth.ResponseBodyError).error).toBe('invalid_grant');
    expect((await introspect(tokens.access_token)).active).toBe(false);
    expect((await introspect(tokens.refresh_token!)).active).toBe(false);
  });

  it('a confidential client signs in with client_secret_basic; a wrong secret meets a Basic challenge', async () => {
    const { tokens } = await signIn(confidential.client, oauth.ClientSecretBasic(confidential.secret));
    expect((await introspect(tokens.access_token)).client_id).toBe(confidential.client.client_id);
    const a = await authorizeCode(confidential.client);
    const res = await oauth.authorizationCodeGrantRequest(as, confidential.client, oauth.ClientSecretBasic('wrong'), a.callback(), REDIRECT, a.verifier, insecure);
    const err = await failure(oauth.processAuthorizationCodeResponse(as, confidential.client, res));
    expect(err).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
    expect((err as oauth.WWWAuthenticateChallengeError).cause[0]?.scheme).toBe('basic');
    expect((err as oauth.WWWAuthenticateChallengeError).status).toBe(401);
  });

  it('a client_secret_post client signs in', async () => {
    const c = await registerClient({ token_endpoint_auth_method: 'client_secret_post' });
    const { tokens } = await signIn(c, oauth.ClientSecretPost(c.client_secret as string));
    expect(tokens.access_token).toMatch(/^at_/);
  });
});

describe('oauth4webapi: refresh', () => {
  it('rotation off: the same refresh token keeps working', async () => {
    const { tokens } = await signIn(publicClient);
    const first = await refresh(publicClient, tokens.refresh_token!);
    const second = await refresh(publicClient, tokens.refresh_token!);
    expect(first.refresh_token).toBe(tokens.refresh_token);
    expect(second.refresh_token).toBe(tokens.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    expect((await introspect(first.access_token)).active).toBe(true);
  });

  it('rotation on (control plane): new refresh token each time; reuse of an old one revokes the family', async () => {
    const { tokens } = await signIn(publicClient);
    expect((await servers.control.rotate(true)).switches).toMatchObject({ rotate: true });
    const first = await refresh(publicClient, tokens.refresh_token!);
    const second = await refresh(publicClient, first.refresh_token!);
    expect(new Set([tokens.refresh_token, first.refresh_token, second.refresh_token]).size).toBe(3);
    expect((await introspect(second.access_token)).active).toBe(true);

    const err = await failure(refresh(publicClient, tokens.refresh_token!));
    expect(err).toBeInstanceOf(oauth.ResponseBodyError);
    expect((err as oauth.ResponseBodyError).error).toBe('invalid_grant');
    for (const t of [second.refresh_token!, second.access_token, first.access_token]) expect((await introspect(t)).active).toBe(false);
    const after = await failure(refresh(publicClient, second.refresh_token!));
    expect((after as oauth.ResponseBodyError).error).toBe('invalid_grant');
    await servers.control.rotate(false);
  });
});

describe('oauth4webapi: introspection and revocation', () => {
  it('the resource server credentials from config introspect too', async () => {
    const { tokens } = await signIn(publicClient);
    const rs: oauth.Client = { client_id: servers.realm.config.introspectionClientId };
    const res = await oauth.introspectionRequest(as, rs, oauth.ClientSecretBasic(servers.realm.config.introspectionClientSecret), tokens.access_token, insecure);
    expect(await oauth.processIntrospectionResponse(as, rs, res)).toMatchObject({ active: true, token_type: 'Bearer' });
  });

  it('a public client may not introspect: 401 invalid_client', async () => {
    const res = await oauth.introspectionRequest(as, publicClient, oauth.None(), 'whatever', insecure);
    const err = await failure(oauth.processIntrospectionResponse(as, publicClient, res));
    expect(err).toBeInstanceOf(oauth.ResponseBodyError);
    expect(err).toMatchObject({ error: 'invalid_client', status: 401 });
  });

  it('unknown tokens are inactive', async () => {
    expect(await introspect('at_unknown')).toEqual({ active: false });
  });

  it('revoking an access token kills it; revoking a refresh token kills its grant', async () => {
    const { tokens } = await signIn(publicClient);
    await oauth.processRevocationResponse(await oauth.revocationRequest(as, publicClient, oauth.None(), tokens.access_token, insecure));
    expect((await introspect(tokens.access_token)).active).toBe(false);
    expect((await introspect(tokens.refresh_token!)).active).toBe(true);
    const renewed = await refresh(publicClient, tokens.refresh_token!);
    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, publicClient, oauth.None(), tokens.refresh_token!, { ...insecure, additionalParameters: { token_type_hint: 'refresh_token' } }),
    );
    expect((await introspect(tokens.refresh_token!)).active).toBe(false);
    expect((await introspect(renewed.access_token)).active).toBe(false);
    expect((await failure(refresh(publicClient, tokens.refresh_token!))) as oauth.ResponseBodyError).toMatchObject({ error: 'invalid_grant' });
  });

  it('revoking an unknown token is 200', async () => {
    const res = await oauth.revocationRequest(as, publicClient, oauth.None(), 'rt_unknown', insecure);
    expect(res.status).toBe(200);
    await expect(oauth.processRevocationResponse(res)).resolves.toBeUndefined();
  });
});

describe('oauth4webapi against a path issuer (http://localhost:<port>/tenant1)', () => {
  const freePort = () =>
    new Promise<number>((resolve, reject) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
      probe.on('error', reject);
    });

  it('discovers at the path-inserted location and completes a flow at the advertised endpoints', async () => {
    const port = await freePort();
    const tenant = await startServers({ oauthPort: port, mcpPort: 0, oauthBaseUrl: `http://localhost:${port}/tenant1` });
    try {
      const issuer = new URL(tenant.oauthUrl);
      const meta = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
      expect(meta.token_endpoint).toBe(`${tenant.oauthUrl}/token`);
      const reg = await oauth.dynamicClientRegistrationRequest(meta, { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' }, insecure);
      const client = await oauth.processDynamicClientRegistrationResponse(reg);
      const verifier = oauth.generateRandomCodeVerifier();
      const url = new URL(meta.authorization_endpoint!);
      url.search = new URLSearchParams({ client_id: client.client_id, redirect_uri: REDIRECT, response_type: 'code', code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' }).toString();
      const location = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!);
      const params = oauth.validateAuthResponse(meta, client, location);
      const res = await oauth.authorizationCodeGrantRequest(meta, client, oauth.None(), params, REDIRECT, verifier, insecure);
      const tokens = await oauth.processAuthorizationCodeResponse(meta, client, res);
      // The RS introspects at <issuer>/introspect and the control plane answers at <issuer>/control.
      const mcp = await fetch(tenant.mcpUrl, {
        method: 'POST',
        headers: { Authorization: `Bearer ${tokens.access_token}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(mcp.status, await mcp.clone().text()).toBe(200);
      expect((await tenant.control.state()).switches.rotate).toBe(false);
    } finally {
      await tenant.close();
    }
  });
});
