import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ControlClient } from '../../src/control/client.js';
import { connectWithConsent } from '../../src/testing/connect.js';
import { runCli, startCli } from '../cli/run-cli.js';
import { callTool, textOf } from '../support/mcp.js';
import { obtainTokens, refreshGrant } from '../support/oauth.js';
import { freePorts } from '../support/ports.js';
import { filesIn, modeOf, readState, stateFilePath } from '../support/state-file.js';

/** `start` arguments for a server that comes back on the same ports with the same STATE_FILE. */
async function restartable(): Promise<{ dir: string; file: string; args: string[] }> {
  const ports = await freePorts();
  const { dir, file } = stateFilePath();
  return { dir, file, args: ['--oauth-port', String(ports.oauth), '--mcp-port', String(ports.mcp), '--state-file', file] };
}

describe('start --state-file: the built command line, stopped and started again', () => {
  it('SIGTERM, then start again: the SDK client’s next tool call refreshes silently, no new consent', async () => {
    const { file, args } = await restartable();
    const first = await startCli(args);
    expect(first.output()).toContain(`[state] ${file} does not exist yet`);
    const { client, provider } = await connectWithConsent(first.mcpUrl);
    try {
      expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'before' } }))).toBe('before');
      const control = new ControlClient({ oauthUrl: first.oauthUrl, mcpUrl: first.mcpUrl });
      // Past the access token's hour (TOKEN_TTL_SECONDS), well inside the refresh token's 30 days.
      await control.advanceClock(3601);
      // Right after the change: the shutdown writes it, whether or not the window had passed.
      expect(await first.stop('SIGTERM')).toBe(0);
      expect(modeOf(file)).toBe(0o600);

      const second = await startCli(args);
      expect(second.oauthUrl).toBe(first.oauthUrl);
      expect(second.output()).toMatch(/\[state\] restored from .*: 1 client, 0 access tokens, 1 refresh token\)/);
      const after = await control.events(0);
      expect(after.events).toEqual([]);

      expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'after' } }))).toBe('after');
      expect(provider.authorizations).toBe(1);
      expect(provider.invalidations.filter((s) => s === 'all' || s === 'client')).toEqual([]);
      const { events } = await control.events(0);
      const requests = events.filter((e) => e.type === 'request');
      expect(requests.filter((e) => e.endpoint === 'authorize' || e.endpoint === 'register')).toEqual([]);
      expect(requests.some((e) => e.endpoint === 'mcp' && e.status === 401 && e.outcome === 'invalid_token')).toBe(true);
      expect(requests.some((e) => e.endpoint === 'token' && e.grant === 'refresh_token' && e.status === 200)).toBe(true);
      const state = await control.state();
      // Counters carried over: the one consent was before the restart.
      expect(state.counters.authorizeCalls).toBe(1);
      expect(state.counters.refreshes).toBeGreaterThanOrEqual(1);
      expect(state.clock.offsetSeconds).toBe(3601);
      expect(await second.stop('SIGINT')).toBe(0);
    } finally {
      await client.close();
    }
  });

  it('kill -9 after the write window loses nothing: the tokens issued before it still work', async () => {
    const { dir, file, args } = await restartable();
    const first = await startCli(args);
    const { clientId, tokens } = await obtainTokens(first.oauthUrl);
    // The last change was the token grant: wait until the file holds its tokens (no fixed sleep).
    const kept = () => readState(file)?.realms.default?.store.records;
    await expect.poll(() => kept()?.access.map(([t]: [string]) => t), { timeout: 10_000 }).toContain(tokens.access_token);
    expect(kept()!.refresh.map(([t]: [string]) => t)).toContain(tokens.refresh_token);
    await first.stop('SIGKILL');

    const second = await startCli(args);
    expect((await callTool(second.mcpUrl, tokens.access_token, 'echo', { message: 'still here' })).status).toBe(200);
    const refreshed = await refreshGrant(second.oauthUrl, clientId, tokens.refresh_token!);
    expect(refreshed.status).toBe(200);
    expect(await second.stop()).toBe(0);
    expect(filesIn(dir)).toEqual(['state.json']);
  });

  it('a corrupt file: exit 1 and one line on stderr naming it and the way out, no stack; the file is untouched', async () => {
    const { file, args } = await restartable();
    writeFileSync(file, '{"format":"mcp-oauth-test-server/state",');
    const r = await runCli(['start', ...args]);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^error: STATE_FILE ${file} is not valid JSON \\(.*\\)\\. Nothing was changed: fix or remove it, or start with --state-file-on-corrupt move \\(STATE_FILE_ON_CORRUPT=move\\) to move it aside and start fresh$`));
    expect(r.stdout).not.toContain('[oauth]');
    expect(readFileSync(file, 'utf8')).toBe('{"format":"mcp-oauth-test-server/state",');
  });

  it('a file from a newer version: the same refusal, saying so', async () => {
    const { file, args } = await restartable();
    const newer = JSON.stringify({ format: 'mcp-oauth-test-server/state', version: 7, savedAt: new Date().toISOString(), realms: {} });
    writeFileSync(file, newer);
    const r = await runCli(['start', ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      `error: STATE_FILE ${file} was written by a newer mcp-oauth-test-server (state format version 7; this one reads version 1). Nothing was changed: fix or remove it, or start with --state-file-on-corrupt move (STATE_FILE_ON_CORRUPT=move) to move it aside and start fresh`,
    ]);
    expect(readFileSync(file, 'utf8')).toBe(newer);
  });

  it('--state-file-on-corrupt move: starts fresh, the bad file kept beside it under .corrupt-<time>', async () => {
    const { dir, file, args } = await restartable();
    writeFileSync(file, 'not json at all');
    const s = await startCli([...args, '--state-file-on-corrupt', 'move']);
    const aside = filesIn(dir).find((f) => f.startsWith('state.json.corrupt-'));
    expect(aside).toBeDefined();
    expect(readFileSync(`${dir}/${aside}`, 'utf8')).toBe('not json at all');
    expect(s.output()).toContain(`[state] ${file} is not valid JSON`);
    expect(s.output()).toContain(`moved aside to ${dir}/${aside}; starting fresh`);
    expect(await s.stop()).toBe(0);
  });

  it('STATE_FILE_ON_CORRUPT takes stop or move only', async () => {
    const r = await runCli(['start', '--oauth-port', '0', '--mcp-port', '0'], { env: { STATE_FILE: '/tmp/x.json', STATE_FILE_ON_CORRUPT: 'maybe' } });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('error: STATE_FILE_ON_CORRUPT must be stop or move (got "maybe")');
  });
});
