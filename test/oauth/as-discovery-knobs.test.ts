import { OAuthMetadataSchema, OpenIdProviderDiscoveryMetadataSchema } from '@modelcontextprotocol/core';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMcpServer, type RunningServers } from '../../src/server.js';
import { answer } from '../support/answer.js';
import { post } from '../support/control.js';
import { callTool } from '../support/mcp.js';
import { authorize, obtainTokens, register } from '../support/oauth.js';
import { rsBase, start } from '../support/servers.js';
import { snapshot } from '../support/snapshot.js';

/**
 * The AS discovery knobs over real sockets: policy asDiscovery (RFC 8414, OpenID Connect Discovery
 * 1.0, both, none) at every location a client tries, and asAtResourceOrigin (MCP 2025-03-26: the AS's
 * metadata and endpoints at the MCP server's origin, self-consistent there).
 */
let s: RunningServers;
beforeAll(async () => {
  s = await start();
});
afterAll(() => s?.close());
beforeEach(() => s.control.reset());

const RFC = '/.well-known/oauth-authorization-server';
const OIDC = '/.well-known/openid-configuration';
const insecure = { [oauth.allowInsecureRequests]: true } as const;

/** What answers at `urls` (status each), and the documents that did, checked against core's schemas. */
async function documents(urls: Record<'rfc' | 'oidc', string[]>) {
  const got: Record<string, number> = {};
  const docs: Array<Record<string, unknown>> = [];
  for (const [kind, list] of Object.entries(urls)) {
    for (const url of list) {
      const res = await answer(await fetch(url));
      got[url] = res.status;
      if (res.status === 200) {
        docs.push(res.json);
        if (kind === 'oidc') OpenIdProviderDiscoveryMetadataSchema.parse(res.json);
        else {
          OAuthMetadataSchema.parse(res.json);
          expect(res.json.subject_types_supported, 'the RFC 8414 document stays as it was').toBeUndefined();
        }
      } else {
        expect(res.status).toBe(404);
        expect(res.json).toEqual({ error: 'not_found', error_description: expect.stringMatching(/policy asDiscovery is/) });
      }
    }
  }
  return { got, docs };
}

const SERVED = { both: ['rfc', 'oidc'], rfc8414: ['rfc'], oidc: ['oidc'], none: [] } as const;

