import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { postMcp, toolsCallBody } from '../support/mcp.js';
import { expectOAuthError } from '../support/oauth-error.js';
import { obtainTokens, refreshGrantParams, token, visitAuthorize, register } from '../support/oauth.js';
import { challengeOf, verifier } from '../support/pkce.js';
import { start } from '../support/servers.js';
import { listenResourceServer, type LocalResourceServer } from '../mcp/processes.js';

/** Anything a terminal or a log viewer could take as the end of a line or a control sequence. */
const CONTROLS = /[\x00-\x1f\x7f-\x9f\u2028\u2029]/;
const FORGERIES = ['\r\n[oauth] forged', '\n[oauth] forged', '\u2028[oauth] forged', '\u0085[oauth] forged', '\u001b[2K\r[oauth] forged'];

describe('operator notices carry no raw controls, whatever the authorization server answered', () => {
  let as: http.Server;
  let asUrl: string;
  let description = '';
  const opened: LocalResourceServer[] = [];

  beforeAll(async () => {
    as = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: 'invalid_client', error_description: description })));
    });
    await new Promise<void>((resolve) => as.listen(0, '127.0.0.1', resolve));
    asUrl = `http://127.0.0.1:${(as.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await Promise.all(opened.map((rs) => rs.close()));
    as.closeAllConnections();
    await new Promise<void>((resolve) => as.close(() => resolve()));
  });

  it.each(FORGERIES)('error_description %j: one notice line, no forged one', async (forged) => {
    description = `bad${forged}`;
    const rs = await listenResourceServer(async () => ({ oauthBaseUrl: asUrl }));
    opened.push(rs);
    const res = await postMcp(rs.mcpUrl, toolsCallBody('echo', { message: 'x' }), { Authorization: 'Bearer at_whatever' });
    expect(res.status).toBe(401);
    expect(rs.notices).toHaveLength(1);
    expect(rs.notices[0]).toMatch(/^\[mcp\] introspection at .* failed: authorization server answered 400 invalid_client: bad.*\[oauth\] forged/);
    expect(rs.notices[0]).not.toMatch(CONTROLS);
  });
});

describe('console lines and scopes with controls at /authorize and /token', () => {
  let s: RunningServers;
  const lines: string[] = [];
  beforeAll(async () => {
    s = await start({ log: (l) => lines.push(l) });
  });
  afterAll(() => s?.close());

  it.each(['mcp:read\tmcp:write', 'mcp:read\u0000', 'mcp:read\u007f', 'mcp:read\u0085', 'mcp:read\u2028[oauth] forged', 'mcp:read "x"', 'mcp:read \\x'])(
    '/authorize scope %j -> invalid_scope naming RFC 6749 §3.3; the console line is one line',
    async (scope) => {
      const { client_id } = await register(s.oauthUrl);
      lines.length = 0;
      const v = await visitAuthorize(s.oauthUrl, client_id, challengeOf(verifier()), { scope });
      expect(v.status).toBe(302);
      expect(v.location!.searchParams.get('error')).toBe('invalid_scope');
      expect(v.location!.searchParams.get('error_description')).toMatch(/RFC 6749 §3\.3/);
      expect(lines.length).toBeGreaterThan(0);
      for (const l of lines) expect(l).not.toMatch(CONTROLS);
    },
  );

  it.each(['mcp:read\nmcp:write', 'mcp:read\u0085', 'mcp:read\u2029[oauth] forged'])('/token scope %j -> invalid_scope naming RFC 6749 §3.3; the console line is one line', async (scope) => {
    const { clientId, tokens } = await obtainTokens(s.oauthUrl);
    lines.length = 0;
    const description = await expectOAuthError(await token(s.oauthUrl, refreshGrantParams(clientId, tokens.refresh_token!, { scope })), 400, 'invalid_scope', /RFC 6749 §3\.3/);
    expect(description).not.toMatch(CONTROLS);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).not.toMatch(CONTROLS);
  });
});
