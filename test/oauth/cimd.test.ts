import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, optionsFromEnv, resolveConfig } from '../../src/config.js';
import { specialUse } from '../../src/oauth/cimd-address.js';
import type { StartOptions } from '../../src/server.js';
import { startDocumentServer, type DocumentServer } from '../support/cimd-server.js';
import { form } from '../support/http.js';
import { expectOAuthError } from '../support/oauth-error.js';
import { authorize, codeGrantParams, REDIRECT, redeem, token, visitAuthorize } from '../support/oauth.js';
import { pkce } from '../support/pkce.js';
import { makeAS, type AS } from '../support/servers.js';
import { snapshot } from '../support/snapshot.js';

/**
 * Client ID metadata documents (draft-ietf-oauth-client-id-metadata-document; MCP 2026-07-28
 * client-registration): an https client_id is fetched over a real socket from a document server
 * speaking HTTPS with the generated certificate, on 127.0.0.1 (so CIMD_ALLOW_LOOPBACK=true).
 */
let docs: DocumentServer;
beforeAll(async () => {
  docs = await startDocumentServer(REDIRECT);
});
afterAll(() => docs?.close());

const servers: AS[] = [];
afterAll(() => servers.forEach((s) => s.realm.close()));
function cimdAS(options: StartOptions = {}): AS {
  const as = makeAS({ cimdAllowLoopback: true, cimdCaFile: docs.caFile, cimdTimeoutMs: 1500, ...options });
  servers.push(as);
  return as;
}

let n = 0;
/** A fresh path per test, so that no cached document answers for another test's. */
const fresh = (name: string) => `/clients/${++n}-${name}.json`;

const unescape = (html: string) => html.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** /authorize refused in phase 1: a 400 page, no redirect; its description. */
async function refusedAtAuthorize(as: AS, clientId: string, params: Record<string, string> = {}): Promise<{ error: string; description: string }> {
  const v = await visitAuthorize(as, clientId, pkce().challenge, params);
  expect(v.status, v.text).toBe(400);
  expect(v.location).toBeUndefined();
  const m = /<code>([^<]+)<\/code>: ([^<]*)<\/p>/.exec(v.text);
  return { error: m![1]!, description: unescape(m![2]!) };
}

describe('discovery', () => {
  it('advertises client_id_metadata_document_supported per policy; off, a URL client_id is an unknown client and nothing is fetched', async () => {
    const as = cimdAS();
    expect((await (await as.req('/.well-known/oauth-authorization-server')).json()).client_id_metadata_document_supported).toBe(true);
    as.realm.setPolicy({ cimd: false });
    expect((await (await as.req('/.well-known/oauth-authorization-server')).json()).client_id_metadata_document_supported).toBe(false);
    const path = fresh('off');
    const url = docs.serveDocument(path);
    const r = await refusedAtAuthorize(as, url);
    expect(r).toEqual({ error: 'invalid_client', description: expect.stringMatching(/^unknown client_id/) });
    expect(docs.hits(path)).toBe(0);
  });
});

describe('a client named by its metadata document', () => {
  it('authorizes and redeems with no registration; the events and /control/state name it by its URL', async () => {
    const as = cimdAS();
    const path = fresh('good');
    const url = docs.serveDocument(path, { scope: 'mcp:read' }, { 'Cache-Control': 'max-age=120' });
    const before = await snapshot(as.realm);
    const a = await authorize(as, url);
    const tokens = await redeem(as, url, a);
    expect(tokens.scope).toBe('mcp:read');
    expect(docs.hits(path)).toBe(1);
    const events = as.realm.events.since(0).filter((e) => e.type === 'request');
    expect(events.map((e) => [e.endpoint, e.status, 'clientId' in e ? e.clientId : undefined])).toEqual([
      ['authorize', 302, url],
      ['token', 200, url],
    ]);
    // Nothing was registered: the client lives in the document cache only.
    expect((await as.realm.store.clientIds()).sort()).toEqual((before as { clients: string[] }).clients);
    const state = await (await as.req('/control/state')).json();
    expect(state.cimdClients).toEqual([{ clientId: url, fetchedAt: expect.any(String), expiresAt: expect.any(String) }]);
    expect(Date.parse(state.cimdClients[0].expiresAt) - Date.parse(state.cimdClients[0].fetchedAt)).toBe(120_000);
    // Revocation finds the same client.
    const res = await as.req('/revoke', form({ token: tokens.access_token, client_id: url }));
    expect(res.status).toBe(200);
  });
});

