import * as oauth from 'oauth4webapi';
import { AuthorizationServerMismatchError, IssuerMismatchError } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { connectWithConsent } from '../../src/testing/connect.js';
import { HeadlessOAuthProvider } from '../../src/testing/headless-provider.js';
import { callTool, initializeBody, postMcp } from '../support/mcp.js';
import { REDIRECT } from '../support/oauth.js';
import { rsBase, start } from '../support/servers.js';
import { connectWithConsentV2 } from '../support/v2-client.js';
import { parseWwwAuthenticate } from '../support/www-authenticate.js';
import { ROWS, MIGRATION } from './matrix/discovery.js';

/**
 * What the official clients do under each protected-resource and AS discovery knob: the SDK v2
 * client, the SDK 1.32.2 client, and oauth4webapi driven as an MCP client would drive it (below),
 * each from nothing but the MCP URL. Access tokens are JWTs here so that an outcome can say which
 * issuer minted the token the client connected with (its `iss`).
 */
let s: RunningServers;
let since = 0;
beforeAll(async () => {
  s = await start({ accessTokenFormat: 'jwt' });
});
afterAll(() => s?.close());
beforeEach(async () => {
  await s.control.reset();
  since = (await s.control.state()).lastEventId;
});

const requests = async () => (await s.control.events(since)).events.filter((e) => e.type === 'request').map((e) => `${e.method} ${e.path} → ${e.status}`);
const posted = async (path: string) => (await requests()).some((r) => r.startsWith(`POST ${path} `));

/** Who minted a JWT access token, in the table's words. */
function mintedBy(accessToken: string | undefined): string {
  if (!accessToken) return 'no token';
  const iss = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString()).iss as string;
  if (iss === s.oauthUrl) return '';
  if (iss === `${s.oauthUrl}/migrated`) return ' (second issuer)';
  if (iss === rsBase(s)) return ' (AS at the MCP origin)';
  return ` (iss ${iss})`;
}

/** `connects`, with who issued the token and, when no metadata document was served whole, that the default endpoints were used. */
async function connected(accessToken: string | undefined): Promise<string> {
  const metadata = (await requests()).some((r) => /^GET \S*\.well-known\/(oauth-authorization-server|openid-configuration)\S* → 200$/.test(r));
  return `connects${mintedBy(accessToken)}${metadata ? '' : ', default endpoints'}`;
}

const plain = (text: string) => text.split(s.oauthUrl).join('<issuer>').split(rsBase(s)).join('<mcp>').slice(0, 160);

async function describeSdkError(err: unknown): Promise<string> {
  if (err instanceof IssuerMismatchError) return `IssuerMismatchError (${err.kind})${(await posted('/token')) ? ', after /token' : ', no /token'}`;
  if (err instanceof AuthorizationServerMismatchError) return `AuthorizationServerMismatchError: ${plain(err.message)}`;
  return `${(err as Error).name}: ${plain((err as Error).message)}`;
}

async function runV2(provider = new HeadlessOAuthProvider()): Promise<string> {
  try {
    const c = await connectWithConsentV2(s.mcpUrl, provider);
    await c.client.close();
    return connected(provider.savedTokens?.access_token);
  } catch (err) {
    return describeSdkError(err);
  }
}

async function runSdk1(provider = new HeadlessOAuthProvider()): Promise<string> {
  try {
    const c = await connectWithConsent(s.mcpUrl, provider);
    await c.client.close();
    return connected(provider.savedTokens?.access_token);
  } catch (err) {
    return describeSdkError(err);
  }
}

const insecure = { [oauth.allowInsecureRequests]: true } as const;

/** The gist of an oauth4webapi refusal, stable across runs. */
function o4wReason(err: unknown): string {
  const m = (err as Error).message;
  if (/unexpected HTTP status code/.test(m)) return `status ${((err as { cause?: Response }).cause as Response | undefined)?.status}`;
  if (/"resource" property does not match/.test(m)) return '"resource" does not match';
  if (/"issuer" property does not match/.test(m)) return 'issuer does not match';
  return plain(m);
}

/**
 * oauth4webapi as an MCP client (2025-11-25 "Authorization Server Discovery") would drive it: the
 * challenge's resource_metadata, else the path-inserted then the root well-known URL
 * (`resourceDiscoveryRequest` / `processResourceDiscoveryResponse`, which insists `resource` is the
 * URL asked for); with no PRM at all, the MCP origin as the authorization base URL (2025-03-26); then
 * RFC 8414, else OIDC Discovery (`processDiscoveryResponse`: a 200 and an exact `issuer`). It has no
 * default-endpoint fallback: without metadata it stops. Then registration, code flow, one MCP call.
 */
