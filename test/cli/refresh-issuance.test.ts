/** `start --refresh-token-issuance` / REFRESH_TOKEN_ISSUANCE through the built command line. */
import { describe, expect, it } from 'vitest';
import { runCli, startCli } from './run-cli.js';

describe('start with a refresh-token issuance mode', () => {
  it('--refresh-token-issuance offline_access: the startup policy, advertised, and what a reset restores', async () => {
    const s = await startCli(['--oauth-port', '0', '--mcp-port', '0', '--refresh-token-issuance', 'offline_access']);
    try {
      const md = (await (await fetch(`${s.oauthUrl}/.well-known/oauth-authorization-server`)).json()) as { scopes_supported: string[] };
      expect(md.scopes_supported).toEqual(['mcp:read', 'mcp:write', 'mcp:admin', 'offline_access']);
      await fetch(`${s.oauthUrl}/control/policy`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"refreshTokenIssuance":"never"}' });
      expect((await fetch(`${s.oauthUrl}/control/reset`, { method: 'POST' })).status).toBe(200);
      const policy = (await (await fetch(`${s.oauthUrl}/control/policy`)).json()) as { policy: { refreshTokenIssuance: string } };
      expect(policy.policy.refreshTokenIssuance).toBe('offline_access');
    } finally {
      expect(await s.stop()).toBe(0);
    }
  });

  it('REFRESH_TOKEN_ISSUANCE=sometimes stops startup with one line naming the variable and the modes', async () => {
    const r = await runCli(['start', '--oauth-port', '0', '--mcp-port', '0'], { env: { REFRESH_TOKEN_ISSUANCE: 'sometimes' } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('REFRESH_TOKEN_ISSUANCE must be always, or offline_access, or never (got "sometimes")');
  });
});
