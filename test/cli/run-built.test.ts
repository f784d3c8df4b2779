import { cpSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE_FLAGS } from '../../src/cli/node-flags.js';
import { runTracked } from '../support/children.js';
import { cleanEnv, ROOT } from './run-cli.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

function* files(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else yield p;
  }
}

describe('the npm scripts run the compiled command line', () => {
  it('start, scenario and certs go through scripts/run-built.mjs; npm install builds dist/ (prepare)', () => {
    // start also hands node the young generation's cap, which V8 reads only when the heap is made.
    expect(pkg.scripts.start).toBe(`node ${NODE_FLAGS.join(' ')} scripts/run-built.mjs start`);
    for (const name of ['scenario', 'certs']) expect(pkg.scripts[name]).toBe(`node scripts/run-built.mjs ${name}`);
    expect(pkg.scripts.prepare).toBe('npm run build');
  });

  it('the bin shebang carries no node flags', () => {
    // `#!/usr/bin/env -S node …` would not start under busybox's env (Alpine) or the BSDs': no -S there.
    expect(readFileSync(join(ROOT, 'src', 'cli.ts'), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it('an edit in src/ is rebuilt before it runs, and says so; an unchanged src/ runs dist/ as it is', async () => {
    // A copy of the repository whose dist/ is newer than its src/, as after npm install.
    const root = mkdtempSync(join(tmpdir(), 'mots-repo-'));
    for (const p of ['src', 'scripts', 'dist', 'package.json', 'tsconfig.json', 'tsconfig.build.json']) cpSync(join(ROOT, p), join(root, p), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
    const past = new Date(Date.now() - 3600_000);
    for (const f of [...files(join(root, 'src')), join(root, 'tsconfig.json'), join(root, 'tsconfig.build.json')]) utimesSync(f, past, past);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const run = () => runTracked(npm, ['run', '--silent', 'certs', '--', '--help'], { cwd: root, env: cleanEnv(), timeoutMs: 120_000 });

    const fresh = await run();
    expect(fresh.code).toBe(0);
    expect(fresh.stderr).toBe('');
    expect(fresh.stdout).toContain('usage: mcp-oauth-test-server certs');

    const certs = join(root, 'src', 'cli', 'certs.ts');
    writeFileSync(certs, readFileSync(certs, 'utf8').replace('usage: mcp-oauth-test-server certs', 'usage (edited): mcp-oauth-test-server certs'));
    const built = statSync(join(root, 'dist', 'cli.js')).mtimeMs;
    const edited = await run();
    expect(edited.code).toBe(0);
    expect(edited.stderr).toContain('[build] src/ changed since dist/ was built: rebuilding (npm run build)');
    expect(edited.stdout).toContain('usage (edited): mcp-oauth-test-server certs');
    expect(statSync(join(root, 'dist', 'cli.js')).mtimeMs).toBeGreaterThan(built);
  }, 180_000);
});
