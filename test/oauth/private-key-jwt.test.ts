import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { RunningServers } from '../../src/server.js';
import { start } from '../support/servers.js';
import { REDIRECT, authorize, codeGrantParams, introspect } from '../support/oauth.js';
import { basic, form, jsonPost, sender } from '../support/http.js';
import { expectOAuthError } from '../support/oauth-error.js';
import { snapshot } from '../support/snapshot.js';
import { assertion, assertionParams, clientKey, jwksOf, unsignedAssertion, type ClientKey } from '../support/client-keys.js';
import { SignJWT } from 'jose';

const MACHINE = 'machine-jwt';
const WEB = 'web-jwt';
const SECRET_CLIENT = 'machine-secret';
let s: RunningServers;
let req: ReturnType<typeof sender>;
let es: ClientKey;
let rsa: ClientKey;
let ed: ClientKey;
let ps: ClientKey;
let stranger: ClientKey;
let tokenUrl: string;

beforeAll(async () => {
  [es, rsa, ed, ps, stranger] = await Promise.all([clientKey('ES256'), clientKey('RS256'), clientKey('EdDSA'), clientKey('PS256'), clientKey('ES256')]);
  s = await start({
    clients: [
      { client_id: MACHINE, token_endpoint_auth_method: 'private_key_jwt', grant_types: ['client_credentials'], jwks: jwksOf(es, rsa, ed, ps), scope: 'mcp:read mcp:write' },
      { client_id: WEB, token_endpoint_auth_method: 'private_key_jwt', redirect_uris: [REDIRECT], jwks: jwksOf(es) },
      { client_id: SECRET_CLIENT, token_endpoint_auth_method: 'client_secret_basic', client_secret: 'machine-secret-123', grant_types: ['client_credentials'] },
    ],
  });
  req = sender(s.oauthUrl);
  tokenUrl = `${s.oauthUrl}/token`;
});
afterAll(() => s?.close());

const cc = (jwt: string, extra: Record<string, string> = {}) => req('/token', form({ grant_type: 'client_credentials', ...assertionParams(jwt), ...extra }));
const now = () => Math.floor(Date.now() / 1000);

describe('private_key_jwt: a signed client assertion authenticates (RFC 7523 §2.2)', () => {
  it.each([
    ['ES256, aud = the token endpoint', () => es, () => tokenUrl],
    ['RS256, aud = the issuer', () => rsa, () => s.oauthUrl],
    ['EdDSA (Ed25519)', () => ed, () => tokenUrl],
    ['PS256', () => ps, () => tokenUrl],
  ])('%s', async (_name, key, aud) => {
    const res = await cc(await assertion(key(), MACHINE, aud()));
    expect(res.status, await res.clone().text()).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', scope: 'mcp:read mcp:write' });
    expect(body.refresh_token).toBeUndefined();
  });

  it('an aud array naming the token endpoint, and no kid (each key is tried)', async () => {
    expect((await cc(await assertion(es, MACHINE, tokenUrl, { claims: { aud: ['https://elsewhere.example', tokenUrl] }, header: { kid: undefined } }))).status).toBe(200);
  });

  it('works for the code grant too, and the token is the client\'s', async () => {
    const a = await authorize(s.oauthUrl, WEB);
    const params = codeGrantParams(WEB, a);
    const res = await req('/token', form({ ...params, ...assertionParams(await assertion(es, WEB, tokenUrl)) }));
    expect(res.status, await res.clone().text()).toBe(200);
    const t = (await res.json()) as { access_token: string; refresh_token?: string };
    expect(t.refresh_token).toBeTruthy();
    expect(await introspect({ req, realm: s.realm }, t.access_token)).toMatchObject({ active: true, client_id: WEB });
  });

  it('revokes at /revoke (RFC 7009 §2.1: any client authentication)', async () => {
    const t = (await (await cc(await assertion(es, MACHINE, tokenUrl))).json()) as { access_token: string };
    const res = await req('/revoke', form({ token: t.access_token, ...assertionParams(await assertion(es, MACHINE, tokenUrl)) }));
    expect(res.status).toBe(200);
    expect(await introspect({ req, realm: s.realm }, t.access_token)).toMatchObject({ active: false });
  });

  it('/register takes private_key_jwt with inline jwks: no secret issued, and its assertions work', async () => {
    const key = await clientKey('ES256');
    const res = await req('/register', jsonPost({ redirect_uris: [], grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks: jwksOf(key) }));
    expect(res.status, await res.clone().text()).toBe(201);
    const c = (await res.json()) as Record<string, unknown>;
    expect(c.client_secret).toBeUndefined();
    expect(c).toMatchObject({ token_endpoint_auth_method: 'private_key_jwt', grant_types: ['client_credentials'], jwks: jwksOf(key) });
    expect((await cc(await assertion(key, c.client_id as string, tokenUrl))).status).toBe(200);
  });
});

