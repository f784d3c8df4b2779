import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RequestEvent } from '../../src/events.js';
import type { RunningServers } from '../../src/server.js';
import { connectWithConsent } from '../../src/testing/connect.js';
import { HeadlessOAuthProvider } from '../../src/testing/headless-provider.js';
import { startDocumentServer, type DocumentServer } from '../support/cimd-server.js';
import { textOf } from '../support/mcp.js';
import { REDIRECT } from '../support/oauth.js';
import { start } from '../support/servers.js';
import { connectWithConsentV2 } from '../support/v2-client.js';

/**
 * The official SDK clients with `clientMetadataUrl` (CIMD, SEP-991): the document is served over
 * HTTPS with the generated certificate from 127.0.0.1, which the authorization server trusts
 * (CIMD_CA_FILE) and may fetch from (CIMD_ALLOW_LOOPBACK=true). The client_id is the URL; no /register.
 */
let s: RunningServers;
let docs: DocumentServer;
let since = 0;
beforeAll(async () => {
  docs = await startDocumentServer(REDIRECT);
  s = await start({ cimdAllowLoopback: true, cimdCaFile: docs.caFile });
});
afterAll(async () => {
  await s?.close();
  await docs?.close();
});
beforeEach(async () => {
  await s.control.reset();
  since = (await s.control.state()).lastEventId;
});

const requests = async (): Promise<RequestEvent[]> => (await s.control.events(since)).events.filter((e): e is RequestEvent => e.type === 'request');
const failure = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (err: unknown) => err,
  );

describe('SDK v2 with clientMetadataUrl', () => {
  it('connects through consent with its URL as client_id, never registering, and calls a tool', async () => {
    const url = docs.serveDocument('/v2/client.json', { grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] }, { 'Cache-Control': 'max-age=600' });
    const provider = new HeadlessOAuthProvider({}, REDIRECT, { clientMetadataUrl: url });
    const c = await connectWithConsentV2(s.mcpUrl, provider);
    try {
      expect(textOf(await c.client.callTool({ name: 'echo', arguments: { message: 'named by a document' } }))).toBe('named by a document');
      expect(provider.clientInfo?.client_id).toBe(url);
      expect(provider.lastAuthorizationUrl?.searchParams.get('client_id')).toBe(url);
    } finally {
      await c.client.close();
    }
    const seen = await requests();
    expect(seen.filter((e) => e.endpoint === 'register')).toEqual([]);
    expect(seen.filter((e) => e.endpoint === 'authorize' || e.endpoint === 'token').map((e) => [e.endpoint, e.status, 'clientId' in e && e.clientId])).toEqual([
      ['authorize', 302, url],
      ['token', 200, url],
    ]);
    // Fetched once for /authorize; /token found it in the cache.
    expect(docs.hits('/v2/client.json')).toBe(1);
    expect((await s.control.state()).cimdClients.map((x) => x.clientId)).toEqual([url]);
  });

  it('with cimd off, the same client falls back to dynamic registration', async () => {
    await s.control.setPolicy({ cimd: false });
    const url = docs.serveDocument('/v2/off.json');
    const provider = new HeadlessOAuthProvider({}, REDIRECT, { clientMetadataUrl: url });
    const c = await connectWithConsentV2(s.mcpUrl, provider);
    await c.client.close();
    expect(provider.clientInfo?.client_id).toMatch(/^client_/);
    expect((await requests()).filter((e) => e.endpoint === 'register').map((e) => e.status)).toEqual([201]);
    expect(docs.hits('/v2/off.json')).toBe(0);
  });

  it('a document naming another client_id: /authorize refuses it to the browser, and the client surfaces that page', async () => {
    const url = docs.serveDocument('/v2/wrong.json', { client_id: `${docs.origin}/v2/someone-else.json` });
    const provider = new HeadlessOAuthProvider({}, REDIRECT, { clientMetadataUrl: url });
    const err = await failure(connectWithConsentV2(s.mcpUrl, provider));
    expect(String(err)).toMatch(/\/authorize answered 400 without a redirect/);
    const authorize = (await requests()).find((e) => e.endpoint === 'authorize');
    expect(authorize).toMatchObject({ status: 400, outcome: 'invalid_client', reason: expect.stringMatching(/it must equal the document's URL exactly.*\[rule: client_id\]/) });
  });
});

describe('SDK 1.32.2 with the same provider', () => {
  it('uses clientMetadataUrl too: no /register, the tool answers', async () => {
    const url = docs.serveDocument('/v1/client.json');
    const provider = new HeadlessOAuthProvider({}, REDIRECT, { clientMetadataUrl: url });
    const c = await connectWithConsent(s.mcpUrl, provider);
    try {
      expect(textOf(await c.client.callTool({ name: 'echo', arguments: { message: 'v1' } }))).toBe('v1');
    } finally {
      await c.client.close();
    }
    expect((await requests()).filter((e) => e.endpoint === 'register')).toEqual([]);
    expect(provider.clientInfo?.client_id).toBe(url);
  });
});
