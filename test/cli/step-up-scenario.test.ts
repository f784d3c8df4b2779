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

describe('npm run scenario step-up', () => {
  const run = (...args: string[]) => runCli(['scenario', ...args], { env });

  it('takes a number of calls, on or off, and shows the calls left in state', async () => {
    const two = await run('step-up', '2');
    expect(two.code, two.stderr).toBe(0);
    expect(two.stdout).toContain('[scenario] step-up 2 ✓');
    expect(two.stdout).toContain('step-up=2-calls');
    expect((await servers.control.state()).switches['step-up']).toBe(2);
    expect((await run('step-up')).code).toBe(0);
    expect((await servers.control.state()).switches['step-up']).toBe(true);
    const off = await run('step-up', 'off');
    expect(off.stdout).toContain('step-up=off');
    expect((await servers.control.state()).switches['step-up']).toBe(false);
  });

  it.each(['0', 'many', '1.5'])('step-up %s exits 2 with usage and changes nothing', async (arg) => {
    const r = await run('step-up', arg);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('step-up takes a positive whole number of calls, on or off');
    expect((await servers.control.state()).switches['step-up']).toBe(false);
  });

  it('--help lists it with its argument', async () => {
    expect((await runCli(['scenario', '--help'])).stdout).toMatch(/step-up \[<calls>\|on\|off\] +the next N tool calls/);
  });
});