async function runO4w(): Promise<{ outcome: string; token?: string }> {
  const resource = new URL(s.mcpUrl);
  const challenge = parseWwwAuthenticate((await postMcp(s.mcpUrl, initializeBody())).headers.get('www-authenticate') ?? 'Bearer')[0]!;
  let issuer: URL;
  let prmResource = s.mcpUrl;
  try {
    const named = challenge.params.resource_metadata;
    let res = named ? await fetch(named) : await oauth.resourceDiscoveryRequest(resource, insecure);
    if (!named && res.status === 404) res = await fetch(`${resource.origin}/.well-known/oauth-protected-resource`);
    if (!named && res.status === 404) {
      issuer = new URL(resource.origin);
    } else {
      const prm = await oauth.processResourceDiscoveryResponse(resource, res);
      issuer = new URL(prm.authorization_servers![0]!);
      prmResource = prm.resource;
    }
  } catch (err) {
    return { outcome: `PRM refused: ${o4wReason(err)}` };
  }
  let as: oauth.AuthorizationServer;
  try {
    let res = await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure });
    if (res.status === 404) res = await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure });
    as = await oauth.processDiscoveryResponse(issuer, res);
  } catch (err) {
    return { outcome: `discovery refused: ${o4wReason(err)}` };
  }
  const client = await oauth.processDynamicClientRegistrationResponse(await oauth.dynamicClientRegistrationRequest(as, { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' }, insecure));
  const verifier = oauth.generateRandomCodeVerifier();
  const url = new URL(as.authorization_endpoint!);
  url.search = new URLSearchParams({ client_id: client.client_id, redirect_uri: REDIRECT, response_type: 'code', code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', resource: prmResource }).toString();
  const location = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!);
  let tokens: oauth.TokenEndpointResponse;
  try {
    const params = oauth.validateAuthResponse(as, client, location, oauth.skipStateCheck);
    tokens = await oauth.processAuthorizationCodeResponse(as, client, await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, REDIRECT, verifier, { ...insecure, additionalParameters: { resource: prmResource } }));
  } catch (err) {
    return { outcome: `flow refused: ${o4wReason(err)}` };
  }
  const call = await callTool(s.mcpUrl, tokens.access_token);
  if (call.status !== 200) return { outcome: `tokens issued; the MCP server answers ${call.status}: ${plain(call.json?.error_description ?? '')}`, token: tokens.access_token };
  return { outcome: await connected(tokens.access_token), token: tokens.access_token };
}

describe('what the official clients do when a discovery knob is set', () => {
  for (const k of ROWS) {
    describe(k.knob, () => {
      beforeEach(async () => {
        if (k.policy) await s.control.setPolicy(k.policy);
        for (const f of k.faults ?? []) await s.control.addFault(f);
      });
      it(`SDK v2: ${k.v2}`, async () => {
        expect(await runV2()).toBe(k.v2);
      });
      it(`SDK 1.32.2: ${k.sdk1}`, async () => {
        expect(await runSdk1()).toBe(k.sdk1);
      });
      it(`oauth4webapi: ${k.o4w}`, async () => {
        expect((await runO4w()).outcome).toBe(k.o4w);
      });
    });
  }
});

describe(`${MIGRATION.knob} (SEP-2352)`, () => {
  /** Connected under the first issuer, then the PRM names the second: what the same client does next. */
  const migrateUnder = async (run: (p: HeadlessOAuthProvider) => Promise<string>): Promise<string> => {
    const provider = new HeadlessOAuthProvider();
    expect(await run(provider)).toBe('connects');
    await s.control.setPolicy({ prmIssuers: 'migrated' });
    since = (await s.control.state()).lastEventId;
    const outcome = await run(provider);
    // Where it went for new tokens: the first issuer's /token (a refresh), the second's, or both.
    const refreshed = (await posted('/token')) ? 'refreshes at the first issuer, then ' : '';
    const registered = (await posted('/migrated/register')) ? '; registered at the second issuer' : '; no registration at the second issuer';
    return `${refreshed}${outcome}${registered}`;
  };

  it(`SDK v2: ${MIGRATION.v2}`, async () => {
    expect(await migrateUnder((p) => runV2(p))).toBe(MIGRATION.v2);
  });
  it(`SDK 1.32.2: ${MIGRATION.sdk1}`, async () => {
    expect(await migrateUnder((p) => runSdk1(p))).toBe(MIGRATION.sdk1);
  });
  it(`oauth4webapi: ${MIGRATION.o4w}`, async () => {
    const before = await runO4w();
    expect(before.outcome).toBe('connects');
    await s.control.setPolicy({ prmIssuers: 'migrated' });
    const old = await callTool(s.mcpUrl, before.token);
    const again = await runO4w();
    expect(`the old token: ${old.status}; discovery again: ${again.outcome}`).toBe(MIGRATION.o4w);
  });
});
