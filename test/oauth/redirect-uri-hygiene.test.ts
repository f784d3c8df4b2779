import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAS, type AS } from '../support/servers.js';
import { authorizeQuery, register } from '../support/oauth.js';
import { challengeOf, verifier } from '../support/pkce.js';
import { expectOAuthError } from '../support/oauth-error.js';
import { snapshot } from '../support/snapshot.js';

let as: AS;
beforeAll(() => {
  as = makeAS();
});
afterAll(() => as.realm.close());

const post = (redirect_uris: unknown[]) =>
  as.req('/register', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ redirect_uris, token_endpoint_auth_method: 'none' }) });

describe('POST /register: redirect URIs a browser or a native app could be fooled by are refused', () => {
  it.each([
    ['a raw CR LF', 'https://app.example/cb\r\nSet-Cookie: x=1', /RFC 3986 §2|RFC 7591 §2/],
    ['a raw LF in the host', 'https://app.exa\nmple/cb', /control/],
    ['a tab', 'https://app.example/c\tb', /control/],
    ['a NUL', 'https://app.example/cb\u0000', /control/],
    ['a DEL', 'https://app.example/cb\u007f', /control/],
    ['a space', 'https://app.example/c b', /space/],
    ['a loopback URI with a space', 'http://127.0.0.1/c b', /space/],
    ['userinfo user:pass', 'https://user:pass@app.example/cb', /userinfo|credentials/],
    ['userinfo user only', 'https://user@app.example/cb', /userinfo|credentials/],
    ['an empty userinfo', 'https://@app.example/cb', /userinfo|credentials/],
    ['loopback with userinfo', 'http://a:b@127.0.0.1/cb', /userinfo|credentials/],
    ['view-source:', 'view-source:https://app.example/cb', /RFC 8252 §7\.1/],
    ['chrome:', 'chrome://settings/', /RFC 8252 §7\.1/],
    ['jar:', 'jar:https://app.example/a.jar!/cb', /RFC 8252 §7\.1/],
    ['a private-use scheme without a period', 'myapp:/cb', /RFC 8252 §7\.1/],
  ])('%s -> invalid_redirect_uri naming the rule', async (_n, uri, rule) => {
    const before = await snapshot(as.realm);
    const description = await expectOAuthError(await post([uri]), 400, 'invalid_redirect_uri', rule);
    // The description quotes the URI as JSON: no raw control reaches the answer.
    expect(description).not.toMatch(/[\x00-\x1f\x7f]/);
    expect(await snapshot(as.realm)).toEqual(before);
  });

  it('a loopback redirect_uri given at /authorize with a raw control does not match (the URL parser would drop it)', async () => {
    const { client_id } = await register(as, { redirect_uris: ['http://127.0.0.1/cb'] });
    const q = authorizeQuery(client_id, challengeOf(verifier()), { redirect_uri: 'http://127.0.0.1:4000/c\nb' });
    const res = await as.req(`/authorize?${q}`, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });
});

describe('/authorize keeps the registered query component exactly (RFC 6749 §3.1.2)', () => {
  it.each([
    ['https://app.example/cb?flag', 'https://app.example/cb?flag&'],
    ['https://app.example/cb?a=1&b=%7E&c', 'https://app.example/cb?a=1&b=%7E&c&'],
    ['https://app.example/cb?x=a+b', 'https://app.example/cb?x=a+b&'],
    ['https://app.example/cb?', 'https://app.example/cb?'],
    ['https://app.example/cb', 'https://app.example/cb?'],
  ])('%s -> Location starts with %s and carries code and state', async (uri, prefix) => {
    const { client_id } = await register(as, { redirect_uris: [uri] });
    const q = authorizeQuery(client_id, challengeOf(verifier()), { redirect_uri: uri });
    const res = await as.req(`/authorize?${q}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = res.headers.get('location')!;
    expect(location.startsWith(prefix), location).toBe(true);
    const params = new URLSearchParams(location.slice(prefix.length));
    expect(params.get('code')).toBeTruthy();
    expect(params.get('state')).toBe('st-1');
  });

  it('an error redirect keeps it too', async () => {
    const uri = 'https://app.example/cb?flag';
    const { client_id } = await register(as, { redirect_uris: [uri] });
    const q = authorizeQuery(client_id, challengeOf(verifier()), { redirect_uri: uri, scope: 'nope' });
    const res = await as.req(`/authorize?${q}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = res.headers.get('location')!;
    expect(location.startsWith(`${uri}&`), location).toBe(true);
    expect(new URLSearchParams(location.slice(uri.length + 1)).get('error')).toBe('invalid_scope');
  });
});
