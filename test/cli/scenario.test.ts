import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServers, type RunningServers } from '../../src/server.js';
import { runCli } from './run-cli.js';

let servers: RunningServers;
let env: Record<string, string>;

beforeAll(async () => {
  servers = await startServers({ oauthPort: 0, mcpPort: 0 });
  env = { OAUTH_PORT: String(servers.ports.oauth), MCP_PORT: String(servers.ports.mcp) };
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
    let s = await servers.control.state();
    expect(s.switches).toEqual({ rotate: true, expiresIn: 5, invalidGrant: true, denyConsent: true, force403: true });
    const shown = await run('state');
    expect(shown.stdout).toContain('rotate=on expire-access=5s dead-refresh=on deny-consent=on bad-scope=on');
    expect((await run('reset')).code).toBe(0);
    s = await servers.control.state();
    expect(s.switches).toEqual({ rotate: false, expiresIn: 3600, invalidGrant: false, denyConsent: false, force403: false });
  });

  it('revoke kills live access tokens', async () => {
    await servers.realm.store.upsert('access', 'at_x', { clientId: 'c', scope: ['mcp:read'], aud: [servers.mcpUrl], sub: 'u', grantId: 'g', iat: 0, exp: 4_000_000_000, expiresAt: 4_000_000_000_000 });
    expect((await servers.control.state()).live.accessTokens).toBe(1);
    const r = await runCli(['scenario', 'revoke'], { env });
    expect(r.code).toBe(0);
    expect((await servers.control.state()).live.accessTokens).toBe(0);
  });
});
