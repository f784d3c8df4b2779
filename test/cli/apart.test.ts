import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { connectWithConsent } from '../../src/testing/connect.js';
import { HeadlessOAuthProvider } from '../../src/testing/headless-provider.js';
import { get } from '../support/control.js';
import { textOf } from '../support/mcp.js';
import { runCli, startCli } from './run-cli.js';

interface Alone {
  /** The URL its first ready line names: the issuer, or the /mcp endpoint. */
  url: string;
  output: () => string;
  stop: () => Promise<number | null>;
}

/** `start --only <server>` as a child process, ready once its [control] line is out. */
async function startAlone(only: 'oauth' | 'mcp', env: Record<string, string>): Promise<Alone> {
  const s = await startCli(['--only', only], { env, only });
  return { url: only === 'oauth' ? s.oauthUrl : s.mcpUrl, output: s.output, stop: () => s.stop() };
}

describe('start --only: the servers in two processes', () => {
  it('an --only oauth and an --only mcp process: the official SDK client completes OAuth and calls tools across them; each control plane answers', async () => {
    const secret = randomBytes(24).toString('base64url');
    const as = await startAlone('oauth', { OAUTH_PORT: '0', INTROSPECTION_CLIENT_SECRET: secret });
    expect(as.url).toMatch(/^http:\/\/localhost:\d+$/);
    // Ready lines say what runs here and what the other side needs.
    expect(as.output()).toContain('[oauth] alone (--only oauth): no MCP server here');
    expect(as.output()).not.toContain('[mcp] protected MCP server');
    expect((await fetch(`${as.url}/.well-known/oauth-authorization-server`).then((r) => r.json())).issuer).toBe(as.url);

    const rs = await startAlone('mcp', { MCP_PORT: '0', OAUTH_BASE_URL: as.url, INTROSPECTION_CLIENT_SECRET: secret });
    expect(rs.url).toMatch(/^http:\/\/localhost:\d+\/mcp$/);
    expect(rs.output()).toContain(`[mcp] alone (--only mcp): trusts the authorization server ${as.url}; introspects at ${as.url}/introspect as mcp-resource-server`);
    expect(rs.output()).not.toContain('[oauth] authorization server');
    const mcpBase = rs.url.replace(/\/mcp$/, '');

    const c = await connectWithConsent(rs.url, new HeadlessOAuthProvider());
    try {
      expect(c.provider.authorizations).toBe(1);
      expect(c.provider.lastRedirect!.searchParams.get('iss')).toBe(as.url);
      expect(textOf(await c.client.callTool({ name: 'echo', arguments: { message: 'apart' } }))).toBe('apart');
    } finally {
      await c.client.close();
    }

    // Each process has its own control plane; the token was issued by one and checked by the other.
    const asState = await get(as.url, '/control/state');
    const rsState = await get(mcpBase, '/control/state');
    expect(asState.status).toBe(200);
    expect(rsState.status).toBe(200);
    expect(asState.json.counters.introspections).toBeGreaterThan(0);
    expect(asState.json.counters.toolCalls).toBe(0);
    expect(rsState.json.counters.toolCalls).toBe(1);
    expect(rsState.json.counters.tokenCalls).toBe(0);
    // The startup check of OAUTH_BASE_URL ran before the client's discovery, and found the AS answering.
    expect(rs.output()).not.toContain('[warn]');
    // walk crosses the two processes as well.
    const walked = await runCli(['walk', '--mcp-url', rs.url]);
    expect(walked.code, walked.stdout).toBe(0);
    expect(walked.stdout).toContain(`ok: authorization server ${as.url}`);

    // Another MCP server with the wrong secret: its startup check says so at once, in one line.
    const wrong = await startAlone('mcp', { MCP_PORT: '0', OAUTH_BASE_URL: as.url, INTROSPECTION_CLIENT_SECRET: 'not-the-secret' });
    await expect.poll(() => wrong.output().match(/^\[warn\].*$/gm) ?? [], { timeout: 15_000 }).toEqual([
      `[warn] introspection at ${as.url}/introspect failed: authorization server answered 401 invalid_client: wrong credentials for the resource server client. Set the same INTROSPECTION_CLIENT_ID/SECRET on both servers`,
    ]);
    expect(await wrong.stop()).toBe(0);

    expect(await rs.stop()).toBe(0);
    expect(await as.stop()).toBe(0);
  });

  it('--only mcp whose OAUTH_BASE_URL does not answer starts, and one [warn] line says so', async () => {
    const rs = await startAlone('mcp', { MCP_PORT: '0', OAUTH_BASE_URL: 'http://127.0.0.1:1', INTROSPECTION_CLIENT_SECRET: 'x' });
    await expect.poll(() => rs.output().match(/^\[warn\].*$/gm) ?? [], { timeout: 15_000 }).toHaveLength(1);
    expect(rs.output()).toMatch(/\[warn\] OAUTH_BASE_URL http:\/\/127\.0\.0\.1:1 does not answer GET http:\/\/127\.0\.0\.1:1\/\.well-known\/oauth-authorization-server: .*ECONNREFUSED.*every MCP call answers 401 "introspection failed"/);
    expect(await rs.stop()).toBe(0);
  });

  it.each([
    [['--only', 'oauth'], {}, 'ONLY=oauth (--only oauth) needs INTROSPECTION_CLIENT_SECRET, set to the same value on both servers, e.g. INTROSPECTION_CLIENT_SECRET=$(openssl rand -hex 16)'],
    [['--only', 'mcp'], { INTROSPECTION_CLIENT_SECRET: 'x' }, 'ONLY=mcp (--only mcp) needs OAUTH_BASE_URL (--oauth-base-url): the issuer of the running authorization server, e.g. http://localhost:9100'],
    [['--only', 'both'], {}, '--only (ONLY) must be oauth or mcp (got "both")'],
    [[], { ONLY: 'as' }, 'ONLY must be oauth or mcp (got "as")'],
  ])('start %j %j is refused with one line, exit 1', async (args, env, line) => {
    const r = await runCli(['start', ...args], { env: { OAUTH_PORT: '0', MCP_PORT: '0', ...env } });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([`error: ${line}`]);
  });
});
