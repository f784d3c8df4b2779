import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli } from './run-cli.js';

const PORTS0 = { OAUTH_PORT: '0', MCP_PORT: '0' };

describe('mcp-oauth-test-server start', () => {
  it('prints the ready lines with the real URLs, serves, and stops cleanly on SIGTERM', async () => {
    const s = await startCli([], { env: PORTS0 });
    expect(s.oauthUrl).toMatch(/^http:\/\/localhost:\d+$/);
    expect(s.mcpUrl).toMatch(/^http:\/\/localhost:\d+\/mcp$/);
    expect(s.output()).toContain('/control/state');
    const meta = await fetch(`${s.oauthUrl}/.well-known/oauth-authorization-server`).then((r) => r.json());
    expect(meta.issuer).toBe(s.oauthUrl);
    expect(await s.stop('SIGTERM')).toBe(0);
    await expect(fetch(`${s.oauthUrl}/.well-known/oauth-authorization-server`)).rejects.toThrow();
  });

  it('lets an in-flight request finish on SIGINT, then exits 0', async () => {
    const s = await startCli([], { env: PORTS0 });
    // 2 s of latency: well inside the 3 s shutdown grace, and long enough that SIGINT surely lands first.
    await fetch(`${s.oauthUrl}/control/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'slow', endpoint: 'as-metadata', effect: { kind: 'latency', ms: 2000 } }),
    });
    let answered = false;
    const inFlight = fetch(`${s.oauthUrl}/.well-known/oauth-authorization-server`).finally(() => (answered = true));
    // In flight means the server is handling it: the fault has struck (not merely "sent 200 ms ago").
    const hits = async () => ((await fetch(`${s.oauthUrl}/control/faults`).then((r) => r.json())) as { faults: Array<{ hits: number }> }).faults[0]!.hits;
    await expect.poll(hits, { timeout: 30_000 }).toBe(1);
    const code = s.stop('SIGINT');
    expect(answered).toBe(false);
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await code).toBe(0);
  });

  it('flags win over the environment, which wins over .env', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'mots-env-'));
    writeFileSync(join(cwd, '.env'), 'TOKEN_TTL_SECONDS=100\nSCOPES="a b"\n');
    const ttl = async (args: string[], env: Record<string, string>) => {
      const s = await startCli(args, { cwd, env: { ...PORTS0, ...env } });
      try {
        const state = await fetch(`${s.oauthUrl}/control/state`).then((r) => r.json());
        const meta = await fetch(`${s.oauthUrl}/.well-known/oauth-authorization-server`).then((r) => r.json());
        return [state.switches['expires-in'], meta.scopes_supported.join(' ')];
      } finally {
        await s.stop();
      }
    };
    expect(await ttl([], {})).toEqual([100, 'a b']);
    expect(await ttl([], { TOKEN_TTL_SECONDS: '200' })).toEqual([200, 'a b']);
    expect(await ttl(['--token-ttl', '300', '--scopes', 'x'], { TOKEN_TTL_SECONDS: '200' })).toEqual([300, 'x']);
  });

  it('refuses a port in use with one line naming the variable and the flag, exit 1', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const r = await runCli(['start'], { env: { OAUTH_PORT: String(port), MCP_PORT: '0' } });
      expect(r.code).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`port ${port}`);
      expect(lines[0]).toContain('OAUTH_PORT');
      expect(lines[0]).toContain('--oauth-port');
    } finally {
      blocker.close();
    }
  });

  it.each([
    [{ OAUTH_PORT: 'abc' }, 'OAUTH_PORT must be an integer from 0 to 65535 (got "abc")'],
    [{ TOKEN_TTL_SECONDS: '-1' }, 'TOKEN_TTL_SECONDS must be a positive whole number (got "-1")'],
    [{ OAUTH_BASE_URL: 'not a url' }, 'OAUTH_BASE_URL must be an absolute http(s) URL'],
    [{ TLS_CERT_FILE: '/nonexistent/cert.pem', TLS_KEY_FILE: '/nonexistent/key.pem' }, 'cannot read TLS_CERT_FILE /nonexistent/cert.pem'],
  ])('stops on bad configuration %o with one clear line, exit 1', async (env, message) => {
    const r = await runCli(['start'], { env: { ...PORTS0, ...env } });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('names the flag when a flag value is bad', async () => {
    const r = await runCli(['start', '--mcp-port', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--mcp-port (MCP_PORT) must be an integer');
  });

  it('--help lists the flags; --version prints the package version', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const flag of ['--oauth-port', '--mcp-port', '--host', '--token-ttl', '--scopes', '--seed-refresh-token', '--oauth-base-url', '--mcp-base-url']) {
      expect(help.stdout).toContain(flag);
    }
    const version = await runCli(['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
