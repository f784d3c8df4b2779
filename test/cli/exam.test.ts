import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServers, type RunningServers } from '../../src/server.js';
import { runSession } from '../fixtures/exam-clients/session-client.js';
import { isGone, killGroup, spawnTracked } from '../support/children.js';
import { CLI, cleanEnv, portsEnv, ROOT, runCli } from './run-cli.js';

const CLIENT = `${process.execPath} --import tsx ${ROOT}test/fixtures/exam-clients/session-client.ts`;

let servers: RunningServers;
let env: Record<string, string>;

beforeAll(async () => {
  servers = await startServers({ host: '127.0.0.1', oauthPort: 0, mcpPort: 0 });
  env = portsEnv(servers);
});
afterAll(() => servers?.close());

describe('exam --client-command: the built CLI runs a client once per probe against a server the test started', () => {
  it('a correct client: every probe SUCCESS, a line each and the table, JUnit with no failure, exit 0', async () => {
    const junit = join(mkdtempSync(join(tmpdir(), 'exam-')), 'exam.xml');
    const r = await runCli(['exam', '--probes', 'iss-wrong,state-altered,token-503', '--client-command', CLIENT, '--junit', junit], { env, timeoutMs: 120_000 });
    expect(r.stderr).not.toMatch(/Error|at \S+:\d+/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\[exam\] iss-wrong\s+SUCCESS\s+sep-2468-client-compare-iss-supported — it refused the response whose iss named another issuer and started a new authorization \(client exited 0\)/);
    expect(r.stdout).toMatch(/\[exam\] state-altered\s+SUCCESS\s+state-mismatch-rejected/);
    expect(r.stdout).toMatch(/\[exam\] token-503\s+SUCCESS\s+token-503-backoff — it retried after \d+ ms, past the Retry-After/);
    expect(r.stdout).toMatch(/probe\s+status\s+check\s+spec/);
    expect(r.stdout).toContain('[exam] 3 probe(s): 3 success, 0 warning, 0 failure, 0 skipped');
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('tests="3" failures="0" skipped="0"');
    expect(xml.match(/<testcase /g)).toHaveLength(3);
    // It leaves the server as it found it: nothing armed, nothing kept from the runs.
    expect((await servers.control.examResults()).probes).toEqual([]);
    expect((await servers.control.faults()).faults).toEqual([]);
  });

  it('a client that does not check iss: that probe FAILURE, the other SUCCESS, exit 1', async () => {
    const r = await runCli(['exam', '--probes', 'iss-wrong,state-altered', '--client-command', `${CLIENT} --defect iss-wrong`], { env, timeoutMs: 120_000 });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/\[exam\] iss-wrong\s+FAILURE\s+sep-2468-client-compare-iss-supported — it presented the code of the authorization response whose iss named another issuer at \/token/);
    expect(r.stdout).toMatch(/\[exam\] state-altered\s+SUCCESS/);
    expect(r.stdout).toContain('[exam] 2 probe(s): 1 success, 0 warning, 1 failure, 0 skipped');
  });

  it('a client that never exits is stopped after --timeout-seconds, its process group with it; the probe it never met is SKIPPED', async () => {
    const pidFile = join(mkdtempSync(join(tmpdir(), 'exam-')), 'pid');
    const hang = `${process.execPath} -e "require('fs').writeFileSync('${pidFile}', String(process.pid)); setInterval(() => {}, 1000)"`;
    const r = await runCli(['exam', '--probes', 'iss-wrong', '--client-command', hang, '--timeout-seconds', '1'], { env, timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expect(isGone(Number(readFileSync(pidFile, 'utf8')))).toBe(true);
    expect(r.stdout).toMatch(/\[exam\] iss-wrong\s+SKIPPED\s+sep-2468-client-compare-iss-supported — the client never sent an authorization request after the probe was armed \(client stopped after 1 s\)/);
  });
});

describe('exam --client-command with no server running here', () => {
  it('starts servers of its own on free ports for the run, and says so', async () => {
    // .env names ports nothing listens on; it does not count as naming a server (scenario's rule), so exam starts its own.
    const cwd = mkdtempSync(join(tmpdir(), 'exam-alone-'));
    writeFileSync(join(cwd, '.env'), 'OAUTH_PORT=1\nMCP_PORT=2\n');
    const client = `${process.execPath} --import ${import.meta.resolve('tsx')} ${ROOT}test/fixtures/exam-clients/session-client.ts`;
    const r = await runCli(['exam', '--probes', 'state-altered', '--client-command', client], { cwd, timeoutMs: 120_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\[exam\] http:\/\/localhost:\d+ · http:\/\/localhost:\d+\/mcp \(no server running here: started its own for this run\)/);
    expect(r.stdout).toMatch(/\[exam\] state-altered\s+SUCCESS/);
  });

  it('without a command it does not: exit 1, saying how to start one', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'exam-alone-'));
    writeFileSync(join(cwd, '.env'), 'OAUTH_PORT=1\nMCP_PORT=2\n');
    const r = await runCli(['exam', '--probes', 'iss-wrong'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot reach http:\/\/localhost:1 .*Start a server first \(npm start\), or give --client-command/);
  });
});

describe('exam without a command: arms the probes, says what to do, prints grades as they come', () => {
  it('the user drives a client; the grade prints and the command ends once every probe is graded, exit 0', async () => {
    const child = spawnTracked(process.execPath, [CLI, 'exam', '--probes', 'iss-wrong', '--timeout-seconds', '60'], { cwd: ROOT, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await new Promise<void>((resolve, reject) => {
      const check = () => (out.includes('grades follow as they come') ? resolve() : undefined);
      child.stdout!.on('data', check);
      child.on('exit', () => reject(new Error(`exam exited before arming:\n${out}`)));
    });
    expect(out).toContain('start the authorization flow (connect from nothing)');
    expect(out).toContain('armed: the next /authorize redirect carries iss=https://wrong-issuer.invalid');
    await runSession(servers.mcpUrl, 'none');
    const code = await exited;
    expect(code, out).toBe(0);
    expect(out).toMatch(/\[exam\] iss-wrong\s+SUCCESS\s+sep-2468-client-compare-iss-supported/);
    killGroup(child.pid!);
    await servers.control.reset();
  });
});

describe('exam usage', () => {
  it.each([
    [['exam', '--probes', 'iss-wrnog'], 'unknown probe "iss-wrnog"; did you mean "iss-wrong"?'],
    [['exam', '--probes', 'iss-wrong,iss-wrong'], 'probe iss-wrong is listed twice'],
    [['exam', '--timeout-seconds', '0'], '--timeout-seconds takes a whole number of seconds from 1 to 86400'],
    [['exam', 'now'], 'exam takes no arguments'],
  ])('%j exits 2 naming the mistake', async (args, message) => {
    const r = await runCli(args, { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('--help lists every probe', async () => {
    const r = await runCli(['exam', '--help']);
    expect(r.code).toBe(0);
    for (const id of ['iss-wrong', 'prm-resource-mismatch', 'step-up-scope', 'token-503']) expect(r.stdout).toContain(id);
  });
});