describe('private_key_jwt: every rule of the assertion refuses with 401 invalid_client, and changes nothing', () => {
  const hs256 = async () =>
    new SignJWT({ iss: MACHINE, sub: MACHINE, aud: tokenUrl, exp: now() + 60, iat: now(), jti: randomUUID() }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('machine-secret-123-machine-secret-123'));
  const cases: Array<[string, () => Promise<Record<string, string>>, RegExp]> = [
    ['wrong iss', async () => assertionParams(await assertion(es, MACHINE, tokenUrl, { claims: { iss: 'someone-else' } })), /sub must equal iss/],
    ['iss and sub of an unknown client', async () => assertionParams(await assertion(es, 'nobody', tokenUrl)), /iss "nobody" is no known client_id/],
    ['sub differs from iss', async () => assertionParams(await assertion(es, MACHINE, tokenUrl, { claims: { sub: 'someone-else' } })), /sub must equal iss/],
    ['no iss', async () => assertionParams(await assertion(es, MACHINE, tokenUrl, { claims: { iss: undefined } })), /iss is required/],
    ['wrong aud', async () => assertionParams(await assertion(es, MACHINE, 'https://other.example/token')), /aud must name this token endpoint or this issuer/],
    ['no aud', async () => assertionParams(await assertion(es, MACHINE, tokenUrl, { claims: { aud: undefined } })), /aud is required/],
    ['expired', async () => assertionParams(await assertion(es, MACHINE, tokenUrl, { now: now() - 600 })), /exp is in the past/],
    ['no exp', async () => assertionParams(await assertion(es, MACHINE, tokenUrl, { claims: { exp: undefined } })), /exp is required/],
    ['lifetime over 300 s', async () => assertionParams(await assertion(es, MACHINE, tokenUrl, { claims: { exp: now() + 3600 } })), /at most 300 s/],
    ['exp far ahead without iat', async () => assertionParams(await assertion(es, MACHINE, tokenUrl, { claims: { exp: now() + 3600, iat: undefined } })), /at most 300 s/],
    ['iat in the future', async () => assertionParams(await assertion(es, MACHINE, tokenUrl, { claims: { iat: now() + 120, exp: now() + 180 } })), /iat is \d+ s in the future/],
    ['nbf in the future', async () => assertionParams(await assertion(es, MACHINE, tokenUrl, { claims: { nbf: now() + 120 } })), /nbf is in the future/],
    ['no jti', async () => assertionParams(await assertion(es, MACHINE, tokenUrl, { claims: { jti: undefined } })), /jti is required/],
    ['a jti of 257 characters', async () => assertionParams(await assertion(es, MACHINE, tokenUrl, { claims: { jti: 'j'.repeat(257) } })), /jti must be a string of 1 to 256/],
    ['bad signature (another key under a known kid)', async () => assertionParams(await assertion({ ...stranger, kid: es.kid }, MACHINE, tokenUrl)), /signature does not verify/],
    ['unknown kid', async () => assertionParams(await assertion(stranger, MACHINE, tokenUrl)), /no key of the client's jwks matches/],
    ['alg none', async () => assertionParams(unsignedAssertion(MACHINE, tokenUrl)), /alg "none" is not accepted/],
    ['HS256 with a secret (client_secret_jwt is not served)', async () => assertionParams(await hs256()), /alg "HS256" is not accepted; sign with one of RS256, ES256, PS256, EdDSA/],
    ['not a JWT', async () => assertionParams('not.a.jwt'), /not a JWT/],
    ['wrong client_assertion_type', async () => ({ client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer', client_assertion: await assertion(es, MACHINE, tokenUrl) }), /client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer/],
    ['client_assertion_type without an assertion', async () => ({ client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' }), /client_assertion is missing/],
    ['client_id in the body differs from iss', async () => ({ ...assertionParams(await assertion(es, MACHINE, tokenUrl)), client_id: WEB }), /client_id in the body differs/],
    ['a client_secret_basic client sends an assertion', async () => assertionParams(await assertion(es, SECRET_CLIENT, tokenUrl)), /registered token_endpoint_auth_method client_secret_basic, not private_key_jwt/],
  ];
  it.each(cases)('%s', async (_name, params, describes) => {
    const body = await params();
    const before = await snapshot(s.realm);
    await expectOAuthError(await req('/token', form({ grant_type: 'client_credentials', ...body })), 401, 'invalid_client', describes);
    expect(await snapshot(s.realm)).toEqual(before);
  });

  it('a replayed jti is refused, with the same assertion or a new one', async () => {
    const jti = randomUUID();
    const jwt = await assertion(es, MACHINE, tokenUrl, { claims: { jti } });
    expect((await cc(jwt)).status).toBe(200);
    const before = await snapshot(s.realm);
    await expectOAuthError(await cc(jwt), 401, 'invalid_client', /jti was already used/);
    await expectOAuthError(await cc(await assertion(rsa, MACHINE, s.oauthUrl, { claims: { jti } })), 401, 'invalid_client', /jti was already used/);
    expect(await snapshot(s.realm)).toEqual(before);
    // Another client may use the same jti: the cache is per client.
    const a = await authorize(s.oauthUrl, WEB);
    expect((await req('/token', form({ ...codeGrantParams(WEB, a), ...assertionParams(await assertion(es, WEB, tokenUrl, { claims: { jti } })) }))).status).toBe(200);
  });

  it('an assertion and a secret together: 400 invalid_request (one method, RFC 6749 §2.3)', async () => {
    const res = await req('/token', form({ grant_type: 'client_credentials', ...assertionParams(await assertion(es, MACHINE, tokenUrl)) }, basic(SECRET_CLIENT, 'machine-secret-123')));
    await expectOAuthError(res, 400, 'invalid_request', /not a client_assertion and a secret together/);
  });

  it('a private_key_jwt client with no assertion, or with a secret, is told to sign one', async () => {
    await expectOAuthError(await req('/token', form({ grant_type: 'client_credentials', client_id: MACHINE })), 401, 'invalid_client', /private_key_jwt.*client_assertion/);
    await expectOAuthError(await req('/token', form({ grant_type: 'client_credentials' }, basic(MACHINE, 'guess'))), 401, 'invalid_client', /private_key_jwt.*not a secret/);
  });

  it('/introspect takes no assertion: it is the resource server\'s (RFC 7662 §2.1)', async () => {
    await expectOAuthError(await req('/introspect', form({ token: 'x', ...assertionParams(await assertion(es, MACHINE, tokenUrl)) })), 401, 'invalid_client', /takes no client assertion/);
  });

  it('after a reset the replay cache is empty, and the pre-registered client is still there', async () => {
    const jwt = await assertion(es, MACHINE, tokenUrl);
    expect((await cc(jwt)).status).toBe(200);
    expect(s.realm.seenJtis.size).toBeGreaterThan(0);
    await s.control.reset();
    expect(s.realm.seenJtis.size).toBe(0);
    expect((await cc(jwt)).status).toBe(200);
  });
});

describe('private_key_jwt in the metadata (RFC 8414 §2)', () => {
  it('advertises the method and its signing algorithms from the policy', async () => {
    const m = (await (await req('/.well-known/oauth-authorization-server')).json()) as Record<string, unknown>;
    expect(m.token_endpoint_auth_methods_supported).toContain('private_key_jwt');
    expect(m.token_endpoint_auth_signing_alg_values_supported).toEqual(['RS256', 'ES256', 'PS256', 'EdDSA']);
    expect(m.revocation_endpoint_auth_signing_alg_values_supported).toEqual(['RS256', 'ES256', 'PS256', 'EdDSA']);
  });

  it('an algorithm the policy drops is neither advertised nor accepted', async () => {
    await s.control.setPolicy({ tokenEndpointAuthSigningAlgs: ['ES256'] });
    try {
      const m = (await (await req('/.well-known/oauth-authorization-server')).json()) as Record<string, unknown>;
      expect(m.token_endpoint_auth_signing_alg_values_supported).toEqual(['ES256']);
      await expectOAuthError(await cc(await assertion(rsa, MACHINE, tokenUrl)), 401, 'invalid_client', /alg "RS256" is not accepted; sign with one of ES256/);
      expect((await cc(await assertion(es, MACHINE, tokenUrl))).status).toBe(200);
    } finally {
      await s.control.reset();
    }
  });
});
