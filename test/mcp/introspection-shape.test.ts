import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postMcp, toolsCallBody } from '../support/mcp.js';
import { bearerChallenge } from '../support/www-authenticate.js';
import { listenResourceServer, type LocalResourceServer } from './processes.js';

/**
 * An authorization server that answers 200 with a malformed RFC 7662 body: every shape must give the
 * client 401 invalid_token "introspection failed: …", never a 5xx from a type the RS assumed.
 */
describe('a malformed RFC 7662 answer', () => {
  let as: http.Server;
  let asUrl: string;
  let body = '{}';
  let rs: LocalResourceServer;

  beforeAll(async () => {
    as = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/json' }).end(body));
    });
    await new Promise<void>((resolve) => as.listen(0, '127.0.0.1', resolve));
    asUrl = `http://127.0.0.1:${(as.address() as AddressInfo).port}`;
    rs = await listenResourceServer(async () => ({ oauthBaseUrl: asUrl }));
  });
  afterAll(async () => {
    await rs?.close();
    as.closeAllConnections();
    await new Promise<void>((resolve) => as.close(() => resolve()));
  });

  it.each([
    [{ active: true, scope: 42 }, /scope/],
    [{ active: true, scope: ['mcp:read'] }, /scope/],
    [{ active: true, scope: null }, /scope/],
    [{ active: true, client_id: 7 }, /client_id/],
    [{ active: true, sub: { id: 'x' } }, /sub/],
    [{ active: true, aud: 5 }, /aud/],
    [{ active: true, aud: ['ok', 5] }, /aud/],
    [{ active: true, exp: '2030-01-01' }, /exp/],
    [{ active: true, iat: 'yesterday' }, /iat/],
    [{ active: true, iss: false }, /iss/],
    [{ active: true, token_type: 1 }, /token_type/],
    [[{ active: true }], /active/],
    ['active', /active/],
    [null, /active/],
  ])('%j → 401 introspection failed, never 5xx', async (answer, cause) => {
    body = JSON.stringify(answer);
    const res = await postMcp(rs.mcpUrl, toolsCallBody('echo', { message: 'x' }), { Authorization: 'Bearer at_whatever' });
    expect(res.status).toBe(401);
    const p = bearerChallenge(res);
    expect(p.error).toBe('invalid_token');
    expect(p.error_description).toMatch(/^introspection failed: authorization server answered/);
    expect(p.error_description).toMatch(cause);
  });

  it('members RFC 7662 does not name are allowed: a well-formed answer with extras is served', async () => {
    body = JSON.stringify({ active: true, scope: 'mcp:read mcp:write', aud: [rs.server.realm.resource], exp: 4102444800, ext: { any: 1 }, username: 'u' });
    const res = await postMcp(rs.mcpUrl, toolsCallBody('echo', { message: 'x' }), { Authorization: 'Bearer at_whatever' });
    expect(res.status).toBe(200);
  });

  it.each([
    ['no reason', { active: false }, 'the access token is not active: expired, revoked or unknown'],
    ['a reason that is not a string (ignored)', { active: false, mcp_oauth_test_server_inactive_reason: { why: 1 } }, 'the access token is not active: expired, revoked or unknown'],
    ['a reason', { active: false, mcp_oauth_test_server_inactive_reason: 'access token expired at 2030-01-01T00:00:00.000Z (5 s ago)' }, 'access token expired at 2030-01-01T00:00:00.000Z (5 s ago)'],
    ['an overlong reason (cut at 300)', { active: false, mcp_oauth_test_server_inactive_reason: 'y'.repeat(5000) }, `${'y'.repeat(300)}...`],
    ['a reason with characters a header may not carry', { active: false, mcp_oauth_test_server_inactive_reason: 'a "quoted" \\ \u00a7 reason\r\nX-Injected: 1' }, "a 'quoted' / section reason??X-Injected: 1"],
  ])('inactive with %s: 401 invalid_token saying so, in ASCII', async (_n, answer, description) => {
    body = JSON.stringify(answer);
    const res = await postMcp(rs.mcpUrl, toolsCallBody('echo', { message: 'x' }), { Authorization: 'Bearer at_whatever' });
    expect(res.status).toBe(401);
    const p = bearerChallenge(res);
    expect(p.error).toBe('invalid_token');
    expect(p.error_description).toBe(description);
  });
});
