import { OAuthProtectedResourceMetadataSchema } from '@modelcontextprotocol/core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createMcpServer, startServers, type RunningServers } from '../../src/server.js';
import { initializeBody, postMcp } from '../support/mcp.js';
import { bearerChallenge } from '../support/www-authenticate.js';

const PRM_PATH = '/.well-known/oauth-protected-resource';

describe('protected resource metadata (RFC 9728) over real sockets', () => {
  let s: RunningServers;
  beforeAll(async () => {
    s = await startServers({ oauthPort: 0, mcpPort: 0, scopes: 'mcp:read mcp:write mcp:admin' });
  });
  afterAll(() => s.close());

  it.each([`${PRM_PATH}/mcp`, PRM_PATH])('serves %s: exact resource, issuer, scopes, header-only bearer', async (path) => {
    const res = await fetch(`${s.config.mcpBaseUrl}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const raw = await res.json();
    const doc = OAuthProtectedResourceMetadataSchema.parse(raw);
    expect(doc.resource).toBe(`${s.config.mcpBaseUrl}/mcp`);
    expect(doc.resource).toBe(s.mcpUrl);
    expect(doc.resource.endsWith('/')).toBe(false);
    expect(doc.authorization_servers).toEqual([s.oauthUrl]);
    expect(doc.scopes_supported).toEqual(['mcp:read', 'mcp:write', 'mcp:admin']);
    expect(doc.bearer_methods_supported).toEqual(['header']);
    expect(typeof doc.resource_name).toBe('string');
    expect(doc.resource_name!.length).toBeGreaterThan(0);
  });

  it('points 401 challenges at the path-inserted metadata URL, which serves the same document', async () => {
    const res = await postMcp(s.mcpUrl, initializeBody());
    expect(res.status).toBe(401);
    const { resource_metadata: url } = bearerChallenge(res);
    expect(url).toBe(`${s.config.mcpBaseUrl}${PRM_PATH}/mcp`);
    const doc = OAuthProtectedResourceMetadataSchema.parse(await (await fetch(url!)).json());
    expect(doc.resource).toBe(s.mcpUrl);
  });

  it('the issuer it names serves RFC 8414 metadata', async () => {
    const res = await fetch(`${s.oauthUrl}/.well-known/oauth-authorization-server`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { issuer: string }).issuer).toBe(s.oauthUrl);
  });

  it('answers other methods on the metadata with 405 and Allow: GET', async () => {
    const res = await fetch(`${s.config.mcpBaseUrl}${PRM_PATH}/mcp`, { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
  });

  // GET and DELETE authenticate first (auth-first.test.ts).
  it.each(['PUT', 'PATCH'])('%s /mcp answers 405 with Allow: POST', async (method) => {
    const res = await fetch(s.mcpUrl, { method, headers: { Accept: 'text/event-stream' } });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('answers an unknown path with a JSON 404', async () => {
    const res = await fetch(`${s.config.mcpBaseUrl}/nope/nothing-here`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({ error: 'not_found' });
  });
});

describe('the resource identifier follows mcpBaseUrl exactly', () => {
  const issuer = 'http://127.0.0.1:1';

  it.each([
    ['https://mcp.example', 'https://mcp.example/mcp', `${PRM_PATH}/mcp`],
    ['https://mcp.example/', 'https://mcp.example/mcp', `${PRM_PATH}/mcp`],
    ['https://mcp.example//', 'https://mcp.example/mcp', `${PRM_PATH}/mcp`],
    ['https://mcp.example/tenant/', 'https://mcp.example/tenant/mcp', `${PRM_PATH}/tenant/mcp`],
  ])('mcpBaseUrl %s → resource %s, metadata at %s', async (base, resource, prmPath) => {
    const { app, realm, verifier } = createMcpServer({ oauthBaseUrl: issuer, mcpBaseUrl: base });
    onTestFinished(() => {
      verifier.close();
      realm.close();
    });
    const res = await app.request(`${new URL(resource).origin}${prmPath}`);
    expect(res.status).toBe(200);
    const doc = OAuthProtectedResourceMetadataSchema.parse(await res.json());
    expect(doc.resource).toBe(resource);
    expect(doc.authorization_servers).toEqual([issuer]);

    const root = OAuthProtectedResourceMetadataSchema.parse(await (await app.request(`${new URL(resource).origin}${PRM_PATH}`)).json());
    expect(root.resource).toBe(resource);

    const challenge = await app.request(resource, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(initializeBody()) });
    expect(challenge.status).toBe(401);
    expect(bearerChallenge(challenge).resource_metadata).toBe(`${new URL(resource).origin}${prmPath}`);
  });
});

describe('an MCP base URL with a path', () => {
  it('serves the control plane under that path too, where ControlClient looks for it', async () => {
    const probe = await startServers({ oauthPort: 0, mcpPort: 0 });
    const port = probe.ports.mcp;
    await probe.close();
    const s = await startServers({ oauthPort: 0, mcpPort: port, mcpBaseUrl: `http://localhost:${port}/tenant` });
    try {
      expect(s.mcpUrl).toBe(`http://localhost:${port}/tenant/mcp`);
      expect((await s.control.force403(true)).switches['force-403']).toBe(true);
      expect((await fetch(`http://localhost:${port}/control/state`)).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});
