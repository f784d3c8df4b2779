import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stateFilePath, type ServerRecord } from '../../src/cli/state-file.js';
import { start } from '../support/servers.js';
import { runTracked } from '../support/children.js';
import { runCli, startCli } from './run-cli.js';

/** A project directory and a runtime directory of its own: no other test's server can be found. */
function place(): { cwd: string; env: Record<string, string>; file: string } {
  const cwd = mkdtempSync(join(tmpdir(), 'mots-here-'));
  const runtime = mkdtempSync(join(tmpdir(), 'mots-run-'));
  const env = { XDG_RUNTIME_DIR: runtime };
  return { cwd, env, file: stateFilePath(cwd, env) };
}

const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at /);

describe('scenario finds the server start left running', () => {
  it('port 0: start records where it listens, scenario reads it and says which URL it talked to', async () => {
    const p = place();
    const s = await startCli(['--oauth-port', '0', '--mcp-port', '0'], p);
    const record = JSON.parse(readFileSync(p.file, 'utf8')) as ServerRecord;
    expect(record).toMatchObject({ pid: s.child.pid, oauthUrl: s.oauthUrl, mcpUrl: s.mcpUrl.replace(/\/mcp$/, ''), tls: false });

    const r = await runCli(['scenario', 'rotate', 'on'], p);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`[scenario] ${s.oauthUrl} · ${s.mcpUrl.replace(/\/mcp$/, '')} (found in ${p.file}, pid ${s.child.pid})`);
    const state = await fetch(`${s.oauthUrl}/control/state`).then((x) => x.json());
    expect(state.switches.rotate).toBe(true);

    expect(await s.stop('SIGTERM')).toBe(0);
    expect(existsSync(p.file)).toBe(false);
  });

  it('expire-access off goes back to the lifetime the server started with (its --token-ttl)', async () => {
    const p = place();
    const s = await startCli(['--oauth-port', '0', '--mcp-port', '0', '--token-ttl', '300'], p);
    expect((await runCli(['scenario', 'expire-access', '5'], p)).code).toBe(0);
    const off = await runCli(['scenario', 'expire-access', 'off'], p);
    expect(off.code).toBe(0);
    expect(off.stdout).toContain('expires-in off (300s, the startup value)');
    expect((await fetch(`${s.oauthUrl}/control/state`).then((x) => x.json())).switches['expires-in']).toBe(300);
    await s.stop();
  });

  it('a port named by a flag or the environment wins over the state file', async () => {
    const p = place();
    const s = await startCli(['--oauth-port', '0', '--mcp-port', '0'], p);
    const other = await start();
    try {
      const r = await runCli(['scenario', 'deny-consent', 'on', '--oauth-port', String(other.ports.oauth), '--mcp-port', String(other.ports.mcp)], p);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`[scenario] ${other.oauthUrl} `);
      expect(r.stdout).toContain('(from --oauth-port)');
      expect((await other.control.state()).switches['deny-consent']).toBe(true);
      expect((await fetch(`${s.oauthUrl}/control/state`).then((x) => x.json())).switches['deny-consent']).toBe(false);
    } finally {
      await other.close();
      await s.stop();
    }
  });

  it('a state file whose pid is dead is ignored', async () => {
    const p = place();
    // A live server, recorded under a pid that no longer runs: scenario must not talk to it.
    const live = await start();
    try {
      const dead = await runTracked(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
      const record: ServerRecord = { pid: Number(dead.stdout), cwd: p.cwd, oauthUrl: live.oauthUrl, mcpUrl: live.mcpUrl.replace(/\/mcp$/, ''), tls: false, startupSwitches: (await live.control.state()).switches, startedAt: new Date().toISOString() };
      writeFileSync(p.file, JSON.stringify(record));
      // .env names ports nothing listens on, so the fallback is seen to be taken (and not some server on 9100).
      writeFileSync(join(p.cwd, '.env'), 'OAUTH_PORT=1\nMCP_PORT=2\n');
      const r = await runCli(['scenario', 'rotate', 'on'], p);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('[scenario] http://localhost:1 · http://localhost:2 (the default ports: no running server recorded for');
      expect((await live.control.state()).switches.rotate).toBe(false);
    } finally {
      await live.close();
    }
  });

  it('with no server running: one clear line on stderr, exit 1, no stack', async () => {
    const p = place();
    writeFileSync(join(p.cwd, '.env'), 'OAUTH_PORT=1\nMCP_PORT=2\n');
    const r = await runCli(['scenario', 'state'], p);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[scenario\] cannot reach http:\/\/localhost:1 \(ECONNREFUSED\).*No server was started here either: start one with npm start, or name its ports/);
    noStack(r.stderr);
  });
});

describe('scenario with a certificate it cannot read', () => {
  it('says which file in one line, exit 1, no stack', async () => {
    const p = place();
    writeFileSync(join(p.cwd, '.env'), 'TLS_CERT_FILE=/nonexistent/cert.pem\nTLS_KEY_FILE=/nonexistent/key.pem\n');
    const r = await runCli(['scenario', 'state'], p);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual(['error: cannot read the certificate to trust, /nonexistent/cert.pem (TLS_CERT_FILE or ./certs): ENOENT']);
  });
});

describe('start refuses two equal ports', () => {
  it('with one line, before binding anything (a port it could not bind is not what it reports)', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const p = place();
      const r = await runCli(['start', '--oauth-port', String(port), '--mcp-port', String(port)], p);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toEqual([`error: OAUTH_PORT (--oauth-port) and MCP_PORT (--mcp-port) are both ${port}: the two servers need two ports (or 0 for any free one)`]);
      expect(r.stdout).toBe('');
      expect(existsSync(p.file)).toBe(false);
    } finally {
      blocker.close();
    }
  });
});
