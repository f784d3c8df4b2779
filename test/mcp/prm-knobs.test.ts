import { OAuthMetadataSchema, OAuthProtectedResourceMetadataSchema } from '@modelcontextprotocol/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PolicyPatch } from '../../src/policy.js';
import { startAuthServer, startMcpServer, type RunningServers } from '../../src/server.js';
import { answer } from '../support/answer.js';
import { post } from '../support/control.js';
import { callTool, initializeBody, postMcp } from '../support/mcp.js';
import { obtainTokens } from '../support/oauth.js';
import { rsBase, start } from '../support/servers.js';
import { snapshot } from '../support/snapshot.js';
import { bearerChallenge } from '../support/www-authenticate.js';

/**
 * The protected-resource discovery knobs (policy prmAdvertised, prmLocation, prmResource, prmIssuers)
 * over real sockets: what the 401 and 403 challenges name, which URLs serve the document, what it says,
 * and that the MCP server takes the tokens the named issuers mint.
 */
let s: RunningServers;
beforeAll(async () => {
  s = await start({ scopes: 'mcp:read mcp:write mcp:admin' });
});
afterAll(() => s?.close());
beforeEach(() => s.control.reset());

const WK = '/.well-known/oauth-protected-resource';
type Place = 'path-inserted' | 'root' | 'custom';
const placeUrl = (base: string, mcpBasePath: string, place: Place): string =>
  place === 'path-inserted' ? `${base}${WK}${mcpBasePath}/mcp` : place === 'root' ? `${base}${WK}${mcpBasePath}` : `${base}${mcpBasePath}/mcp-resource-metadata.json`;

/** [prmAdvertised, prmLocation, what the challenge names, where the document answers]. */
const PLACEMENTS: Array<[PolicyPatch['prmAdvertised'], PolicyPatch['prmLocation'], Place | undefined, Place[]]> = [
  ['both', 'path-inserted', 'path-inserted', ['path-inserted', 'root']],
  ['both', 'root', 'root', ['root']],
  ['both', 'custom', 'custom', ['custom']],
  ['header', 'path-inserted', 'path-inserted', ['path-inserted']],
  ['header', 'root', 'root', ['root']],
  ['header', 'custom', 'custom', ['custom']],
  ['well-known', 'path-inserted', undefined, ['path-inserted', 'root']],
  ['well-known', 'root', undefined, ['root']],
  ['well-known', 'custom', undefined, ['custom']],
  ['neither', 'path-inserted', undefined, []],
  ['neither', 'root', undefined, []],
  ['neither', 'custom', undefined, []],
];

async function expectPlacement(origin: string, mcpBasePath: string, mcpUrl: string, named: Place | undefined, served: Place[]): Promise<void> {
  const res = await postMcp(mcpUrl, initializeBody());
  expect(res.status).toBe(401);
  const challenge = bearerChallenge(res);
  expect(challenge.resource_metadata).toBe(named && placeUrl(origin, mcpBasePath, named));
  expect(challenge.scope).toBeTruthy();
  for (const place of ['path-inserted', 'root', 'custom'] as const) {
    const got = await answer(await fetch(placeUrl(origin, mcpBasePath, place)));
    if (served.includes(place)) {
      expect(got.status, place).toBe(200);
      expect(OAuthProtectedResourceMetadataSchema.parse(got.json).resource).toBe(mcpUrl);
    } else {
      expect(got.status, place).toBe(404);
      expect(got.json).toEqual({ error: 'not_found', error_description: expect.stringMatching(/policy prm(Advertised|Location)/) });
    }
  }
}

