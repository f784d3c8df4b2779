import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServers, type RunningServers } from '../../src/server.js';
import { portsEnv, runCli } from './run-cli.js';

let servers: RunningServers;
let env: Record<string, string>;

beforeAll(async () => {
  servers = await startServers({ oauthPort: 0, mcpPort: 0 });
  env = portsEnv(servers);
});
afterAll(() => servers.close());

describe('npm run scenario', () => {
  it('--help lists the contract scenarios, exit 0', async () => {
    const r = await runCli(['scenario', '--help']);
    expect(r.code).toBe(0);
    for (const name of ['state', 'rotate', 'expire-access', 'revoke', 'dead-refresh', 'deny-consent', 'bad-scope', 'reset']) {
      expect(r.stdout).toContain(name);
    }
  });

  it.each([
    [['scenario', 'bogus'], 'unknown scenario "bogus"'],
    [['scenario', 'rotate', 'maybe'], 'rotate takes on or off'],
    [['scenario', 'expire-access', '0'], 'expire-access takes a positive whole number'],
    [['scenario', 'expire-access'], 'expire-access needs a number of seconds'],
    [['scenario', 'revoke', 'now'], 'revoke takes no argument'],
    [['scenario'], ''],
  ])('%j exits 2 with usage', async (args, message) => {
    const r = await runCli(args, { env });
    expect(r.code).toBe(2);
    expect(r.stderr + r.stdout).toContain('usage: npm run scenario');
    expect(r.stderr).toContain(message);
  });

  it('exits 1 naming the URL when the server is unreachable', async () => {
    const r = await runCli(['scenario', 'state'], { env: { OAUTH_PORT: '1', MCP_PORT: '2' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('http://localhost:1');
  });

  it('flips each switch on the running servers', async () => {
    const run = (...args: string[]) => runCli(['scenario', ...args], { env });
    expect((await run('rotate', 'on')).code).toBe(0);
    expect((await run('expire-access', '5')).code).toBe(0);
    expect((await run('dead-refresh', 'on')).code).toBe(0);
    expect((await run('deny-consent', 'on')).code).toBe(0);
    expect((await run('bad-scope', 'on')).code).toBe(0);
    expect((await run('era', 'modern')).code).toBe(0);
    const refused = await run('era', 'newest');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('era takes dual, modern, legacy, not "newest"');
    expect((await run('consent', 'page')).code).toBe(0);
    const noMode = await run('consent', 'manual');
    expect(noMode.code).toBe(2);
    expect(noMode.stderr).toContain('consent takes auto, page, not "manual"');
    let s = await servers.control.state();
    expect(s.switches).toEqual({ rotate: true, 'expires-in': 5, 'invalid-grant': true, 'deny-consent': true, consent: 'page', 'force-403': true, 'step-up': false, era: 'modern' });
    const shown = await run('state');
    expect(shown.stdout).toContain('rotate=on expires-in=5s invalid-grant=on deny-consent=on consent=page force-403=on step-up=off era=modern');
    expect((await run('reset')).code).toBe(0);
    s = await servers.control.state();
    expect(s.switches).toEqual({ rotate: false, 'expires-in': 3600, 'invalid-grant': false, 'deny-consent': false, consent: 'auto', 'force-403': false, 'step-up': false, era: 'dual' });
  });

  it('knows each switch by its one name as well as by the alias, and suggests a name for a typo', async () => {
    const run = (...args: string[]) => runCli(['scenario', ...args], { env });
    expect((await run('force-403', 'on')).code).toBe(0);
    expect((await run('invalid-grant', 'on')).code).toBe(0);
    expect((await run('expires-in', '9')).code).toBe(0);
    expect((await servers.control.state()).switches).toMatchObject({ 'force-403': true, 'invalid-grant': true, 'expires-in': 9 });
    const typo = await run('force-430', 'on');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('unknown scenario "force-430"; did you mean "force-403"?');
    expect((await run('reset')).code).toBe(0);
  });

  it('revoke kills live access tokens', async () => {
    await servers.realm.store.upsert('access', 'at_x', { clientId: 'c', scope: ['mcp:read'], aud: [servers.mcpUrl], sub: 'u', grantId: 'g', iat: 0, exp: 4_000_000_000, expiresAt: 4_000_000_000_000 });
    expect((await servers.control.state()).live.accessTokens).toBe(1);
    const r = await runCli(['scenario', 'revoke'], { env });
    expect(r.code).toBe(0);
    expect((await servers.control.state()).live.accessTokens).toBe(0);
  });
});
