import { createHash } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { start } from '../support/servers.js';
import { runCli } from './run-cli.js';

/** What the CLI prints for each step, by its number. */
const stepHeaders = (out: string) => [...out.matchAll(/^\[walk\] (\d)\/8 /gm)].map((m) => Number(m[1]));

describe('mcp-oauth-test-server walk', () => {
  let servers: RunningServers;
  beforeAll(async () => {
    servers = await start();
  });
  afterAll(() => servers?.close());

  it('walks the whole chain against running servers, printing each exchange and its curl, exit 0', async () => {
    const before = (await servers.control.state()).counters;
    const r = await runCli(['walk', '--mcp-url', servers.mcpUrl]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const out = r.stdout;
    expect(stepHeaders(out)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(out.match(/^ {2}ok: /gm)).toHaveLength(8);
    expect(out).toContain(`the whole chain works: 401 -> metadata -> registration -> PKCE -> token -> tool call (${servers.mcpUrl})`);

    // Requests and answers as a reader wants them: method and URL, the headers that matter, pretty JSON.
    expect(out).toContain(`  > POST ${servers.mcpUrl}\n`);
    expect(out).toContain('  < 401 Unauthorized\n');
    expect(out).toMatch(/< www-authenticate: Bearer .*resource_metadata="[^"]+\/\.well-known\/oauth-protected-resource\/mcp"/);
    expect(out).toContain(`  > GET ${new URL(servers.oauthUrl).origin}/.well-known/oauth-authorization-server\n`);
    expect(out).toContain('<     "code_challenge_methods_supported": [\n');
    expect(out).toMatch(/< location: http:\/\/127\.0\.0\.1:53682\/callback\?code=ac_\S+\.\.\.\S+ \(\d+ chars\)&state=/);
    expect(out).toContain(`ok: code `);
    expect(out).toContain(`iss ${servers.oauthUrl}`);

    // Secrets are shortened wherever they are shown: no whole token or code in the output.
    expect(out).not.toMatch(/\b(at|rt|ac)_[\w-]{24,}/);
    expect(out).toMatch(/"access_token": "at_[\w-]{3}\.\.\.[\w-]{4} \(\d+ chars\)"/);
    expect(out).toMatch(/> Authorization: Bearer at_[\w-]{3}\.\.\.[\w-]{4} \(\d+ chars\)/);

    // The PKCE pair is printed whole: the challenge is the S256 of the verifier.
    const verifier = /code_verifier {2}(\S+)/.exec(out)![1]!;
    const challenge = /code_challenge (\S+)/.exec(out)![1]!;
    expect(challenge).toBe(createHash('sha256').update(verifier).digest('base64url'));
    expect(out).toContain(`$ CODE_VERIFIER='${verifier}'`);

    // Every step has its curl; /mcp ones send the Accept header Streamable HTTP requires.
    const curls = out.match(/^ {2}\$ .*$/gm)!;
    expect(curls.filter((l) => l.includes('curl '))).toHaveLength(8);
    const mcpCurls = curls.filter((l) => l.includes(`'${servers.mcpUrl}'`) && l.includes('-X POST'));
    expect(mcpCurls).toHaveLength(3);
    for (const l of mcpCurls) expect(l).toContain(`-H 'Accept: application/json, text/event-stream'`);
    expect(mcpCurls.slice(1).every((l) => l.includes('-H "Authorization: Bearer $ACCESS_TOKEN"'))).toBe(true);
    expect(curls.some((l) => l.includes('ACCESS_TOKEN=$(curl') && l.includes('-d "code_verifier=$CODE_VERIFIER"'))).toBe(true);

    // It really went through the server: one registration, one code grant, one tool call.
    const after = (await servers.control.state()).counters;
    expect(after.registrations - before.registrations).toBe(1);
    expect(after.tokenCalls - before.tokenCalls).toBe(1);
    expect(after.toolCalls - before.toolCalls).toBe(1);
  });

  it('deny-consent: fails at step 5 naming the error the redirect carried, exit 1', async () => {
    await servers.control.denyConsent(true);
    try {
      const r = await runCli(['walk', '--mcp-url', servers.mcpUrl]);
      expect(r.code).toBe(1);
      expect(stepHeaders(r.stdout)).toEqual([1, 2, 3, 4, 5]);
      expect(r.stdout).toMatch(/\[walk\] failed at step 5\/8 \(authorization\): the authorization server redirected with error=access_denied \(.+\)$/m);
      expect(r.stderr).toBe('');
    } finally {
      await servers.control.denyConsent(false);
    }
  });

  it('a /token fault: fails at step 6 with the error the token endpoint gave, exit 1', async () => {
    const fault = await servers.control.addFault({ endpoint: 'token', effect: { kind: 'oauth-error', error: 'invalid_grant', description: 'injected by the walk test' } });
    try {
      const r = await runCli(['walk', '--mcp-url', servers.mcpUrl]);
      expect(r.code).toBe(1);
      expect(stepHeaders(r.stdout)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(r.stdout).toContain('[walk] failed at step 6/8 (token): the token endpoint answered 400: invalid_grant (injected by the walk test), expected 200');
    } finally {
      await servers.control.removeFault(fault.id);
    }
  });

  it('nothing listening: fails at step 1 saying it cannot reach the server, exit 1', async () => {
    // A port that was free a moment ago (fetch refuses port 1 outright, as a browser would).
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const r = await runCli(['walk', '--mcp-url', `http://127.0.0.1:${port}/mcp`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`[walk] failed at step 1/8 (unauthenticated /mcp): cannot reach http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}. Is the server running there?`);
    expect(r.stderr).toBe('');
  });

  it.each([
    [['walk', '--mcp', 'x'], 'walk knows only --mcp-url (got --mcp)'],
    [['walk', '--mcp-url', 'not a url'], '--mcp-url must be an absolute URL such as http://localhost:9101/mcp (got "not a url")'],
    [['walk', 'extra'], 'walk takes no arguments (got extra)'],
  ])('%j is a usage error, exit 2', async (args, line) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`error: ${line}`);
  });

  it('--help explains the steps', async () => {
    const r = await runCli(['walk', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('usage: mcp-oauth-test-server walk [--mcp-url URL]');
  });
});
