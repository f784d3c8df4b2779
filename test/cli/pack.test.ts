import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runTracked, spawnTracked, type Ran } from '../support/children.js';
import { ROOT, cleanEnv } from './run-cli.js';

/** Runs a command in its own process group (killed when the test or the file ends); throws unless it exits 0. */
async function exec(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number }): Promise<Ran> {
  const r = await runTracked(cmd, args, { cwd: opts.cwd, env: opts.env, timeoutMs: opts.timeout ?? 180_000 });
  if (r.code !== 0) throw Object.assign(new Error(`${cmd} ${args.join(' ')} exited with ${r.code ?? r.signal}:\n${r.stdout}${r.stderr}`), r);
  return r;
}
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const DEV = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
let project: string;

// Packs the package as it would be published and installs it into a fresh project: what a user gets.
// dist/ is what test/global-setup.ts built; --ignore-scripts skips prepack's second build, which
// would rewrite dist/ under the other test files running `node dist/cli.js` meanwhile.
beforeAll(async () => {
  const out = mkdtempSync(join(tmpdir(), 'mots-pack-'));
  await exec(npm, ['pack', '--ignore-scripts', '--pack-destination', out, '--silent'], { cwd: ROOT, env: process.env });
  const tarball = readdirSync(out).find((f) => f.endsWith('.tgz'))!;
  project = mkdtempSync(join(tmpdir(), 'mots-user-'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }));
  // connectWithConsent drives the 1.32 client, an optional peer: a user who calls it installs it too.
  await exec(npm, ['install', join(out, tarball), `@modelcontextprotocol/sdk@${DEV.devDependencies['@modelcontextprotocol/sdk']}`, '--prefer-offline', '--no-audit', '--no-fund', '--silent'], { cwd: project, env: process.env });
}, 240_000);

describe('the packed package', () => {
  it('runs as npx mcp-oauth-test-server: --version, --help, start', async () => {
    const bin = join(project, 'node_modules', '.bin', 'mcp-oauth-test-server');
    const { stdout } = await exec(bin, ['--version'], { cwd: project, env: cleanEnv() });
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const help = await exec(bin, ['--help'], { cwd: project, env: cleanEnv() });
    expect(help.stdout).toContain('scenario <name>');

    const child = spawnTracked(bin, ['start', '--oauth-port', '0', '--mcp-port', '0'], { cwd: project, env: cleanEnv() });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    await expect.poll(() => /\[mcp\] protected MCP server \S+/.test(out), { timeout: 30_000 }).toBe(true);
    const oauthUrl = /\[oauth\] authorization server (\S+)/.exec(out)![1]!;
    expect((await fetch(`${oauthUrl}/.well-known/oauth-authorization-server`)).status).toBe(200);
    // A user's project has no `scenario` npm script: the ready line names the installed command,
    // and that command finds this server (port 0) through the state file of this directory.
    await expect.poll(() => out, { timeout: 30_000 }).toContain('[control] ');
    expect(out).toContain('switches: npx mcp-oauth-test-server scenario --help');
    const state = await exec(bin, ['scenario', 'state'], { cwd: project, env: cleanEnv() });
    expect(state.stdout.split('\n')[0]).toContain(`[scenario] ${oauthUrl} · `);
    expect((await exec(bin, ['scenario', '--help'], { cwd: project, env: cleanEnv() })).stdout).toContain('usage: npx mcp-oauth-test-server scenario <name>');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('exports the vitest fixture at mcp-oauth-test-server/vitest, which runs without vitest installed', async () => {
    const script = join(project, 'fixture.mjs');
    writeFileSync(
      script,
      `import { realmFixture, workerServers } from 'mcp-oauth-test-server/vitest';
let seen;
// A fixture is a plain function of vitest's shape: (context, use) => Promise<void>.
await realmFixture({ ttlSeconds: 60 })({}, async (realm) => {
  seen = { id: realm.id, state: (await realm.control.state()).server, listed: (await workerServers()).realms.size };
});
const servers = await workerServers();
const after = servers.realms.size;
await servers.close();
console.log(JSON.stringify({ ...seen, after }));
`,
    );
    const { stdout } = await exec(process.execPath, [script], { cwd: project, env: cleanEnv(), timeout: 30_000 });
    expect(JSON.parse(stdout)).toEqual({ id: expect.stringMatching(/^[a-z0-9-]+$/), state: 'oauth', listed: 1, after: 0 });
  });

  it('imports as an ES module and drives a full flow from a user script', async () => {
    const script = join(project, 'flow.mjs');
    writeFileSync(
      script,
      `import { startServers, connectWithConsent } from 'mcp-oauth-test-server';
const s = await startServers({ oauthPort: 0, mcpPort: 0 });
const { client } = await connectWithConsent(s.mcpUrl);
const r = await client.callTool({ name: 'add', arguments: { a: 2, b: 40 } });
const state = await s.control.state();
await client.close();
await s.close();
console.log(JSON.stringify({ text: r.content[0].text, tokenCalls: state.counters.tokenCalls }));
`,
    );
    const { stdout } = await exec(process.execPath, [script], { cwd: project, env: cleanEnv(), timeout: 30_000 });
    expect(JSON.parse(stdout)).toEqual({ text: '42', tokenCalls: 1 });
  });

  it('ships type declarations that a strict TypeScript consumer compiles against', async () => {
    writeFileSync(
      join(project, 'check.ts'),
      `import { startServers, ControlClient, type RunningServers, type FaultSpec, type ControlState } from 'mcp-oauth-test-server';
import { realmFixture, type RealmHandle } from 'mcp-oauth-test-server/vitest';
const fixture: (context: object, use: (realm: RealmHandle) => Promise<void>) => Promise<void> = realmFixture({ ttlSeconds: 60 });
void fixture;
const spec: FaultSpec = { endpoint: 'token', effect: { kind: 'latency', ms: 10 } };
async function f(): Promise<ControlState> {
  const s: RunningServers = await startServers({ oauthPort: 0, tokenTtlSeconds: 5 });
  const c: ControlClient = s.control;
  await c.addFault(spec);
  return c.state();
}
void f;
`,
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--types', 'node', '--typeRoots', join(ROOT, 'node_modules', '@types'), 'check.ts'];
    const r = await exec(process.execPath, [tsc, ...args], { cwd: project }).catch((e: { stdout: string }) => ({ stdout: e.stdout, failed: true }));
    expect(r).not.toHaveProperty('failed');
  });
});
