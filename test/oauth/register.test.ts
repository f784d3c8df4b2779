import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthClientInformationFullSchema } from '@modelcontextprotocol/core';
import { makeAS, type AS } from '../support/servers.js';
import { REDIRECT } from '../support/oauth.js';
import { OVERSIZED } from '../support/http.js';
import { expectOAuthError } from '../support/oauth-error.js';
import { snapshot } from '../support/snapshot.js';

let as: AS;
beforeAll(() => {
  as = makeAS();
});
afterAll(() => as.realm.close());

/** With an empty content type, the body goes as an untyped Blob: a string body would get text/plain. */
const post = (body: unknown, contentType = 'application/json') => {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return as.req('/register', { method: 'POST', headers: contentType ? { 'Content-Type': contentType } : {}, body: contentType ? text : new Blob([text]) });
};

async function registered(body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await post(body);
  expect(res.status, await res.clone().text()).toBe(201);
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const json = (await res.json()) as Record<string, unknown>;
  OAuthClientInformationFullSchema.parse(json);
  return json;
}

describe('POST /register (RFC 7591): success', () => {
  it('a public client (none): 201, client_id and issued_at, no secret, metadata echoed', async () => {
    const metadata = {
      redirect_uris: [REDIRECT, 'https://app.example/cb'],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      client_name: 'Test Client',
      client_uri: 'https://app.example/',
      logo_uri: 'https://app.example/logo.png',
      scope: 'mcp:read',
      contacts: ['ops@app.example'],
      software_id: 'test-suite',
      software_version: '1.2.3',
    };
    const before = Math.floor(Date.now() / 1000);
    const c = await registered(metadata);
    expect(c).toMatchObject(metadata);
    expect(c.client_id).toMatch(/^client_[A-Za-z0-9_-]{16,}$/);
    expect(c.client_id_issued_at).toBeGreaterThanOrEqual(before);
    expect(c.client_id_issued_at).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(c).not.toHaveProperty('client_secret');
    expect(c).not.toHaveProperty('client_secret_expires_at');
    expect((await as.realm.store.findClient(c.client_id as string))?.redirect_uris).toEqual(metadata.redirect_uris);
  });

  it.each(['client_secret_basic', 'client_secret_post'])('%s: a secret that never expires (client_secret_expires_at 0)', async (method) => {
    const c = await registered({ redirect_uris: [REDIRECT], token_endpoint_auth_method: method });
    expect(c.token_endpoint_auth_method).toBe(method);
    expect(c.client_secret).toMatch(/^secret_[A-Za-z0-9_-]{43,}$/);
    expect(c.client_secret_expires_at).toBe(0);
  });

  it('the default method is client_secret_basic, and defaults are stated in the response', async () => {
    const c = await registered({ redirect_uris: [REDIRECT] });
    expect(c).toMatchObject({ token_endpoint_auth_method: 'client_secret_basic', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], client_secret_expires_at: 0 });
    expect(typeof c.client_secret).toBe('string');
  });

  it.each([
    'https://app.example/cb',
    'https://app.example/cb?x=1',
    'http://127.0.0.1/cb',
    'http://127.0.0.1:8080/cb',
    'http://[::1]:8080/cb',
    'http://localhost:3000/callback',
    'com.example.app:/cb',
    'com.example.app:/oauth2redirect/example-provider',
  ])('accepts the redirect URI %s', async (uri) => {
    const c = await registered({ redirect_uris: [uri], token_endpoint_auth_method: 'none' });
    expect(c.redirect_uris).toEqual([uri]);
  });

  // SEP-837 (MCP 2026-07-28, client-registration "Application Type"): clients MUST send it; the SDK
  // v2 sends "native" for loopback redirects. It is kept and echoed as registered (RFC 7591 §3.2.1).
  it('application_type is kept and echoed (SEP-837)', async () => {
    const json = await registered({ redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', application_type: 'native' });
    expect(json.application_type).toBe('native');
    const stored = await as.realm.store.findClient(json.client_id as string);
    expect(stored?.metadata.application_type).toBe('native');
  });

  it('issues a new client_id every time, and does not take one from the request', async () => {
    const ids = new Set<unknown>();
    for (let i = 0; i < 10; i++) ids.add((await registered({ redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', client_id: 'mine', client_secret: 'mine' })).client_id);
    expect(ids.size).toBe(10);
    expect(ids.has('mine')).toBe(false);
  });
});

describe('POST /register: bad input is refused and registers nothing', () => {
  const ok = { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' };
  const cases: Array<[string, unknown, string, string, RegExp]> = [
    ['redirect_uris missing', { token_endpoint_auth_method: 'none' }, 'application/json', 'invalid_redirect_uri', /redirect_uris is required/],
    ['redirect_uris a string', { redirect_uris: REDIRECT }, 'application/json', 'invalid_redirect_uri', /redirect_uris is required/],
    ['redirect_uris empty', { redirect_uris: [] }, 'application/json', 'invalid_redirect_uri', /at least one/],
    ['http on a non-loopback host', { redirect_uris: ['http://example.com/cb'] }, 'application/json', 'invalid_redirect_uri', /http on a non-loopback host/],
    ['javascript: scheme', { redirect_uris: ['javascript:alert(1)'] }, 'application/json', 'invalid_redirect_uri', /javascript/],
    ['data: scheme', { redirect_uris: ['data:text/html,hi'] }, 'application/json', 'invalid_redirect_uri', /data/],
    ['relative URI', { redirect_uris: ['/callback'] }, 'application/json', 'invalid_redirect_uri', /redirect_uris/],
    ['fragment', { redirect_uris: ['https://app.example/cb#frag'] }, 'application/json', 'invalid_redirect_uri', /fragment/],
    ['one good, one bad', { redirect_uris: [REDIRECT, 'http://evil.example/cb'] }, 'application/json', 'invalid_redirect_uri', /evil\.example/],
    ['a non-string redirect URI', { redirect_uris: [42] }, 'application/json', 'invalid_redirect_uri', /redirect_uris\.0/],
    ['token_endpoint_auth_method client_secret_jwt', { ...ok, token_endpoint_auth_method: 'client_secret_jwt' }, 'application/json', 'invalid_client_metadata', /client_secret_jwt.*not supported/],
    ['private_key_jwt without jwks', { ...ok, token_endpoint_auth_method: 'private_key_jwt' }, 'application/json', 'invalid_client_metadata', /private_key_jwt needs jwks/],
    ['private_key_jwt with a jwks_uri', { ...ok, token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://client.example/jwks' }, 'application/json', 'invalid_client_metadata', /jwks_uri is not fetched.*inline as jwks/],
    ['private_key_jwt with a private key in jwks', { ...ok, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'secret' }] } }, 'application/json', 'invalid_client_metadata', /jwks\.keys\.0: a public key/],
    ['client_credentials for a public client', { ...ok, token_endpoint_auth_method: 'none', grant_types: ['client_credentials'] }, 'application/json', 'invalid_client_metadata', /client_credentials needs a confidential client/],
    ['token_endpoint_auth_method tls_client_auth', { ...ok, token_endpoint_auth_method: 'tls_client_auth' }, 'application/json', 'invalid_client_metadata', /tls_client_auth/],
    ['grant type implicit', { ...ok, grant_types: ['authorization_code', 'implicit'] }, 'application/json', 'invalid_client_metadata', /implicit/],
    ['only refresh_token', { ...ok, grant_types: ['refresh_token'] }, 'application/json', 'invalid_client_metadata', /must include authorization_code/],
    ['response type token', { ...ok, response_types: ['token'] }, 'application/json', 'invalid_client_metadata', /response_types/],
    ['unknown scope', { ...ok, scope: 'mcp:read admin' }, 'application/json', 'invalid_client_metadata', /admin/],
    ['client_name not a string', { ...ok, client_name: 7 }, 'application/json', 'invalid_client_metadata', /client_name/],
    ['client_uri javascript:', { ...ok, client_uri: 'javascript:alert(1)' }, 'application/json', 'invalid_client_metadata', /client_uri/],
    ['malformed JSON', '{"redirect_uris": [', 'application/json', 'invalid_client_metadata', /not valid JSON/],
    ['empty body', '', 'application/json', 'invalid_client_metadata', /not valid JSON/],
    ['a JSON array', [ok], 'application/json', 'invalid_client_metadata', /JSON object/],
    ['JSON null', 'null', 'application/json', 'invalid_client_metadata', /JSON object/],
    ['form content type', new URLSearchParams({ redirect_uris: REDIRECT }).toString(), 'application/x-www-form-urlencoded', 'invalid_client_metadata', /application\/json.*x-www-form-urlencoded/],
    ['text/plain JSON', ok, 'text/plain', 'invalid_client_metadata', /application\/json/],
    ['no content type', ok, '', 'invalid_client_metadata', /^content type must be application\/json$/],
  ];
  it.each(cases)('%s -> %s', async (_n, body, type, error, describes) => {
    const before = await snapshot(as.realm);
    const size = (await as.realm.store.countClients());
    await expectOAuthError(await post(body, type), 400, error, describes);
    expect((await as.realm.store.countClients())).toBe(size);
    expect(await snapshot(as.realm)).toEqual(before);
  });

  it('a body over 64 KiB -> 413 JSON error', async () => {
    const size = (await as.realm.store.countClients());
    const big = JSON.stringify({ ...ok, client_name: OVERSIZED });
    await expectOAuthError(await post(big), 413, 'invalid_request', /64 KiB/);
    expect((await as.realm.store.countClients())).toBe(size);
  });

  it('JSON with a charset parameter is fine', async () => {
    expect((await post(ok, 'application/json; charset=utf-8')).status).toBe(201);
  });

  it.each(['GET', 'PUT', 'DELETE'])('%s -> 405 with Allow: POST', async (method) => {
    const size = (await as.realm.store.countClients());
    const res = await as.req('/register', { method });
    expect(res.headers.get('allow')).toBe('POST');
    await expectOAuthError(res, 405, 'invalid_request', /POST/);
    expect((await as.realm.store.countClients())).toBe(size);
  });

  it('beyond maxClients -> 429 temporarily_unavailable', async () => {
    const small = makeAS({ maxClients: 2 });
    try {
      const reg = () => small.req('/register', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(ok) });
      expect((await reg()).status).toBe(201);
      expect((await reg()).status).toBe(201);
      await expectOAuthError(await reg(), 429, 'temporarily_unavailable', /MAX_CLIENTS/);
      expect((await small.realm.store.countClients())).toBe(2);
    } finally {
      small.realm.close();
    }
  });
});
