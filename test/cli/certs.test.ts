import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('mcp-oauth-test-server certs', () => {
  it('writes a pair and prints an absolute NODE_EXTRA_CA_CERTS path; keeps an existing pair unless --force', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'mots-certs-'));
    const cert = join(cwd, 'certs', 'localhost.pem');
    const first = await runCli(['certs'], { cwd });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`NODE_EXTRA_CA_CERTS=${cert} `);
    const original = readFileSync(cert, 'utf8');

    // A user may already trust this one: a second run refuses, in one line, and changes nothing.
    const again = await runCli(['certs'], { cwd });
    expect(again.code).toBe(1);
    const lines = again.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`${cert} and ${join(cwd, 'certs', 'localhost-key.pem')} already exist`);
    expect(lines[0]).toContain('certs --force replaces them');
    expect(readFileSync(cert, 'utf8')).toBe(original);

    const forced = await runCli(['certs', '--force'], { cwd });
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain(`[certs] replaced ${cert}`);
    expect(readFileSync(cert, 'utf8')).not.toBe(original);
  });

  it('takes no other flag', async () => {
    const r = await runCli(['certs', '--json'], { cwd: mkdtempSync(join(tmpdir(), 'mots-certs-')) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('certs takes no --json');
  });
});
