import { IssuerMismatchError } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { HeadlessOAuthProvider } from '../../src/testing/headless-provider.js';
import { textOf } from '../support/mcp.js';
import { REDIRECT } from '../support/oauth.js';
import { start } from '../support/servers.js';
import { connectWithConsentV2 } from '../support/v2-client.js';

/**
 * The SDK v2 client checks the issuer twice, and never with an opt-out here: the metadata's `issuer`
 * must be the authorization server URL the PRM named (RFC 8414 §3.3), and an authorization response
 * must carry that issuer as `iss` when the metadata says it will (RFC 9207 §2.4). Our authorization
 * server passes both; the faults that break them are refused before any code reaches /token.
 */
let s: RunningServers;
let since = 0;
beforeAll(async () => {
  s = await start();
});
afterAll(() => s?.close());
beforeEach(async () => {
  await s.control.reset();
  since = (await s.control.state()).lastEventId;
});

const requests = async () => (await s.control.events(since)).events.filter((e) => e.type === 'request').map((e) => `${e.method} ${e.path} → ${e.status}`);
const failure = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (err: unknown) => err,
  );
const mcpUrlAs = (host: string) => {
  const u = new URL(s.mcpUrl);
  u.hostname = host;
  return u.href;
};

describe('our authorization server passes both checks', () => {
  for (const host of ['localhost', '127.0.0.1']) {
    it(`through ${host}: metadata issuer = the PRM's authorization server, iss = that issuer, tokens issued`, async () => {
      const c = await connectWithConsentV2(mcpUrlAs(host));
      try {
        const issuer = new URL(s.oauthUrl);
        issuer.hostname = host;
        const expected = issuer.origin;
        expect(c.provider.discovery?.resourceMetadata?.authorization_servers).toEqual([expected]);
        expect(c.provider.discovery?.authorizationServerMetadata).toMatchObject({ issuer: expected, authorization_response_iss_parameter_supported: true });
        expect(c.provider.iss).toBe(expected);
        expect(c.provider.savedTokens?.issuer).toBe(expected);
        expect(textOf(await c.client.callTool({ name: 'echo', arguments: { message: host } }))).toBe(host);
      } finally {
        await c.client.close();
      }
    });
  }

  it('issParameter off: the metadata says false and no iss is sent, which RFC 9207 allows, and v2 accepts', async () => {
    await s.control.setPolicy({ issParameter: false });
    const c = await connectWithConsentV2(s.mcpUrl);
    try {
      expect(c.provider.discovery?.authorizationServerMetadata?.authorization_response_iss_parameter_supported).toBe(false);
      expect(c.provider.iss).toBeUndefined();
      expect(await requests()).toContain('POST /token → 200');
    } finally {
      await c.client.close();
    }
  });
});

describe('the faults that break them: refused before /token', () => {
  it('RFC 9207: an omit fault drops iss from the redirect while the metadata advertises it → IssuerMismatchError, no /token', async () => {
    await s.control.addFault({ endpoint: 'authorize', effect: { kind: 'omit', fields: ['iss'] } });
    const provider = new HeadlessOAuthProvider();
    const err = await failure(connectWithConsentV2(s.mcpUrl, provider));
    expect(err).toBeInstanceOf(IssuerMismatchError);
    expect(err).toMatchObject({ kind: 'authorization_response', expected: s.oauthUrl, received: undefined });
    expect(provider.callbackParams.get('code')).toBeTruthy();
    const seen = await requests();
    expect(seen).toContain('GET /authorize → 302');
    expect(seen.filter((r) => r.startsWith('POST /token'))).toEqual([]);
    expect((await s.control.state()).live.accessTokens).toBe(0);
  });

  it('RFC 9207: a redirect naming another issuer (a status fault: the mix-up attack) → IssuerMismatchError with what it got, no /token', async () => {
    const forged = 'https://attacker.example';
    await s.control.addFault({ endpoint: 'authorize', effect: { kind: 'status', status: 302, headers: { location: `${REDIRECT}?code=ac_forged&iss=${encodeURIComponent(forged)}` } } });
    const err = await failure(connectWithConsentV2(s.mcpUrl));
    expect(err).toBeInstanceOf(IssuerMismatchError);
    expect(err).toMatchObject({ kind: 'authorization_response', expected: s.oauthUrl, received: forged });
    expect((await requests()).filter((r) => r.startsWith('POST /token'))).toEqual([]);
  });

  it('RFC 8414 §3.3: metadata whose issuer is not the URL it was fetched from → IssuerMismatchError before registration', async () => {
    const metadata = (await (await fetch(new URL('/.well-known/oauth-authorization-server', s.oauthUrl))).json()) as Record<string, unknown>;
    await s.control.addFault({ endpoint: 'as-metadata', effect: { kind: 'status', status: 200, body: { ...metadata, issuer: 'https://elsewhere.example' }, headers: { 'content-type': 'application/json' } } });
    const provider = new HeadlessOAuthProvider();
    const err = await failure(connectWithConsentV2(s.mcpUrl, provider));
    expect(err).toBeInstanceOf(IssuerMismatchError);
    expect(err).toMatchObject({ kind: 'metadata', expected: s.oauthUrl, received: 'https://elsewhere.example' });
    const seen = await requests();
    expect(seen).toContain('GET /.well-known/oauth-authorization-server → 200');
    expect(seen.filter((r) => /^(POST \/register|GET \/authorize|POST \/token)/.test(r))).toEqual([]);
    expect(provider.clientInfo).toBeUndefined();
  });
});
