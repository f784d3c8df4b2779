import { afterEach, describe, expect, it } from 'vitest';
import { OAuthMetadataSchema } from '@modelcontextprotocol/core';
import { ISSUER, makeAS, type AS } from '../support/servers.js';
import { expectOAuthError } from '../support/oauth-error.js';
import { snapshot } from '../support/snapshot.js';

const WELL_KNOWN = '/.well-known/oauth-authorization-server';
const opened: AS[] = [];
const open = (o: Parameters<typeof makeAS>[0] = {}) => {
  const as = makeAS(o);
  opened.push(as);
  return as;
};
afterEach(() => {
  for (const as of opened.splice(0)) as.realm.close();
});

async function metadata(as: AS, path = WELL_KNOWN): Promise<Record<string, unknown>> {
  const res = await as.req(path);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return (await res.json()) as Record<string, unknown>;
}

describe('GET /.well-known/oauth-authorization-server (RFC 8414)', () => {
  it('parses with the SDK OAuthMetadataSchema and advertises every required field', async () => {
    const m = await metadata(open());
    const parsed = OAuthMetadataSchema.parse(m);
    expect(parsed.issuer).toBe(ISSUER);
    expect(m).toMatchObject({
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/authorize`,
      token_endpoint: `${ISSUER}/token`,
      registration_endpoint: `${ISSUER}/register`,
      introspection_endpoint: `${ISSUER}/introspect`,
      revocation_endpoint: `${ISSUER}/revoke`,
      scopes_supported: ['mcp:read', 'mcp:write', 'mcp:admin'],
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS256', 'ES256', 'PS256', 'EdDSA'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
    });
    expect(m.introspection_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['client_secret_basic', 'client_secret_post']));
    expect(m.introspection_endpoint_auth_methods_supported).not.toContain('none');
    expect(m.revocation_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['client_secret_basic', 'client_secret_post']));
    // Only what this server really supports: no implicit grant, no plain PKCE.
    expect(m.grant_types_supported).not.toContain('implicit');
    expect(m.code_challenge_methods_supported).not.toContain('plain');
  });

  it('scopes_supported follows the SCOPES option', async () => {
    expect((await metadata(open({ scopes: 'files:read files:write admin' }))).scopes_supported).toEqual(['files:read', 'files:write', 'admin']);
    expect((await metadata(open({ scopes: ['only'] }))).scopes_supported).toEqual(['only']);
  });

  it.each([
    ['http://localhost:9100', 'http://localhost:9100'],
    ['http://localhost:9100/', 'http://localhost:9100'],
    ['https://auth.example.test', 'https://auth.example.test'],
    ['https://auth.example.test//', 'https://auth.example.test'],
  ])('issuer is the configured base URL exactly: %s -> %s', async (configured, issuer) => {
    const m = await metadata(open({ oauthBaseUrl: configured }));
    expect(m.issuer).toBe(issuer);
    expect(m.token_endpoint).toBe(`${issuer}/token`);
    expect(m.authorization_endpoint).toBe(`${issuer}/authorize`);
  });

  it('a path issuer is also served at the path-inserted location (RFC 8414 §3.1)', async () => {
    const as = open({ oauthBaseUrl: 'http://localhost:9100/tenant1/' });
    const inserted = await metadata(as, `${WELL_KNOWN}/tenant1`);
    expect(inserted.issuer).toBe('http://localhost:9100/tenant1');
    expect(inserted.token_endpoint).toBe('http://localhost:9100/tenant1/token');
    expect(await metadata(as)).toEqual(inserted);
  });

  it('a path issuer serves its endpoints (and control plane) under that path, where the metadata points', async () => {
    const as = open({ oauthBaseUrl: 'http://localhost:9100/tenant1' });
    const m = await metadata(as, `${WELL_KNOWN}/tenant1`);
    const path = (url: unknown) => new URL(url as string).pathname;
    const reg = await as.req(path(m.registration_endpoint), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ redirect_uris: ['http://127.0.0.1/cb'], token_endpoint_auth_method: 'none' }) });
    expect(reg.status).toBe(201);
    const clientId = ((await reg.json()) as { client_id: string }).client_id;
    const q = new URLSearchParams({ response_type: 'code', client_id: clientId, code_challenge: 'a'.repeat(43), code_challenge_method: 'S256' });
    const authz = await as.req(`${path(m.authorization_endpoint)}?${q}`);
    expect(authz.status).toBe(302);
    expect(new URL(authz.headers.get('location')!).searchParams.get('iss')).toBe('http://localhost:9100/tenant1');
    for (const endpoint of [m.token_endpoint, m.introspection_endpoint, m.revocation_endpoint]) {
      await expectOAuthError(await as.req(path(endpoint), { method: 'POST' }), 400, 'invalid_request', /content type/);
    }
    expect((await as.req('/tenant1/control/state')).status).toBe(200);
    // Still served at the root, for a proxy that strips the prefix; other paths are not.
    await expectOAuthError(await as.req('/token', { method: 'POST' }), 400, 'invalid_request', /content type/);
    await expectOAuthError(await as.req('/tenant2/token', { method: 'POST' }), 404, 'not_found');
  });

  it('is not cached for long and is open to browser clients (CORS)', async () => {
    const res = await open().req(WELL_KNOWN, { headers: { Origin: 'https://app.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('cache-control')).toBe('no-cache');
  });

  it('carries the same CORS headers with or without Origin (a cached copy serves browsers too), and answers preflights', async () => {
    for (const headers of [{}, { Origin: 'https://app.example' }] as Array<Record<string, string>>) {
      const res = await open().req(WELL_KNOWN, { headers });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-expose-headers')).toBe('WWW-Authenticate');
      expect(((await res.json()) as { issuer?: string }).issuer).toBeTruthy();
    }
    const missing = await open().req('/.well-known/nothing-here', { headers: { Origin: 'https://app.example' } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('access-control-allow-origin')).toBe('*');
    const preflight = await open().req(WELL_KNOWN, { method: 'OPTIONS', headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-max-age')).toBe('86400');
  });

  it('an unknown well-known path answers a JSON 404, not HTML', async () => {
    const res = await open().req('/.well-known/nothing-here');
    await expectOAuthError(res, 404, 'not_found', /\/\.well-known\/nothing-here/);
  });
});

describe('metadata: bad input', () => {
  it.each(['POST', 'PUT', 'DELETE', 'PATCH'])('%s -> 405 with Allow: GET and a JSON error', async (method) => {
    const as = open();
    const before = await snapshot(as.realm);
    const res = await as.req(WELL_KNOWN, { method });
    expect(res.headers.get('allow')).toBe('GET');
    await expectOAuthError(res, 405, 'invalid_request', new RegExp(`${method}.*GET`));
    expect(await snapshot(as.realm)).toEqual(before);
  });

  it('HEAD is served like GET (no 405)', async () => {
    const res = await open().req(WELL_KNOWN, { method: 'HEAD' });
    expect(res.status).toBe(200);
  });

  it('ignores a query string', async () => {
    const m = await metadata(open(), `${WELL_KNOWN}?x=1&x=2`);
    expect(m.issuer).toBe(ISSUER);
  });
});
