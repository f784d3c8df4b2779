import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TokenFlaw } from '../../src/faults.js';
import type { RealmHandle, RunningServers } from '../../src/server.js';
import { post } from '../support/control.js';
import { callTool, textOf } from '../support/mcp.js';
import { obtainTokens, revokeToken } from '../support/oauth.js';
import { start } from '../support/servers.js';
import { bearerChallenge } from '../support/www-authenticate.js';

const TTL = 600;

/** Calls the echo tool; on a refusal, checks it is the standard 401 invalid_token and returns its description. */
async function refusal(mcpUrl: string, token: string): Promise<string> {
  const res = await callTool(mcpUrl, token);
  expect(res.status, res.text).toBe(401);
  const challenge = bearerChallenge(new Response(null, { headers: res.headers }));
  expect(challenge.error).toBe('invalid_token');
  return challenge.error_description!;
}

const accepted = async (mcpUrl: string, token: string) => {
  const res = await callTool(mcpUrl, token);
  expect(res.status, res.text).toBe(200);
  expect(textOf(res.json.result)).toContain('hi');
};

/** How many times the MCP server fetched this realm's JWKS so far. */
const jwksFetches = (r: { realm: { events: { since(n?: number): Array<{ type: string; endpoint?: string }> } } }) =>
  r.realm.events.since(0).filter((e) => e.type === 'request' && e.endpoint === 'jwks').length;

const flaw = (flaw: TokenFlaw) => JSON.stringify({ endpoint: 'token', effect: { kind: 'token-flaw', flaw }, times: 1 });

/**
 * MCP_TOKEN_VALIDATION=jwt: the MCP server validates RFC 9068 tokens itself against the JWKS it
 * fetched over HTTP (never the AS's memory), so each token fault is refused with 401 invalid_token
 * naming the rule, while an introspecting MCP server answers as the AS's record says. Created realms
 * give each test a verifier with a cold cache. Real sockets, both servers in one process.
 */
