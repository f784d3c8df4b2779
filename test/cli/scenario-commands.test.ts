import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETTINGS } from '../../src/config.js';
import type { RunningServers } from '../../src/server.js';
import { spawnTracked } from '../support/children.js';
import { refreshGrant, register } from '../support/oauth.js';
import { start } from '../support/servers.js';
import { CLI, cleanEnv, portsEnv, ROOT, runCli } from './run-cli.js';

let servers: RunningServers;
let env: Record<string, string>;
const scenario = (...args: string[]) => runCli(['scenario', ...args], { env });
const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at /);

beforeAll(async () => {
  servers = await start({ tokenTtlSeconds: 1200 });
  env = portsEnv(servers);
});
afterAll(() => servers.close());

/** `scenario events --follow` in a child: its output so far, and the way to stop it. */
function follow(...extra: string[]) {
  const child = spawnTracked(process.execPath, [CLI, 'scenario', 'events', '--follow', ...extra], { cwd: ROOT, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return { child, out: () => out, err: () => err, exited };
}

describe('scenario fault', () => {
  it('adds, lists and removes a fault on the running servers', async () => {
    const added = await scenario('fault', 'add', '{"id":"slow-token","endpoint":"token","grant":"refresh_token","effect":{"kind":"latency","ms":5},"times":3}');
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('[scenario] fault added: slow-token  token[refresh_token] latency 5ms (3 left, 0 hits)');
    expect((await servers.control.faults()).faults.map((f) => f.id)).toEqual(['slow-token']);

    const listed = await scenario('fault', 'list');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('slow-token  token[refresh_token] latency 5ms (3 left, 0 hits)');
    expect(listed.stdout).toContain('breaks nothing in the RFCs');

    const removed = await scenario('fault', 'rm', 'slow-token');
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain('[scenario] fault slow-token removed\n(no faults)');
    expect((await servers.control.faults()).faults).toEqual([]);

    await servers.control.addFault({ endpoint: 'register', effect: { kind: 'drop' } });
    await servers.control.denyConsent(true);
    const cleared = await scenario('fault', 'clear');
    expect(cleared.code).toBe(0);
    expect(cleared.stdout).toContain('[scenario] every fault removed');
    expect((await servers.control.faults()).faults).toEqual([]);
    expect((await servers.control.state()).switches['deny-consent']).toBe(false);
  });

  it('a fault on the client ID metadata document fetch: the line names the problem, the list the rule it exercises', async () => {
    const added = await scenario('fault', 'add', '{"id":"cimd-wrong","endpoint":"cimd-fetch","effect":{"kind":"cimd","problem":"wrong-client-id"},"times":1}');
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('[scenario] fault added: cimd-wrong  cimd-fetch cimd wrong-client-id (1 left, 0 hits)');
    expect(added.stdout).toContain("breaks CIMD \"Client Metadata\": the document's client_id must equal its URL");
    await servers.control.clearFaults();
  });

  it('a fault the server refuses: exit 1, its error_description in one line, nothing added', async () => {
    const r = await scenario('fault', 'add', '{"endpoint":"nowhere","effect":{"kind":"drop"}}');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('answered 400: endpoint: Invalid option');
    expect((await servers.control.faults()).faults).toEqual([]);
    const gone = await scenario('fault', 'rm', 'never-was');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('answered 404: no active fault "never-was"');
  });

  it.each([
    [['fault', 'add', '{not json'], 'fault add: not JSON'],
    [['fault', 'add', '[1]'], 'fault add takes a JSON object'],
    [['fault', 'add'], 'fault add needs a fault as JSON'],
    [['fault', 'rm'], 'fault rm needs the id of a fault'],
    [['fault', 'list', 'x'], 'fault list takes no argument'],
    [['fault', 'zap'], 'unknown fault command "zap"'],
    [['fault'], 'fault needs add, list, rm or clear'],
    [['rotate', '--follow'], 'rotate takes no --follow'],
    [['expire-access', 'soon'], 'expire-access takes a positive whole number of seconds or off'],
    [['advance', 'off'], 'advance takes a positive whole number of seconds, not "off"'],
  ])('%j: exit 2 with usage, nothing sent', async (args, message) => {
    const before = (await servers.control.state()).lastEventId;
    const r = await scenario(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain('usage: npm run scenario --');
    expect((await servers.control.state()).lastEventId).toBe(before);
  });
});

describe('scenario switches', () => {
  it('seed-refresh makes a refresh token any client can redeem', async () => {
    const r = await scenario('seed-refresh', 'rt-from-the-cli');
    expect(r.code).toBe(0);
    const { client_id } = await register(servers.oauthUrl);
    const answer = await refreshGrant(servers.oauthUrl, client_id, 'rt-from-the-cli');
    expect(answer.status).toBe(200);
    expect(answer.json).toHaveProperty('access_token');
  });

  it('expire-access off: back to the lifetime the servers were configured with', async () => {
    // Found by its ports, the server's startup lifetime is what this command reads: TOKEN_TTL_SECONDS.
    const run = (...a: string[]) => runCli(['scenario', ...a], { env: { ...env, TOKEN_TTL_SECONDS: '1200' } });
    expect((await run('expire-access', '5')).code).toBe(0);
    expect((await servers.control.state()).switches['expires-in']).toBe(5);
    const off = await run('expire-access', 'off');
    expect(off.code).toBe(0);
    expect(off.stdout).toContain('expires-in off (1200s, the startup value)');
    expect((await servers.control.state()).switches['expires-in']).toBe(1200);
  });

  it('--json prints the control answer alone on stdout, the URLs on stderr', async () => {
    const r = await scenario('rotate', 'on', '--json');
    expect(r.code).toBe(0);
    const answer = JSON.parse(r.stdout);
    expect(answer).toEqual(await servers.control.state().then((s) => ({ ...s, lastEventId: answer.lastEventId, clock: answer.clock })));
    expect(answer.switches.rotate).toBe(true);
    expect(r.stderr).toContain(`[scenario] ${servers.oauthUrl} · `);
    const faults = JSON.parse((await scenario('fault', 'list', '--json')).stdout);
    expect(faults).toHaveProperty('effects');
    const events = JSON.parse((await scenario('events', '--json')).stdout);
    expect(events.events.some((e: { control?: string }) => e.control === 'rotate')).toBe(true);
    await scenario('rotate', 'off');
  });
});

describe('scenario events --follow', () => {
  it('prints events as they happen, from both servers, and stops cleanly on SIGINT', async () => {
    const f = follow();
    await expect.poll(() => f.out(), { timeout: 20_000 }).toContain('[scenario] ');
    await fetch(`${servers.oauthUrl}/follow-1`);
    await fetch(servers.mcpUrl, { method: 'POST' });
    await expect.poll(() => f.out(), { timeout: 20_000 }).toContain('[oauth] GET /follow-1');
    await expect.poll(() => f.out(), { timeout: 20_000 }).toMatch(/\[mcp\] POST \/mcp/);
    // Both servers share one log here: each event is printed once, not once per server asked.
    const lines = f.out().split('\n').filter((l) => l.includes('[mcp] POST /mcp'));
    expect(lines).toHaveLength(new Set(lines).size);
    f.child.kill('SIGINT');
    const [code] = await f.exited;
    expect(code).toBe(0);
    expect(f.err()).toBe('');
  });

  it('--json: one event per line', async () => {
    const f = follow('--json');
    await expect.poll(() => f.err(), { timeout: 20_000 }).toContain('[scenario] ');
    await fetch(`${servers.oauthUrl}/follow-json`);
    await expect.poll(() => f.out(), { timeout: 20_000 }).toContain('/follow-json');
    const line = f.out().split('\n').find((l) => l.includes('follow-json'))!;
    expect(JSON.parse(line)).toMatchObject({ server: 'oauth', type: 'request' });
    f.child.kill('SIGINT');
    expect((await f.exited)[0]).toBe(0);
  });

  it('a reader that goes away (| head) ends it quietly: exit 0, no stack trace', async () => {
    const f = follow();
    await expect.poll(() => f.out(), { timeout: 20_000 }).toContain('[scenario] ');
    f.child.stdout!.destroy();
    let exited = false;
    void f.exited.then(() => (exited = true));
    // Each request is an event it must print, into the closed pipe.
    await expect
      .poll(
        async () => {
          await fetch(`${servers.oauthUrl}/.well-known/oauth-authorization-server?from=epipe`);
          return exited;
        },
        { timeout: 20_000 },
      )
      .toBe(true);
    const [code, signal] = await f.exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(f.err()).toBe('');
  });
});

describe('--help', () => {
  it('lists every setting, the environment-only ones included', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const s of SETTINGS) {
      const row = r.stdout.split('\n').find((l) => l.includes(` ${s.env} `));
      expect(row, s.env).toBeDefined();
      expect(row).toContain(s.flag ?? '(environment only)');
    }
    for (const command of ['scenario <name>', 'certs [--force]']) expect(r.stdout).toContain(command);
    noStack(r.stderr);
  });

  it('scenario --help lists the fault commands and --follow', async () => {
    const r = await runCli(['scenario', '--help']);
    expect(r.code).toBe(0);
    for (const row of ["fault add '<json>'", 'fault list', 'fault rm <id>', 'events [--follow]', 'expires-in <secs>|off', '--json']) expect(r.stdout).toContain(row);
  });
});
