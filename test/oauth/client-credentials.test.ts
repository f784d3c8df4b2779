import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { start } from '../support/servers.js';
import { REDIRECT, introspect } from '../support/oauth.js';
import { basic, form, jsonPost, sender } from '../support/http.js';
import { expectOAuthError } from '../support/oauth-error.js';
import { snapshot } from '../support/snapshot.js';
import { callTool, textOf } from '../support/mcp.js';

const SECRET = 'machine-secret-123';
let s: RunningServers;
let req: ReturnType<typeof sender>;

beforeAll(async () => {
  s = await start({
    clients: [
      { client_id: 'cc-basic', token_endpoint_auth_method: 'client_secret_basic', client_secret: SECRET, grant_types: ['client_credentials'] },
      { client_id: 'cc-post', token_endpoint_auth_method: 'client_secret_post', client_secret: SECRET, grant_types: ['client_credentials'], scope: 'mcp:read' },
      { client_id: 'code-only', token_endpoint_auth_method: 'client_secret_basic', client_secret: SECRET, redirect_uris: [REDIRECT] },
      { client_id: 'public', token_endpoint_auth_method: 'none', redirect_uris: [REDIRECT] },
    ],
  });
  req = sender(s.oauthUrl);
});
afterAll(() => s?.close());

const cc = (params: Record<string, string> = {}, headers: Record<string, string> = basic('cc-basic', SECRET)) => req('/token', form({ grant_type: 'client_credentials', ...params }, headers));

describe('grant_type=client_credentials (RFC 6749 §4.4, OAuth 2.1 §4.2)', () => {
  it('client_secret_basic: a Bearer token for the client itself (sub = client_id), no refresh token, no-store', async () => {
    const res = await cc();
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    // mcp:admin is request-only: never granted unasked.
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'mcp:read mcp:write' });
    const info = await introspect({ req, realm: s.realm }, body.access_token as string);
    expect(info).toMatchObject({ active: true, client_id: 'cc-basic', sub: 'cc-basic', scope: 'mcp:read mcp:write', aud: s.mcpUrl });
  });

  it('client_secret_post, and a client that registered a scope gets that scope', async () => {
    const res = await cc({ client_id: 'cc-post', client_secret: SECRET }, {});
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toMatchObject({ scope: 'mcp:read' });
  });

  it('scope narrows; a request-only scope is granted when asked for', async () => {
    expect(await (await cc({ scope: 'mcp:write' })).json()).toMatchObject({ scope: 'mcp:write' });
    expect(await (await cc({ scope: 'mcp:read mcp:admin' })).json()).toMatchObject({ scope: 'mcp:read mcp:admin' });
  });

  it('resource (RFC 8707) is the audience', async () => {
    const body = (await (await cc({ resource: 'https://api.example/mcp' })).json()) as { access_token: string };
    expect(await introspect({ req, realm: s.realm }, body.access_token)).toMatchObject({ aud: 'https://api.example/mcp' });
  });

  it('the token works at /mcp', async () => {
    const body = (await (await cc()).json()) as { access_token: string };
    const answer = await callTool(s.mcpUrl, body.access_token, 'echo', { message: 'machine' });
    expect(answer.status).toBe(200);
    expect(textOf(answer.json?.result ?? answer.json)).toContain('machine');
  });

  it('the token event carries grant client_credentials and the client', async () => {
    const since = s.realm.events.lastId;
    expect((await cc()).status).toBe(200);
    const token = s.realm.events.since(since).find((e) => e.type === 'request' && e.endpoint === 'token');
    expect(token).toMatchObject({ grant: 'client_credentials', clientId: 'cc-basic', status: 200 });
  });

  it('/register accepts it for a confidential client, and the client can use it', async () => {
    const res = await req('/register', jsonPost({ redirect_uris: [], grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_post' }));
    expect(res.status, await res.clone().text()).toBe(201);
    const c = (await res.json()) as { client_id: string; client_secret: string; grant_types: string[] };
    expect(c.grant_types).toEqual(['client_credentials']);
    expect((await cc({ client_id: c.client_id, client_secret: c.client_secret }, {})).status).toBe(200);
    // Omitted grant_types default to the code and refresh grants: client_credentials is asked for by name.
    const plain = (await (await req('/register', jsonPost({ redirect_uris: [REDIRECT], token_endpoint_auth_method: 'client_secret_post' }))).json()) as { grant_types: string[] };
    expect(plain.grant_types).toEqual(['authorization_code', 'refresh_token']);
  });
});

describe('client_credentials: refused requests change nothing', () => {
  const cases: Array<[string, () => Promise<Response>, number, string, RegExp]> = [
    ['a public client', () => cc({ client_id: 'public' }, {}), 401, 'invalid_client', /client_credentials needs client authentication.*public client/],
    ['no client authentication', () => cc({}, {}), 401, 'invalid_client', /client authentication required/],
    ['a wrong secret', () => cc({}, basic('cc-basic', 'wrong-secret')), 401, 'invalid_client', /wrong client_secret/],
    ['a client without the grant', () => cc({}, basic('code-only', SECRET)), 400, 'unauthorized_client', /did not register grant_type client_credentials/],
    ['scope beyond the client\'s registered scope', () => cc({ client_id: 'cc-post', client_secret: SECRET, scope: 'mcp:write' }, {}), 400, 'invalid_scope', /"mcp:write" cannot be granted; this client registered: mcp:read/],
    ['a scope the server does not know', () => cc({ scope: 'mcp:everything' }), 400, 'invalid_scope', /"mcp:everything" cannot be granted/],
    ['a resource with a fragment', () => cc({ resource: 'https://api.example/mcp#x' }), 400, 'invalid_target', /fragment/],
    ['a relative resource', () => cc({ resource: '/mcp' }), 400, 'invalid_target', /absolute URI/],
  ];
  it.each(cases)('%s -> %i %s', async (_name, send, status, error, describes) => {
    const before = await snapshot(s.realm);
    await expectOAuthError(await send(), status, error, describes);
    expect(await snapshot(s.realm)).toEqual(before);
  });

  it('a grant the policy stops serving is not advertised and not served', async () => {
    await s.control.setPolicy({ grantTypes: ['authorization_code', 'refresh_token'] });
    try {
      const m = (await (await req('/.well-known/oauth-authorization-server')).json()) as { grant_types_supported: string[] };
      expect(m.grant_types_supported).toEqual(['authorization_code', 'refresh_token']);
      await expectOAuthError(await cc(), 400, 'unsupported_grant_type', /client_credentials/);
    } finally {
      await s.control.reset();
    }
  });
});
