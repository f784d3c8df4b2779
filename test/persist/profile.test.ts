import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { freePorts } from '../support/ports.js';
import { start } from '../support/servers.js';
import { readState, stateFilePath } from '../support/state-file.js';

async function twoRuns() {
  const ports = await freePorts();
  const { file } = stateFilePath();
  const run = (options: Parameters<typeof start>[0] = {}) => start({ oauthPort: ports.oauth, mcpPort: ports.mcp, stateFile: file, ...options });
  return { file, run };
}

describe('STATE_FILE keeps the active profile', () => {
  it('a switched profile, the control changes over it and the persona\'s faults come back after a restart', async () => {
    const { file, run } = await twoRuns();
    const first = await run();
    await first.control.setProfile({ spec: '2025-06-18', persona: 'atlassian' });
    await first.control.setPolicy({ codeTtlSeconds: 30 });
    const before = await first.control.profile();
    await first.close();
    expect(readState(file)!.realms.default.profile).toEqual({ spec: '2025-06-18', persona: 'atlassian' });

    const second = await run();
    try {
      expect(await second.control.profile()).toEqual(before);
      // Reset still returns to the startup profile (the configuration's), not the restored one.
      await second.control.reset();
      expect(await second.control.profile()).toMatchObject({ spec: '2026-07-28', persona: null });
    } finally {
      await second.close();
    }
  });

  it('a persona\'s standing fault survives as a fault: the restored realm still bends /token', async () => {
    const { run } = await twoRuns();
    const first = await run();
    await first.control.setProfile({ persona: 'slack' });
    await first.close();
    const second = await run();
    try {
      const res = await fetch(`${second.oauthUrl}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=authorization_code&code=nope&client_id=nobody' });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ok: false, error: 'invalid_client' });
      expect((await second.control.profile()).faults).toEqual(['persona-slack-token']);
    } finally {
      await second.close();
    }
  });

  it('a file written before profiles (no profile member) still loads, its policy changes over the startup profile', async () => {
    const { file, run } = await twoRuns();
    const first = await run();
    await first.control.setPolicy({ codeTtlSeconds: 30 });
    await first.close();
    const old = readState(file)!;
    delete old.realms.default.profile;
    writeFileSync(file, JSON.stringify(old));
    const second = await run({ specVersion: '2025-11-25' });
    try {
      const p = await second.control.profile();
      expect(p).toMatchObject({ spec: '2025-11-25', persona: null });
      expect(p.policy.codeTtlSeconds).toBe(30);
      expect(p.sources.codeTtlSeconds).toBe('control');
    } finally {
      await second.close();
    }
  });
});