describe('prmAdvertised × prmLocation (RFC 9728 §3.1 well-known, §5.1 resource_metadata)', () => {
  it.each(PLACEMENTS)('%s at %s: the challenge names %s; the document answers at %j', async (prmAdvertised, prmLocation, named, served) => {
    await s.control.setPolicy({ prmAdvertised, prmLocation });
    await expectPlacement(rsBase(s), '', s.mcpUrl, named, served);
  });

  it('a 403 challenge follows the same policy: no resource_metadata under well-known, the custom URL under header', async () => {
    const { tokens } = await obtainTokens(s.oauthUrl, { resource: s.mcpUrl });
    await s.control.setPolicy({ prmAdvertised: 'well-known' });
    const denied = await fetch(s.mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${tokens.access_token}` }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'admin-echo', arguments: { message: 'x' } } }) });
    expect(denied.status).toBe(403);
    const ch = bearerChallenge(denied);
    expect(ch.error).toBe('insufficient_scope');
    expect(ch.resource_metadata).toBeUndefined();
    await s.control.setPolicy({ prmAdvertised: 'header', prmLocation: 'custom' });
    const again = await callTool(s.mcpUrl, tokens.access_token, 'admin-echo', { message: 'x' });
    expect(again.status).toBe(403);
    expect(again.headers.get('www-authenticate')).toContain(`resource_metadata="${rsBase(s)}/mcp-resource-metadata.json"`);
  });

  it('a request without credentials under neither gets a bare challenge and a body that names the 2025-03-26 way', async () => {
    await s.control.setPolicy({ prmAdvertised: 'neither' });
    const res = await answer(await postMcp(s.mcpUrl, initializeBody()));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`Bearer scope="mcp:read mcp:write"`);
    expect(res.json.error_description).toMatch(/2025-03-26/);
  });

  it('each place takes only GET (405 with Allow), served or not', async () => {
    for (const place of ['path-inserted', 'root', 'custom'] as const) {
      const res = await fetch(placeUrl(rsBase(s), '', place), { method: 'POST' });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET');
    }
  });
});

describe('prmResource (RFC 9728 §3.3: resource MUST be the identifier the client used)', () => {
  const resourceOf = async () => OAuthProtectedResourceMetadataSchema.parse(await (await fetch(`${rsBase(s)}${WK}/mcp`)).json()).resource;

  const RESOURCES: Array<[PolicyPatch['prmResource'], () => string]> = [
    ['exact', () => s.mcpUrl],
    ['trailing-slash', () => `${s.mcpUrl}/`],
    ['other-origin', () => 'http://other-origin.invalid/mcp'],
    ['wrong-path', () => `${rsBase(s)}/not-mcp`],
  ];
  it.each(RESOURCES)('%s: the document says so; the MCP server still takes tokens for the real resource', async (prmResource, expected) => {
    await s.control.setPolicy({ prmResource });
    expect(await resourceOf()).toBe(expected());
    const { tokens } = await obtainTokens(s.oauthUrl, { resource: s.mcpUrl });
    expect((await callTool(s.mcpUrl, tokens.access_token)).status).toBe(200);
  });
});

describe('prmIssuers: a second issuer under <issuer>/migrated (SEP-2352)', () => {
  const prm = async (base = rsBase(s), path = '/mcp') => OAuthProtectedResourceMetadataSchema.parse(await (await fetch(`${base}${WK}${path}`)).json());
  const second = () => `${s.oauthUrl}/migrated`;

  it('self: the second issuer is not served (a JSON 404 saying when it is)', async () => {
    expect((await prm()).authorization_servers).toEqual([s.oauthUrl]);
    const res = await answer(await fetch(`${s.oauthUrl}/.well-known/oauth-authorization-server/migrated`));
    expect(res.status).toBe(404);
    expect(res.json.error_description).toMatch(/prmIssuers is "several" or "migrated"/);
  });

  it('several: ours first, then the second; both issue tokens the MCP server takes', async () => {
    await s.control.setPolicy({ prmIssuers: 'several' });
    expect((await prm()).authorization_servers).toEqual([s.oauthUrl, second()]);
    const meta = OAuthMetadataSchema.parse(await (await fetch(`${s.oauthUrl}/.well-known/oauth-authorization-server/migrated`)).json());
    expect(meta.issuer).toBe(second());
    expect(meta.token_endpoint).toBe(`${second()}/token`);
    expect(meta.registration_endpoint).toBe(`${second()}/register`);
    for (const issuer of [s.oauthUrl, second()]) {
      const { tokens } = await obtainTokens(issuer, { resource: s.mcpUrl });
      expect((await callTool(s.mcpUrl, tokens.access_token)).status, issuer).toBe(200);
    }
  });

  it('the second issuer is its own: its clients are unknown to the first, and its redirect carries its own iss', async () => {
    await s.control.setPolicy({ prmIssuers: 'several' });
    const reg = await answer(await fetch(`${second()}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:5/cb'], token_endpoint_auth_method: 'none' }) }));
    expect(reg.status).toBe(201);
    expect((await s.realm.store.clientIds()).includes(reg.json.client_id)).toBe(false);
    const url = new URL(`${second()}/authorize`);
    url.search = new URLSearchParams({ response_type: 'code', client_id: reg.json.client_id, redirect_uri: 'http://127.0.0.1:5/cb', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' }).toString();
    const back = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!);
    expect(back.searchParams.get('iss')).toBe(second());
  });

  it('migrated: only the second is named; a token of the first gets a 401 that says why, one of the second works', async () => {
    const { tokens: old } = await obtainTokens(s.oauthUrl, { resource: s.mcpUrl });
    await s.control.setPolicy({ prmIssuers: 'migrated' });
    expect((await prm()).authorization_servers).toEqual([second()]);
    const refused = await callTool(s.mcpUrl, old.access_token);
    expect(refused.status).toBe(401);
    const ch = bearerChallenge(new Response(null, { headers: refused.headers }));
    expect(ch.error).toBe('invalid_token');
    expect(ch.error_description).toMatch(/no longer trusts.*migrated.*SEP-2352/);
    expect(ch.resource_metadata).toBe(`${rsBase(s)}${WK}/mcp`);
    const { tokens } = await obtainTokens(second(), { resource: s.mcpUrl });
    expect((await callTool(s.mcpUrl, tokens.access_token)).status).toBe(200);
    // Back to self: the second issuer's token is no longer taken.
    await s.control.setPolicy({ prmIssuers: 'self' });
    expect((await callTool(s.mcpUrl, tokens.access_token)).status).toBe(401);
  });

  it('reset forgets the second issuer: its tokens are refused after, under the same policy again', async () => {
    await s.control.setPolicy({ prmIssuers: 'migrated' });
    const { tokens } = await obtainTokens(second(), { resource: s.mcpUrl });
    expect((await callTool(s.mcpUrl, tokens.access_token)).status).toBe(200);
    await s.control.reset();
    expect((await s.control.policy()).policy.prmIssuers).toBe('self');
    await s.control.setPolicy({ prmIssuers: 'migrated' });
    expect((await callTool(s.mcpUrl, tokens.access_token)).status).toBe(401);
  });

  it('the second issuer has no control plane of its own', async () => {
    await s.control.setPolicy({ prmIssuers: 'several' });
    const res = await answer(await fetch(`${second()}/control/state`));
    expect(res.status).toBe(404);
    expect(res.json.error_description).toMatch(/follows its realm's/);
  });
});

describe('prmIssuers beyond introspection in one process', () => {
  it('JWT access tokens validated locally: the second issuer\'s (its own key, its own iss) are taken under migrated', async () => {
    const j = await start({ mcpTokenValidation: 'jwt', accessTokenFormat: 'jwt' });
    try {
      await j.control.setPolicy({ prmIssuers: 'migrated' });
      const { tokens } = await obtainTokens(`${j.oauthUrl}/migrated`, { resource: j.mcpUrl });
      expect(JSON.parse(Buffer.from(tokens.access_token.split('.')[1]!, 'base64url').toString()).iss).toBe(`${j.oauthUrl}/migrated`);
      expect((await callTool(j.mcpUrl, tokens.access_token)).status).toBe(200);
      const { tokens: old } = await obtainTokens(j.oauthUrl, { resource: j.mcpUrl });
      const refused = await callTool(j.mcpUrl, old.access_token);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toMatch(/no longer trusts/);
    } finally {
      await j.close();
    }
  });

  it('the servers apart (--only): with migrated set on both control planes, the AS alone serves the second issuer and the MCP server alone takes its tokens', async () => {
    const secret = 'apart-secret-for-the-second-issuer';
    const as = await startAuthServer({ host: '127.0.0.1', oauthPort: 0, introspectionClientSecret: secret });
    try {
      const rs = await startMcpServer({ host: '127.0.0.1', mcpPort: 0, oauthBaseUrl: as.oauthUrl, introspectionClientSecret: secret });
      try {
        for (const base of [as.oauthUrl, new URL(rs.mcpUrl).origin]) expect((await post(base, '/control/policy', JSON.stringify({ prmIssuers: 'migrated' }))).status).toBe(200);
        const doc = OAuthProtectedResourceMetadataSchema.parse(await (await fetch(`${new URL(rs.mcpUrl).origin}${WK}/mcp`)).json());
        expect(doc.authorization_servers).toEqual([`${as.oauthUrl}/migrated`]);
        const { tokens } = await obtainTokens(`${as.oauthUrl}/migrated`, { resource: rs.mcpUrl });
        expect((await callTool(rs.mcpUrl, tokens.access_token)).status).toBe(200);
      } finally {
        await rs.close();
      }
    } finally {
      await as.close();
    }
  });
});

describe('through a realm (/r/<id>)', () => {
  it('header + root + migrated: the challenge names the realm root document, whose second issuer mints tokens the realm takes', async () => {
    const r = await s.createRealm({ policy: { prmAdvertised: 'header', prmLocation: 'root', prmIssuers: 'migrated', prmResource: 'exact' } });
    try {
      const base = rsBase(s);
      const path = new URL(r.mcpUrl).pathname.replace(/\/mcp$/, '');
      await expectPlacement(base, path, r.mcpUrl, 'root', ['root']);
      const doc = OAuthProtectedResourceMetadataSchema.parse(await (await fetch(`${base}${WK}${path}`)).json());
      expect(doc.authorization_servers).toEqual([`${r.issuer}/migrated`]);
      const meta = OAuthMetadataSchema.parse(await (await fetch(`${s.oauthUrl}/.well-known/oauth-authorization-server${new URL(r.issuer).pathname}/migrated`)).json());
      expect(meta.issuer).toBe(`${r.issuer}/migrated`);
      const { tokens } = await obtainTokens(`${r.issuer}/migrated`, { resource: r.mcpUrl });
      expect((await callTool(r.mcpUrl, tokens.access_token)).status).toBe(200);
      // The default realm neither names nor trusts it.
      expect((await callTool(s.mcpUrl, tokens.access_token)).status).toBe(401);
    } finally {
      r.delete();
    }
  });

  it('neither, then a trailing-slash resource, set through the realm\'s own control plane; the default realm untouched', async () => {
    const r = await s.createRealm({ policy: { prmAdvertised: 'neither' } });
    try {
      const path = new URL(r.mcpUrl).pathname.replace(/\/mcp$/, '');
      await expectPlacement(rsBase(s), path, r.mcpUrl, undefined, []);
      await r.control.setPolicy({ prmAdvertised: 'both', prmResource: 'trailing-slash' });
      const doc = OAuthProtectedResourceMetadataSchema.parse(await (await fetch(`${rsBase(s)}${WK}${path}/mcp`)).json());
      expect(doc.resource).toBe(`${r.mcpUrl}/`);
      const { tokens } = await obtainTokens(r.issuer, { resource: r.mcpUrl });
      expect((await callTool(r.mcpUrl, tokens.access_token)).status).toBe(200);
      await expectPlacement(rsBase(s), '', s.mcpUrl, 'path-inserted', ['path-inserted', 'root']);
    } finally {
      r.delete();
    }
  });

  it.each(PLACEMENTS.filter(([, l]) => l === 'custom'))('%s at custom in a realm', async (prmAdvertised, prmLocation, named, served) => {
    const r = await s.createRealm({ policy: { prmAdvertised, prmLocation } });
    try {
      await expectPlacement(rsBase(s), new URL(r.mcpUrl).pathname.replace(/\/mcp$/, ''), r.mcpUrl, named, served);
    } finally {
      r.delete();
    }
  });
});

describe('the control plane', () => {
  it('a refused patch changes nothing; reset restores every discovery knob', async () => {
    const before = await snapshot(s.realm);
    for (const body of [{ prmAdvertised: 'sometimes' }, { prmLocation: 'custom', prmIssuers: 'many' }, { prmResource: 'exact', unknown: 1 }]) {
      const res = await post(s.oauthUrl, '/control/policy', JSON.stringify(body));
      expect(res.status).toBe(400);
      expect(res.json.error_description).toBeTruthy();
    }
    expect(await snapshot(s.realm)).toEqual(before);
    await s.control.setPolicy({ prmAdvertised: 'neither', prmLocation: 'custom', prmResource: 'wrong-path', prmIssuers: 'migrated' });
    await s.control.reset();
    expect((await s.control.policy()).policy).toMatchObject({ prmAdvertised: 'both', prmLocation: 'path-inserted', prmResource: 'exact', prmIssuers: 'self' });
    await expectPlacement(rsBase(s), '', s.mcpUrl, 'path-inserted', ['path-inserted', 'root']);
  });
});
