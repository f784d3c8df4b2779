import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, cleanEnv, runCli, startCli } from '../cli/run-cli.js';
import { runTracked } from '../support/children.js';

/** The fixture is a TypeScript client, not the CLI: it runs under tsx's loader, in a process of its own. */
async function runClient(mcpUrl: string, extraCa: string): Promise<{ code: number | null; out: string }> {
  const r = await runTracked(process.execPath, ['--import', 'tsx', `${ROOT}test/fixtures/https-client.ts`, mcpUrl], {
    cwd: ROOT,
    env: cleanEnv({ NODE_EXTRA_CA_CERTS: extraCa }),
    timeoutMs: 45_000,
  });
  // stderr first: the last line of stdout is the result.
  return { code: r.code, out: r.stderr + r.stdout };
}

describe('HTTPS with the generated certificate', () => {
  it('certs writes a key pair; start finds it; the SDK client completes the flow trusting it', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'mots-tls-'));
    const made = await runCli(['certs'], { cwd });
    expect(made.code).toBe(0);
    const cert = join(cwd, 'certs', 'localhost.pem');
    const key = join(cwd, 'certs', 'localhost-key.pem');
    expect(existsSync(cert)).toBe(true);
    expect(statSync(key).mode & 0o077).toBe(0);

    const s = await startCli([], { cwd, env: { OAUTH_PORT: '0', MCP_PORT: '0' } });
    try {
      expect(s.oauthUrl).toMatch(/^https:\/\/localhost:\d+$/);
      expect(s.mcpUrl).toMatch(/^https:\/\/localhost:\d+\/mcp$/);
      const r = await runClient(s.mcpUrl, cert);
      expect(r.code, r.out).toBe(0);
      const result = JSON.parse(r.out.trim().split('\n').pop()!);
      expect(result.tools).toEqual(['echo', 'add', 'admin-echo', 'whoami']);
      expect(result.echo.content[0].text).toBe('over https');
      // The MCP server introspected over HTTPS, trusting the same certificate.
      expect(JSON.parse(result.whoami.content[0].text).aud).toBe(s.mcpUrl);

      // Without trusting the certificate, a client fails: the server is really serving TLS with it.
      const untrusted = await runClient(s.mcpUrl, '/dev/null');
      expect(untrusted.code).not.toBe(0);

      const state = await runCli(['scenario', 'state'], { cwd, env: { OAUTH_PORT: new URL(s.oauthUrl).port, MCP_PORT: new URL(s.mcpUrl).port } });
      expect(state.code, state.stderr).toBe(0);
      expect(state.stdout).toContain('introspections=');
    } finally {
      expect(await s.stop()).toBe(0);
    }
  });
});