describe('asDiscovery', () => {
  it.each(Object.keys(SERVED) as Array<keyof typeof SERVED>)('%s at the root issuer', async (asDiscovery) => {
    await s.control.setPolicy({ asDiscovery });
    const urls = { rfc: [`${s.oauthUrl}${RFC}`], oidc: [`${s.oauthUrl}${OIDC}`] };
    const { got, docs } = await documents(urls);
    for (const kind of ['rfc', 'oidc'] as const) for (const u of urls[kind]) expect(got[u], u).toBe((SERVED[asDiscovery] as readonly string[]).includes(kind) ? 200 : 404);
    for (const d of docs) expect(d.issuer).toBe(s.oauthUrl);
  });

  it('the OIDC document is the RFC 8414 one plus subject_types_supported and id_token_signing_alg_values_supported (OIDC Discovery §3)', async () => {
    const rfc = await (await fetch(`${s.oauthUrl}${RFC}`)).json();
    const oidc = await (await fetch(`${s.oauthUrl}${OIDC}`)).json();
    OpenIdProviderDiscoveryMetadataSchema.parse(oidc);
    expect(oidc).toEqual({ ...rfc, subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'] });
    expect(oidc.jwks_uri).toBe(`${s.oauthUrl}/jwks`);
  });

  it.each(Object.keys(SERVED) as Array<keyof typeof SERVED>)('%s for a path issuer (a realm): RFC 8414 path-inserted, OIDC path-inserted and path-appended', async (asDiscovery) => {
    const r = await s.createRealm({ policy: { asDiscovery } });
    try {
      const path = new URL(r.issuer).pathname;
      const urls = { rfc: [`${s.oauthUrl}${RFC}${path}`], oidc: [`${s.oauthUrl}${OIDC}${path}`, `${r.issuer}${OIDC}`] };
      const { got, docs } = await documents(urls);
      for (const kind of ['rfc', 'oidc'] as const) for (const u of urls[kind]) expect(got[u], u).toBe((SERVED[asDiscovery] as readonly string[]).includes(kind) ? 200 : 404);
      for (const d of docs) expect(d.issuer).toBe(r.issuer);
      // The default realm keeps its own policy.
      expect((await fetch(`${s.oauthUrl}${RFC}`)).status).toBe(200);
    } finally {
      r.delete();
    }
  });

  it('oidc only, for the second issuer (/migrated, a path issuer): both OIDC forms', async () => {
    await s.control.setPolicy({ asDiscovery: 'oidc', prmIssuers: 'several' });
    const second = `${s.oauthUrl}/migrated`;
    const { got, docs } = await documents({ rfc: [`${s.oauthUrl}${RFC}/migrated`], oidc: [`${s.oauthUrl}${OIDC}/migrated`, `${second}${OIDC}`] });
    expect(Object.values(got)).toEqual([404, 200, 200]);
    for (const d of docs) expect(d.issuer).toBe(second);
  });

  it('none: the default endpoints still work (MCP 2025-03-26 "Fallbacks")', async () => {
    await s.control.setPolicy({ asDiscovery: 'none' });
    const { tokens } = await obtainTokens(s.oauthUrl, { resource: s.mcpUrl });
    expect((await callTool(s.mcpUrl, tokens.access_token)).status).toBe(200);
  });

  it('faults strike the OIDC document it serves', async () => {
    await s.control.setPolicy({ asDiscovery: 'oidc' });
    await s.control.addFault({ endpoint: 'as-metadata', effect: { kind: 'issuer', mode: 'trailing-slash' } });
    expect((await (await fetch(`${s.oauthUrl}${OIDC}`)).json()).issuer).toBe(`${s.oauthUrl}/`);
  });
});

describe('asAtResourceOrigin (MCP 2025-03-26 "Server Metadata Discovery", "Authorization Base URL")', () => {
  it('off: the MCP origin answers none of the AS paths', async () => {
    for (const p of [RFC, OIDC, '/token', '/register', '/authorize']) expect((await fetch(`${rsBase(s)}${p}`)).status, p).toBe(404);
  });

  it('on: a self-consistent document at the MCP origin, which oauth4webapi accepts, and a flow there whose token the MCP server takes', async () => {
    await s.control.setPolicy({ asAtResourceOrigin: true });
    const base = rsBase(s);
    const meta = OAuthMetadataSchema.parse(await (await fetch(`${base}${RFC}`)).json());
    expect(meta).toMatchObject({ issuer: base, authorization_endpoint: `${base}/authorize`, token_endpoint: `${base}/token`, registration_endpoint: `${base}/register`, jwks_uri: `${base}/jwks` });
    OpenIdProviderDiscoveryMetadataSchema.parse(await (await fetch(`${base}${OIDC}`)).json());
    const expected = new URL(base);
    await oauth.processDiscoveryResponse(expected, await oauth.discoveryRequest(expected, { algorithm: 'oauth2', ...insecure }));
    const { client_id } = await register(base);
    const a = await authorize(base, client_id, {}, [s.mcpUrl]);
    expect(a.location.searchParams.get('iss')).toBe(base);
    const { tokens } = await obtainTokens(base, { resource: s.mcpUrl });
    expect((await callTool(s.mcpUrl, tokens.access_token)).status).toBe(200);
    // The issuer on its own port is unchanged.
    expect((await (await fetch(`${s.oauthUrl}${RFC}`)).json()).issuer).toBe(s.oauthUrl);
  });

  it('on, with asDiscovery rfc8414: the MCP origin serves RFC 8414 and not OIDC', async () => {
    await s.control.setPolicy({ asAtResourceOrigin: true, asDiscovery: 'rfc8414' });
    expect((await fetch(`${rsBase(s)}${RFC}`)).status).toBe(200);
    expect((await fetch(`${rsBase(s)}${OIDC}`)).status).toBe(404);
  });

  it('through a realm: its AS answers under /r/<id> at the MCP origin, naming itself there; the default realm does not', async () => {
    const r = await s.createRealm({ policy: { asAtResourceOrigin: true } });
    try {
      const base = `${rsBase(s)}${new URL(r.issuer).pathname}`;
      const meta = OAuthMetadataSchema.parse(await (await fetch(`${rsBase(s)}${RFC}${new URL(r.issuer).pathname}`)).json());
      expect(meta.issuer).toBe(base);
      expect(meta.token_endpoint).toBe(`${base}/token`);
      const { tokens } = await obtainTokens(base, { resource: r.mcpUrl });
      expect((await callTool(r.mcpUrl, tokens.access_token)).status).toBe(200);
      expect((await fetch(`${rsBase(s)}${RFC}`)).status).toBe(404);
    } finally {
      r.delete();
    }
  });

  it('with JWT access tokens validated locally: a token minted at the MCP origin (its iss) is taken', async () => {
    const j = await start({ mcpTokenValidation: 'jwt', accessTokenFormat: 'jwt' });
    try {
      await j.control.setPolicy({ asAtResourceOrigin: true });
      const { tokens } = await obtainTokens(rsBase(j), { resource: j.mcpUrl });
      const payload = JSON.parse(Buffer.from(tokens.access_token.split('.')[1]!, 'base64url').toString());
      expect(payload.iss).toBe(rsBase(j));
      expect((await callTool(j.mcpUrl, tokens.access_token)).status).toBe(200);
    } finally {
      await j.close();
    }
  });

  it('with the MCP server alone (--only mcp): a JSON 404 that says both servers must run in one process', async () => {
    const secret = 'apart-secret-for-resource-origin';
    const rs = await startMcpServer({ host: '127.0.0.1', mcpPort: 0, oauthBaseUrl: s.oauthUrl, introspectionClientSecret: secret });
    try {
      await post(new URL(rs.mcpUrl).origin, '/control/policy', JSON.stringify({ asAtResourceOrigin: true }));
      expect(rs.realm.policy.asAtResourceOrigin).toBe(true);
      const res = await answer(await fetch(`${new URL(rs.mcpUrl).origin}${RFC}`));
      expect(res.status).toBe(404);
      expect(res.json.error_description).toMatch(/needs the authorization server in this process/);
    } finally {
      await rs.close();
    }
  });
});

describe('the control plane', () => {
  it('a refused patch changes nothing; reset restores asDiscovery and asAtResourceOrigin', async () => {
    const before = await snapshot(s.realm);
    for (const body of [{ asDiscovery: 'openid' }, { asAtResourceOrigin: 'yes' }, { asDiscovery: 'none', asAtResourceOrigin: 1 }]) {
      const res = await post(s.oauthUrl, '/control/policy', JSON.stringify(body));
      expect(res.status).toBe(400);
      expect(res.json.error_description).toBeTruthy();
    }
    expect(await snapshot(s.realm)).toEqual(before);
    await s.control.setPolicy({ asDiscovery: 'none', asAtResourceOrigin: true });
    await s.control.reset();
    expect((await s.control.policy()).policy).toMatchObject({ asDiscovery: 'both', asAtResourceOrigin: false });
    expect((await fetch(`${s.oauthUrl}${RFC}`)).status).toBe(200);
    expect((await fetch(`${rsBase(s)}${RFC}`)).status).toBe(404);
  });
});
