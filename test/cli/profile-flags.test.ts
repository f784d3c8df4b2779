import { describe, expect, it } from 'vitest';
import { ControlClient } from '../../src/control/client.js';
import { runCli, startCli } from './run-cli.js';

const PORTS0 = { OAUTH_PORT: '0', MCP_PORT: '0' };
const clientOf = (s: { oauthUrl: string; mcpUrl: string }) => new ControlClient({ oauthUrl: s.oauthUrl, mcpUrl: s.mcpUrl });

describe('start --spec / --persona (SPEC_VERSION / PERSONA): the built command line', () => {
  it('--spec 2025-06-18 --persona github: the realm starts and resets there', async () => {
    const s = await startCli(['--oauth-port', '0', '--mcp-port', '0', '--spec', '2025-06-18', '--persona', 'github']);
    const control = clientOf(s);
    expect(await control.profile()).toMatchObject({ spec: '2025-06-18', persona: 'github', faults: ['persona-github-token'] });
    await control.setProfile({ spec: '2026-07-28', persona: null });
    await control.reset();
    expect(await control.profile()).toMatchObject({ spec: '2025-06-18', persona: 'github' });
    expect(await s.stop()).toBe(0);
  });

  it('SPEC_VERSION and PERSONA from the environment', async () => {
    const s = await startCli([], { env: { ...PORTS0, SPEC_VERSION: '2025-03-26', PERSONA: 'slack' } });
    const p = await clientOf(s).profile();
    expect(p).toMatchObject({ spec: '2025-03-26', persona: 'slack' });
    expect(p.policy).toMatchObject({ prmAdvertised: 'neither', dynamicRegistration: false });
    expect(await s.stop()).toBe(0);
  });

  it('no flag: the newest preset and no persona', async () => {
    const s = await startCli([], { env: PORTS0 });
    expect(await clientOf(s).profile()).toMatchObject({ spec: '2026-07-28', persona: null });
    expect(await s.stop()).toBe(0);
  });

  it.each([
    [['start', '--spec', '2025-07-01'], {}, '--spec (SPEC_VERSION) must be 2025-03-26, or 2025-06-18, or 2025-11-25, or 2026-07-28 (got "2025-07-01")'],
    [['start'], { SPEC_VERSION: 'latest' }, 'SPEC_VERSION must be 2025-03-26, or 2025-06-18, or 2025-11-25, or 2026-07-28 (got "latest")'],
    [['start', '--persona', 'okta'], {}, '--persona (PERSONA) must be slack, or github, or entra, or atlassian, or cognito (got "okta")'],
    [['start'], { PERSONA: 'Slack' }, 'PERSONA must be slack, or github, or entra, or atlassian, or cognito (got "Slack")'],
  ])('%j %j: one line, exit 1', async (args, env, message) => {
    const r = await runCli(args, { env: { ...PORTS0, ...env } });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([`error: ${message}`]);
  });

  it('--help lists both flags', async () => {
    const help = await runCli(['--help']);
    expect(help.stdout).toMatch(/--spec <value>\s+SPEC_VERSION/);
    expect(help.stdout).toMatch(/--persona <value>\s+PERSONA/);
  });
});
