/** `report`, the built command line: the table, --json, --junit read back, --client-id, exit codes. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHECK_IDS } from '../../src/report/checks.js';
import type { RunningServers } from '../../src/server.js';
import { readJunit } from '../support/junit.js';
import { PlainClient } from '../support/plain-client.js';
import { start } from '../support/servers.js';
import { portsEnv, runCli } from './run-cli.js';

let s: RunningServers;
let env: Record<string, string>;
const dir = mkdtempSync(join(tmpdir(), 'report-cli-'));
beforeAll(async () => {
  s = await start();
  env = portsEnv(s);
});
afterAll(() => s.close());
beforeEach(() => s.control.reset());

describe('mcp-oauth-test-server report', () => {
  it('a clean client: the table lists every check with its status and spec link, exit 0', async () => {
    const c = await new PlainClient(s).register();
    await c.login();
    const r = await runCli(['report'], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`client ${c.clientId} "${c.name}"`);
    expect(r.stdout).toMatch(/ pass {2}pkce-code-challenge-sent +code_challenge sent in all 1 authorization request\(s\)\n +https:\/\/modelcontextprotocol\.io\/specification\/2025-11-25\/basic\/authorization#authorization-code-protection/);
    expect(r.stdout).toMatch(/ skip {2}step-up-reauthorized +no 403 insufficient_scope/);
    expect(r.stdout).toMatch(/ info {2}scope-source /);
  });

  it('a FAILURE exits 1; --junit writes one testcase per check (failure, skipped, WARNING passing with system-out)', async () => {
    const good = await new PlainClient(s).register();
    await good.login();
    const bad = await new PlainClient(s).register({ application_type: undefined, grant_types: ['authorization_code'] });
    await bad.login({ resource: false });
    const file = join(dir, 'card.xml');
    const r = await runCli(['report', '--junit', file], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/ FAIL {2}resource-parameter-in-authorization +Client MUST include resource/);
    expect(r.stdout).toContain(`JUnit XML written to ${file}`);
    const { suites, cases } = readJunit(readFileSync(file, 'utf8'));
    expect(suites).toHaveLength(2);
    expect(cases).toHaveLength(2 * CHECK_IDS.length);
    const of = (client: string) => cases.filter((k) => k.classname === client);
    expect(of(good.clientId).map((k) => k.name)).toEqual(CHECK_IDS);
    expect(of(good.clientId).filter((k) => k.failure !== undefined)).toEqual([]);
    const failed = of(bad.clientId).filter((k) => k.failure !== undefined).map((k) => k.name).sort();
    expect(failed).toEqual(['resource-parameter-in-authorization', 'resource-parameter-in-token', 'sep-837-application-type-present']);
    const warned = of(bad.clientId).find((k) => k.name === 'sep-2207-client-metadata-grant-types')!;
    expect(warned.failure).toBeUndefined();
    expect(warned.systemOut).toMatch(/^WARNING: Client SHOULD include refresh_token/);
    expect(of(bad.clientId).find((k) => k.name === 'step-up-reauthorized')!.skipped).toContain('no 403 insufficient_scope');
    expect(suites.find((x) => x.name!.includes(bad.clientId))).toMatchObject({ failures: '3', tests: String(CHECK_IDS.length) });
  });

  it('--client-id X --json prints that client’s checks.json array alone on stdout', async () => {
    const c = await new PlainClient(s).register();
    await c.login();
    const other = await new PlainClient(s).register();
    await other.login({ resource: false });
    const r = await runCli(['report', '--client-id', c.clientId, '--json'], { env });
    expect(r.code).toBe(0);
    const checks = JSON.parse(r.stdout) as Array<{ id: string; clientId: string }>;
    expect(checks.map((k) => k.id)).toEqual(CHECK_IDS);
    expect(new Set(checks.map((k) => k.clientId))).toEqual(new Set([c.clientId]));
  });

  it('an unknown --client-id exits 2 naming the clients it knows; an unreachable server exits 1; bad usage exits 2', async () => {
    const c = await new PlainClient(s).register();
    const r = await runCli(['report', '--client-id', 'nobody'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no client "nobody" on the report card');
    expect(r.stderr).toContain(c.clientId);
    const down = await runCli(['report'], { env: { OAUTH_PORT: '1', MCP_PORT: '2' } });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('cannot reach http://localhost:1');
    const extra = await runCli(['report', 'now'], { env });
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain('report takes no arguments');
  });

  it('--help says what it does and its exit codes', async () => {
    const r = await runCli(['report', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Exit code 1 when any check is a FAILURE');
    const main = await runCli(['--help']);
    expect(main.stdout).toMatch(/mcp-oauth-test-server report \[--client-id ID\]/);
  });
});