/** Each rule a document or its URL can break, and the rule name its refusal ends with. */
const RULES: Array<[string, () => string, RegExp]> = [
  ['http, not https', () => docs.serveDocument(fresh('http')).replace('https:', 'http:'), /uses http:.*\[rule: https\]/],
  ['no path', () => `${docs.origin}/`, /has no path.*\[rule: url\]/],
  ['a fragment', () => `${docs.serveDocument(fresh('frag'))}#x`, /fragment.*\[rule: url\]/],
  ['a dot segment', () => `${docs.origin}/clients/../x.json`, /a "\." or "\.\." path segment.*\[rule: url\]/],
  ['userinfo', () => docs.serveDocument(fresh('user')).replace('https://', 'https://me@'), /username or password.*\[rule: url\]/],
  ['a redirect', () => docs.serve(fresh('redirect'), { status: 302, headers: { Location: docs.serveDocument('/elsewhere.json') } }), /answered 302 to .*redirects are not followed.*\[rule: redirect\]/],
  ['a 404', () => docs.url(fresh('missing')), /answered HTTP 404.*\[rule: status\]/],
  ['text/html', () => docs.serve(fresh('html'), { headers: { 'Content-Type': 'text/html' }, body: '{}' }), /Content-Type "text\/html".*\[rule: content-type\]/],
  ['over 5 KB', () => docs.serveDocument(fresh('big'), { logo_uri: `https://example.com/${'x'.repeat(6000)}` }), /bytes; a metadata document is at most 5120 bytes.*\[rule: size\]/],
  ['not JSON', () => docs.serve(fresh('notjson'), { body: '{"client_id":' }), /is not valid JSON.*\[rule: json\]/],
  ['a JSON array', () => docs.serve(fresh('array'), { body: [1] }), /is not a JSON object.*\[rule: json\]/],
  ['another client_id', () => docs.serveDocument(fresh('other'), { client_id: 'https://example.com/client.json' }), /names client_id "https:\/\/example.com\/client.json"; it must equal.*\[rule: client_id\]/],
  ['client_id with a trailing slash', () => {
    const p = fresh('slash');
    return docs.serveDocument(p, { client_id: `${docs.url(p)}/` });
  }, /must equal the document's URL exactly.*\[rule: client_id\]/],
  ['no client_name', () => docs.serveDocument(fresh('noname'), { client_name: undefined }), /has no client_name.*\[rule: client_name\]/],
  ['no redirect_uris', () => docs.serveDocument(fresh('nouris'), { redirect_uris: [] }), /has no redirect_uris.*\[rule: redirect_uris\]/],
  ['an http redirect URI off loopback', () => docs.serveDocument(fresh('httpuri'), { redirect_uris: ['http://evil.example/cb'] }), /cannot be used: .*non-loopback.*\[rule: redirect_uris\]/],
  ['a client_secret', () => docs.serveDocument(fresh('secret'), { client_secret: 's3cret' }), /contains client_secret; a public document holds no shared secret.*\[rule: secret\]/],
  ['client_secret_basic', () => docs.serveDocument(fresh('basic'), { token_endpoint_auth_method: 'client_secret_basic' }), /a shared secret cannot be established.*\[rule: token_endpoint_auth_method\]/],
  ['private_key_jwt (not yet)', () => docs.serveDocument(fresh('pkjwt'), { token_endpoint_auth_method: 'private_key_jwt' }), /private_key_jwt is not accepted.*\[rule: token_endpoint_auth_method\]/],
  ['an unserved grant type', () => docs.serveDocument(fresh('grant'), { grant_types: ['authorization_code', 'password'] }), /grant_types lists "password".*\[rule: metadata\]/],
  ['a port nobody listens on', () => `https://127.0.0.1:${closedPort}/client.json`, /could not be fetched from 127.0.0.1 \(ECONNREFUSED\).*\[rule: unreachable\]/],
  ['a host that does not resolve', () => 'https://no-such-host.invalid/client.json', /does not resolve.*\[rule: unreachable\]/],
  ['an answer that never comes', () => docs.serve(fresh('hang'), { hang: true }), /no complete answer within 1500 ms \(CIMD_TIMEOUT_MS\).*\[rule: timeout\]/],
];

let closedPort = 0;
beforeAll(async () => {
  const probe = createTcpServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
});

describe('every rule refuses with the standard error, naming the rule; nothing is kept', () => {
  it.each(RULES)('%s: /authorize shows invalid_client to the browser, never redirecting', async (_name, url, describes) => {
    const as = cimdAS();
    const clientId = url();
    const before = await snapshot(as.realm);
    const r = await refusedAtAuthorize(as, clientId);
    expect(r.error).toBe('invalid_client');
    expect(r.description).toMatch(/^client ID metadata document "/);
    expect(r.description).toMatch(describes);
    expect(await snapshot(as.realm)).toEqual(before);
    expect(as.realm.cimd.size).toBe(0);
    const event = as.realm.events.since(0).at(-1)!;
    expect(event).toMatchObject({ endpoint: 'authorize', status: 400, outcome: 'invalid_client', clientId });
  });

  it.each(RULES.filter(([name]) => !['an answer that never comes', 'a host that does not resolve'].includes(name)))('%s: /token answers invalid_client (401)', async (_name, url, describes) => {
    const as = cimdAS();
    const clientId = url();
    const before = await snapshot(as.realm);
    const res = await token(as, { grant_type: 'authorization_code', code: 'x', code_verifier: 'y'.repeat(43), redirect_uri: REDIRECT, client_id: clientId });
    await expectOAuthError(res, 401, 'invalid_client', describes);
    expect(await snapshot(as.realm)).toEqual(before);
  });

  it('a document on localhost is fetched from whichever checked address answers (::1 or 127.0.0.1)', async () => {
    const as = cimdAS();
    const path = fresh('localhost');
    const url = docs.url(path).replace('127.0.0.1', 'localhost');
    docs.serveDocument(path, { client_id: url });
    await authorize(as, url);
    expect(docs.hits(path)).toBe(1);
  });

  it('the redirect_uri must be one the document lists, exactly: no loopback port leeway for a document', async () => {
    const as = cimdAS();
    const url = docs.serveDocument(fresh('exact'));
    for (const redirect of ['http://127.0.0.1:9999/callback', 'https://evil.example/cb']) {
      const r = await refusedAtAuthorize(as, url, { redirect_uri: redirect });
      expect(r.error).toBe('invalid_request');
      expect(r.description).toMatch(/is not listed in the client ID metadata document.*must match one exactly \[rule: redirect_uri\]/);
    }
  });
});

describe('the SSRF guard and the trust store', () => {
  it('without CIMD_ALLOW_LOOPBACK, a document on loopback is refused, and the fetch never connects', async () => {
    const as = cimdAS({ cimdAllowLoopback: false });
    const path = fresh('ssrf');
    const url = docs.serveDocument(path);
    const r = await refusedAtAuthorize(as, url);
    expect(r.error).toBe('invalid_client');
    expect(r.description).toMatch(/resolves to 127\.0\.0\.1, a loopback address: metadata documents are not fetched from special-use addresses .*CIMD_ALLOW_LOOPBACK=true allows loopback.*\[rule: ssrf\]/);
    expect(docs.hits(path)).toBe(0);
    const localhost = await refusedAtAuthorize(as, url.replace('127.0.0.1', 'localhost'));
    expect(localhost.description).toMatch(/its host localhost resolves to (127\.0\.0\.1|::1), a loopback address.*\[rule: ssrf\]/);
  });

  it.each([
    ['10.0.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['[fd00::1]', 'unique-local'],
    ['[fe80::1]', 'link-local'],
    ['[::ffff:10.0.0.1]', 'private'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
  ])('CIMD_ALLOW_LOOPBACK allows loopback only: %s stays refused (%s)', async (host, kind) => {
    const as = cimdAS();
    const r = await refusedAtAuthorize(as, `https://${host}/client.json`);
    expect(r.description).toMatch(new RegExp(`a ${kind} address: .*\\[rule: ssrf\\]`));
  });

  it.each([
    ['8.8.8.8', undefined],
    ['172.32.0.1', undefined],
    ['2606:4700::1111', undefined],
    ['::ffff:8.8.8.8', undefined],
    ['64:ff9b::808:808', undefined],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.1', 'private'],
    ['::ffff:192.168.0.1', 'private'],
    ['64:ff9b::a00:1', 'private'],
    ['100.64.0.1', 'shared address space (RFC 6598)'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fdff:ffff::1', 'unique-local'],
    ['224.0.0.251', 'multicast'],
    ['ff02::1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.1', 'documentation'],
    ['2001:db8::1', 'documentation'],
    ['2002:a00:1::1', '6to4'],
  ])('the address classifier: %s is %s', (address, kind) => {
    expect(specialUse(address)).toBe(kind);
  });

  it('without CIMD_CA_FILE, the generated certificate is not trusted: the refusal says which setting trusts it', async () => {
    const as = cimdAS({ cimdCaFile: undefined });
    const r = await refusedAtAuthorize(as, docs.serveDocument(fresh('untrusted')));
    expect(r.description).toMatch(/could not be fetched from 127\.0\.0\.1 \([A-Z_]+\); CIMD_CA_FILE names a CA to trust.*\[rule: unreachable\]/);
  });
});

describe('caching per HTTP caching headers, on the realm clock', () => {
  const twice = async (as: AS, url: string) => {
    await authorize(as, url);
    await authorize(as, url);
  };

  it('max-age: the second authorization does not fetch again; after the clock passes it, it does', async () => {
    const as = cimdAS();
    const path = fresh('maxage');
    const url = docs.serveDocument(path, {}, { 'Cache-Control': 'public, max-age=60' });
    await twice(as, url);
    expect(docs.hits(path)).toBe(1);
    as.realm.clock.advance(61);
    await authorize(as, url);
    expect(docs.hits(path)).toBe(2);
  });

  it.each([
    ['no-store', { 'Cache-Control': 'no-store' }],
    ['no-cache', { 'Cache-Control': 'no-cache' }],
    ['max-age=0', { 'Cache-Control': 'max-age=0' }],
    ['an Expires in the past', { Expires: 'Thu, 01 Jan 2015 00:00:00 GMT' }],
  ])('%s: fetched again at every use, and never listed', async (_name, headers) => {
    const as = cimdAS();
    const path = fresh('nostore');
    const url = docs.serveDocument(path, {}, headers);
    await twice(as, url);
    expect(docs.hits(path)).toBe(2);
    expect(as.realm.cimd.size).toBe(0);
  });

  it('Expires, with no max-age: kept until then; no caching headers: kept 300 s; a day at most', async () => {
    const as = cimdAS();
    const cases: Array<[Record<string, string>, number]> = [
      // Its own Date beside it (RFC 9111 §4.2.1: Expires less Date), so no time passing in between counts.
      [{ Date: 'Wed, 02 Dec 2026 00:00:00 GMT', Expires: 'Wed, 02 Dec 2026 00:10:00 GMT' }, 600],
      [{}, 300],
      [{ 'Cache-Control': 'max-age=31536000' }, 86400],
      [{ 'Cache-Control': 'max-age=5' }, 30],
    ];
    for (const [headers, seconds] of cases) {
      const path = fresh('expires');
      const url = docs.serveDocument(path, {}, headers);
      await authorize(as, url);
      const listed = (await (await as.req('/control/state')).json()).cimdClients.find((c: { clientId: string }) => c.clientId === url);
      const kept = (Date.parse(listed.expiresAt) - Date.parse(listed.fetchedAt)) / 1000;
      expect(Math.abs(kept - seconds), JSON.stringify(headers)).toBeLessThanOrEqual(2);
    }
  });

  it('parallel first uses of one client_id make one fetch, and all of them are served', async () => {
    const as = cimdAS();
    const path = fresh('parallel');
    let release!: () => void;
    const url = docs.serveDocument(path, {}, {}, new Promise<void>((r) => (release = r)));
    const visits = Promise.all([1, 2, 3, 4, 5].map(() => authorize(as, url)));
    await expect.poll(() => as.realm.counters.authorizeCalls === 5 && docs.hits(path) === 1).toBe(true);
    // Every lookup has passed the store (in memory: a few microtasks) and waits on the one fetch.
    await new Promise((r) => setImmediate(r));
    release();
    expect((await visits).map((a) => a.location.searchParams.has('code'))).toEqual([true, true, true, true, true]);
    expect(docs.hits(path)).toBe(1);
  });

  it('the cache is bounded (CIMD_MAX_DOCUMENTS): the document fetched longest ago goes; reset empties it', async () => {
    const as = cimdAS({ cimdMaxDocuments: 2 });
    const urls = ['a', 'b', 'c'].map((x) => docs.serveDocument(fresh(x)));
    for (const url of urls) await authorize(as, url);
    expect(as.realm.cimd.list(as.realm.clock.now()).map((c) => c.clientId)).toEqual(urls.slice(1));
    await as.req('/control/reset', { method: 'POST' });
    expect(as.realm.cimd.size).toBe(0);
  });

  it('a code issued to a document client is redeemed after its document expired: /token fetches it again', async () => {
    const as = cimdAS();
    const path = fresh('refetch');
    const url = docs.serveDocument(path, {}, { 'Cache-Control': 'max-age=30' });
    const a = await authorize(as, url);
    as.realm.clock.advance(31);
    const res = await token(as, codeGrantParams(url, a));
    // The code lives 60 s; its client's document only 30: the client is looked up, and fetched, again.
    expect(res.status, await res.clone().text()).toBe(200);
    expect(docs.hits(path)).toBe(2);
  });
});

describe('faults on the fetch (endpoint cimd-fetch, effect cimd)', () => {
  it.each([
    ['unreachable', /could not be fetched \(ECONNREFUSED\) \(fault f1\) \[rule: unreachable\]/],
    ['wrong-client-id', /names client_id "https:\/\/127\.0\.0\.1:\d+\/clients\/another-client\.json"; it must equal .* \(fault f1\) \[rule: client_id\]/],
    ['oversize', /is \d+ bytes; a metadata document is at most 5120 bytes \(5 KB\) \(fault f1\) \[rule: size\]/],
    ['slow', /no complete answer within 1500 ms \(CIMD_TIMEOUT_MS\) \(fault f1\) \[rule: timeout\]/],
  ])('%s: the rule it exercises refuses once, the event names the fault, and the next try succeeds', async (problem, describes) => {
    // The file's timeout, not a shorter one: the fetches that must succeed (the next try) get the same
    // budget as every other test here; under a loaded machine 300 ms was too little for them.
    const as = cimdAS();
    const url = docs.serveDocument(fresh(problem));
    const added = await as.req('/control/faults', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ endpoint: 'cimd-fetch', effect: { kind: 'cimd', problem }, times: 1 }) });
    expect(added.status).toBe(201);
    expect((await added.json()).fault.breaks).toMatch(problem === 'wrong-client-id' ? /must equal its URL/ : /./);
    const r = await refusedAtAuthorize(as, url);
    expect(r.error).toBe('invalid_client');
    expect(r.description).toMatch(describes);
    expect(as.realm.events.since(0).filter((e) => e.type === 'request').at(-1)).toMatchObject({ endpoint: 'authorize', fault: 'f1' });
    await authorize(as, url);
  });

  it.each([
    ['a cimd effect elsewhere', { endpoint: 'token', effect: { kind: 'cimd', problem: 'slow' } }],
    ['another effect at cimd-fetch', { endpoint: 'cimd-fetch', effect: { kind: 'latency', ms: 10 } }],
    ['an unknown problem', { endpoint: 'cimd-fetch', effect: { kind: 'cimd', problem: 'gone' } }],
  ])('%s is refused (400), nothing added', async (_name, spec) => {
    const as = cimdAS();
    const res = await as.req('/control/faults', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(spec) });
    expect(res.status).toBe(400);
    expect(as.realm.faults.size).toBe(0);
  });
});

describe('settings', () => {
  it('CIMD_ALLOW_LOOPBACK takes true or false; the others are bounded numbers', () => {
    expect(resolveConfig(optionsFromEnv({ CIMD_ALLOW_LOOPBACK: 'true' })).cimdAllowLoopback).toBe(true);
    expect(resolveConfig().cimdAllowLoopback).toBe(false);
    expect(() => optionsFromEnv({ CIMD_ALLOW_LOOPBACK: 'yes' })).toThrow(new ConfigError('CIMD_ALLOW_LOOPBACK must be true or false (got "yes")'));
    expect(() => resolveConfig({ cimdTimeoutMs: 0 })).toThrow(ConfigError);
    expect(resolveConfig().cimdTimeoutMs).toBe(5000);
  });
});