describe('local JWT validation at the MCP server', () => {
  let s: RunningServers;
  let r: RealmHandle;
  const token = async (target = r) => (await obtainTokens(target.issuer, { resource: target.mcpUrl })).tokens.access_token;
  beforeAll(async () => {
    s = await start({ accessTokenFormat: 'jwt', mcpTokenValidation: 'jwt', tokenTtlSeconds: TTL });
  });
  afterAll(() => s.close());
  beforeAll(async () => {
    r = await s.createRealm();
  });
  afterEach(async () => {
    r.delete();
    r = await s.createRealm();
  });

  it('a valid JWT calls the tool; the JWKS is fetched once and then cached', async () => {
    await accepted(r.mcpUrl, await token());
    await accepted(r.mcpUrl, await token());
    expect(jwksFetches(r)).toBe(1);
    await accepted(s.mcpUrl, await token({ issuer: s.oauthUrl, mcpUrl: s.mcpUrl } as RealmHandle));
  });

  it('an opaque token is refused: this server reads JWTs only', async () => {
    await post(r.issuer, '/control/policy', '{"accessTokenFormat":"opaque"}');
    const opaque = await token();
    expect(opaque).toMatch(/^at_/);
    expect(await refusal(r.mcpUrl, opaque)).toMatch(/validates access tokens locally as JWTs .* not a JWT/);
  });

  const reasons: Array<[TokenFlaw, RegExp]> = [
    ['unknown-kid', /signed with key unpublished-\S+, which is not in the JWKS/],
    ['expired', /expired at .* \(exp, RFC 7519 section 4\.1\.4/],
    ['wrong-aud', /is for https:\/\/wrong-audience\.invalid\/mcp, not for this resource/],
    ['alg-none', /unsigned \(alg none\)/],
  ];
  for (const [name, why] of reasons) {
    it(`token fault ${name}: 401 invalid_token naming why`, async () => {
      await accepted(r.mcpUrl, await token());
      expect((await post(r.issuer, '/control/faults', flaw(name))).status).toBe(201);
      expect(await refusal(r.mcpUrl, await token())).toMatch(why);
      // The fault struck once: the next token is good again.
      await accepted(r.mcpUrl, await token());
    });
  }

  it('JWTs signed with the realm key but not RFC 9068 access tokens are refused, each naming the rule', async () => {
    await accepted(r.mcpUrl, await token());
    const signer = await r.realm.keys.signer('RS256');
    const now = r.realm.clock.nowSeconds();
    const good = { iss: r.issuer, sub: 'test-user', aud: r.mcpUrl, client_id: 'c', scope: 'mcp:read', iat: now, exp: now + 60, jti: 'j1' };
    const sign = (claims: Record<string, unknown>, typ = 'at+jwt') => new SignJWT(claims).setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ }).sign(signer.key);
    await accepted(r.mcpUrl, await sign(good));
    expect(await refusal(r.mcpUrl, await sign(good, 'JWT'))).toMatch(/typ is JWT, not at\+jwt: not an access token \(RFC 9068 section 2\.1/);
    expect(await refusal(r.mcpUrl, await sign({ ...good, iss: 'http://elsewhere.example' }))).toMatch(/iss http:\/\/elsewhere\.example is not this server's authorization server/);
    const { client_id: _omitted, ...noClient } = good;
    expect(await refusal(r.mcpUrl, await sign(noClient))).toMatch(/client_id claim is refused: missing \(RFC 9068 section 2\.2/);
    expect(await refusal(r.mcpUrl, await sign({ ...good, nbf: now + 3600 }))).toMatch(/not valid yet \(nbf/);
    const [h, p] = (await sign(good)).split('.');
    expect(await refusal(r.mcpUrl, `${h}.${p}.AAAA`)).toMatch(/signature does not verify/);
    expect(await refusal(r.mcpUrl, 'a.b.c')).toMatch(/not a JWT/);
  });

  it('the JWKS unreachable (dropped, or a 500): 401 invalid_token saying the JWKS could not be fetched', async () => {
    await post(r.issuer, '/control/faults', JSON.stringify({ endpoint: 'jwks', effect: { kind: 'drop' }, times: 1 }));
    expect(await refusal(r.mcpUrl, await token())).toMatch(/the JWKS could not be fetched: GET .*\/jwks failed/);
    await post(r.issuer, '/control/faults', JSON.stringify({ endpoint: 'jwks', effect: { kind: 'status', status: 500, body: 'boom' }, times: 1 }));
    expect(await refusal(r.mcpUrl, await token())).toMatch(/the JWKS could not be fetched: GET .*\/jwks answered 500/);
    // Back: the next request fetches it again.
    await accepted(r.mcpUrl, await token());
  });

  it('a stale JWKS (the new key missing): the token it signed is refused for its unknown kid', async () => {
    await post(r.issuer, '/control/keys/rotate', '{"publishAheadSeconds":0}');
    await post(r.issuer, '/control/faults', JSON.stringify({ endpoint: 'jwks', effect: { kind: 'stale-jwks' } }));
    expect(await refusal(r.mcpUrl, await token())).toMatch(/which is not in the JWKS/);
  });

  it('an unknown kid refetches the JWKS once (concurrent requests share it), then not again within the cooldown', async () => {
    await accepted(r.mcpUrl, await token());
    expect(jwksFetches(r)).toBe(1);
    // A rotation that signs at once, after the cooldown: the cached set lacks the new kid, one refetch finds it.
    await post(r.issuer, '/control/keys/rotate', '{"publishAheadSeconds":0}');
    await post(r.issuer, '/control/clock', '{"advance":10}');
    const fresh = await token();
    await Promise.all([1, 2, 3, 4, 5].map(() => accepted(r.mcpUrl, fresh)));
    expect(jwksFetches(r)).toBe(2);
    // A kid no JWKS holds, right after: within the cooldown, no fetch.
    await post(r.issuer, '/control/faults', flaw('unknown-kid'));
    const rogue = await token();
    expect(await refusal(r.mcpUrl, rogue)).toMatch(/refetches it at most every 10 s/);
    expect(jwksFetches(r)).toBe(2);
    // After it: exactly one more fetch for any number of requests, still refused.
    await post(r.issuer, '/control/clock', '{"advance":10}');
    await Promise.all([1, 2, 3].map(() => refusal(r.mcpUrl, rogue)));
    expect(jwksFetches(r)).toBe(3);
  });

  it('a revoked JWT stays valid here until it expires (no introspection: the documented consequence)', async () => {
    const { clientId, tokens } = await obtainTokens(r.issuer, { resource: r.mcpUrl });
    await accepted(r.mcpUrl, tokens.access_token);
    await revokeToken(r.issuer, clientId, tokens.access_token);
    await accepted(r.mcpUrl, tokens.access_token);
    // Within the bounded clock skew (60 s) past exp it still passes; beyond, it is refused as expired.
    await post(r.issuer, '/control/clock', JSON.stringify({ advance: TTL + 30 }));
    await accepted(r.mcpUrl, tokens.access_token);
    await post(r.issuer, '/control/clock', '{"advance":31}');
    expect(await refusal(r.mcpUrl, tokens.access_token)).toMatch(/expired at/);
  });
});

/** The same faults before an MCP server that introspects: it is told what the AS recorded. */
describe('token faults at an introspecting MCP server', () => {
  let s: RunningServers;
  beforeAll(async () => {
    s = await start({ accessTokenFormat: 'jwt', tokenTtlSeconds: TTL });
  });
  afterAll(() => s.close());

  const cases: Array<[TokenFlaw, RegExp | 'accepted']> = [
    // Signed with another key or none at all, the token is still the one the AS issued and recorded.
    ['unknown-kid', 'accepted'],
    ['alg-none', 'accepted'],
    ['expired', /expired/],
    ['wrong-aud', /wrong-audience\.invalid.*not for this resource/],
  ];
  for (const [name, expected] of cases) {
    it(`${name}: ${expected === 'accepted' ? 'accepted (the AS\'s record is active)' : 'refused as the record says'}`, async () => {
      await post(s.oauthUrl, '/control/faults', flaw(name));
      const t = (await obtainTokens(s.oauthUrl, { resource: s.mcpUrl })).tokens.access_token;
      if (expected === 'accepted') await accepted(s.mcpUrl, t);
      else expect(await refusal(s.mcpUrl, t)).toMatch(expected);
    });
  }

  it('each flaw fault names the standard it breaks; misplaced or unknown ones are refused (400) and nothing is added', async () => {
    const added = await post(s.oauthUrl, '/control/faults', flaw('alg-none'));
    expect(added.json.fault.breaks).toMatch(/RFC 7519 §6 \/ RFC 8725 §3\.1/);
    await s.control.clearFaults();
    const bad = [
      { endpoint: 'mcp', effect: { kind: 'token-flaw', flaw: 'expired' } },
      { endpoint: 'token', effect: { kind: 'token-flaw', flaw: 'forged' } },
      { endpoint: 'token', effect: { kind: 'stale-jwks' } },
      { endpoint: 'jwks', effect: { kind: 'token-flaw', flaw: 'expired' } },
    ];
    for (const spec of bad) {
      const r = await post(s.oauthUrl, '/control/faults', JSON.stringify(spec));
      expect(r.status, JSON.stringify(spec)).toBe(400);
      expect(r.json.error_description).toMatch(/token-flaw|stale-jwks|flaw/);
    }
    expect((await s.control.faults()).faults).toEqual([]);
  });

  it('a revoked JWT is refused at once: introspection asks the AS every time', async () => {
    const { clientId, tokens } = await obtainTokens(s.oauthUrl, { resource: s.mcpUrl });
    await accepted(s.mcpUrl, tokens.access_token);
    await revokeToken(s.oauthUrl, clientId, tokens.access_token);
    expect(await refusal(s.mcpUrl, tokens.access_token)).toMatch(/revoked/);
  });
});
