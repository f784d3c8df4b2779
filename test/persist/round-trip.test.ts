import { describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAuthServer, type RunningServers } from '../../src/server.js';
import { STATE_FORMAT, STATE_VERSION } from '../../src/persist/state-file.js';
import { sender } from '../support/http.js';
import { callTool } from '../support/mcp.js';
import { inactiveToRs, introspect, obtainTokens, refreshGrant } from '../support/oauth.js';
import { freePorts } from '../support/ports.js';
import { start } from '../support/servers.js';
import { filesIn, modeOf, readState, stateFilePath } from '../support/state-file.js';

/** The servers' AS as the introspection helper wants it: over its socket, with its realm's credentials. */
const asOf = (s: RunningServers) => ({ req: sender(s.oauthUrl), realm: s.realm });

/** Two runs on the same ports (tokens name the resource URL) and the same STATE_FILE, one after the other. */
async function twoRuns(options: Parameters<typeof start>[0] = {}) {
  const ports = await freePorts();
  const { dir, file } = stateFilePath();
  const run = (later: Parameters<typeof start>[0] = {}) => start({ oauthPort: ports.oauth, mcpPort: ports.mcp, stateFile: file, ...options, ...later });
  return { dir, file, run };
}

describe('STATE_FILE: the default realm survives close() and a start with the same file', () => {
  it('keeps clients, tokens, switches, faults, policy changes, step-up, clock offset and counters', async () => {
    const { dir, file, run } = await twoRuns();
    const first = await run();
    const { clientId, tokens } = await obtainTokens(first.oauthUrl);
    await first.control.rotate(true);
    await first.control.expiresIn(120);
    await first.control.stepUp(2);
    await first.control.force403(true);
    await first.control.addFault({ id: 'slow-register', endpoint: 'register', effect: { kind: 'latency', ms: 1 }, times: 3 });
    await first.control.setPolicy({ codeTtlSeconds: 30 });
    await first.control.advanceClock(50);
    await first.control.force403(false);
    const before = await first.control.state();
    await first.close();

    const file1 = readState(file)!;
    expect(file1).toMatchObject({ format: STATE_FORMAT, version: STATE_VERSION, realms: { default: expect.any(Object) } });
    expect(new Date(file1.savedAt).getTime()).not.toBeNaN();
    expect(modeOf(file)).toBe(0o600);
    // Written by rename: nothing else is left in the directory.
    expect(filesIn(dir)).toEqual(['state.json']);

    const second = await run();
    try {
      const after = await second.control.state();
      expect(after.switches).toEqual(before.switches);
      expect(after.switches).toMatchObject({ rotate: true, 'expires-in': 120, 'step-up': 2, 'force-403': false });
      expect(after.faults).toEqual(before.faults);
      expect(after.counters).toEqual(before.counters);
      expect(after.live).toEqual(before.live);
      expect(after.refreshTokens).toEqual(before.refreshTokens);
      expect(after.clock.offsetSeconds).toBe(50);
      expect((await second.control.policy()).policy.codeTtlSeconds).toBe(30);
      expect(await second.realm.store.findClient(clientId)).toEqual(await readStoreClient(file1, clientId));

      // The access token issued before the restart still passes introspection, and the MCP server.
      expect(await introspect(asOf(second), tokens.access_token)).toMatchObject({ active: true, client_id: clientId });
      // The step-up countdown carried over: the next call is challenged, and one call is left.
      const challenged = await callTool(second.mcpUrl, tokens.access_token, 'echo', { message: 'after restart' });
      expect(challenged.status).toBe(403);
      expect(challenged.headers.get('www-authenticate')).toContain('insufficient_scope');
      expect((await second.control.state()).switches['step-up']).toBe(1);
      await second.control.stepUp(false);
      expect((await callTool(second.mcpUrl, tokens.access_token, 'echo', { message: 'after restart' })).status).toBe(200);
      // The refresh token issued before it refreshes, rotated as the restored switch says.
      const refreshed = await refreshGrant(second.oauthUrl, clientId, tokens.refresh_token!);
      expect(refreshed.status).toBe(200);
      expect(refreshed.json.refresh_token).not.toBe(tokens.refresh_token);
      expect(refreshed.json.expires_in).toBe(120);
    } finally {
      await second.close();
    }
  });

  it('what had expired stays expired (the clock offset comes back), and a rotated refresh token stays spent', async () => {
    const { file, run } = await twoRuns();
    const first = await run();
    await first.control.expiresIn(5);
    await first.control.rotate(true);
    const { clientId, tokens } = await obtainTokens(first.oauthUrl);
    const rotated = await refreshGrant(first.oauthUrl, clientId, tokens.refresh_token!);
    expect(rotated.status).toBe(200);
    await first.control.advanceClock(10);
    await first.close();

    const second = await run();
    try {
      expect(await introspect(asOf(second), rotated.json.access_token)).toEqual(inactiveToRs(/expired/));
      // Reuse of the rotated token is still detected as reuse (OAuth 2.1 §4.3.1): its family dies.
      const reuse = await refreshGrant(second.oauthUrl, clientId, tokens.refresh_token!);
      expect(reuse.status).toBe(400);
      expect(reuse.json.error).toBe('invalid_grant');
      expect(reuse.json.error_description).toMatch(/reuse|rotated|already/i);
      expect((await refreshGrant(second.oauthUrl, clientId, rotated.json.refresh_token)).status).toBe(400);
    } finally {
      await second.close();
    }
    expect(readState(file)).toBeDefined();
  });

  it('the seeded refresh token comes back as it was left: rotated stays rotated, never seeded twice', async () => {
    const seed = 'seeded-refresh-token-of-the-test';
    const { run } = await twoRuns({ seedRefreshToken: seed });
    const first = await run();
    await first.control.rotate(true);
    const { clientId } = await obtainTokens(first.oauthUrl);
    const used = await refreshGrant(first.oauthUrl, clientId, seed);
    expect(used.status).toBe(200);
    const seededBefore = (await first.control.state()).refreshTokens.length;
    await first.close();

    const second = await run();
    try {
      const state = await second.control.state();
      expect(state.refreshTokens).toHaveLength(seededBefore);
      const records = (await second.realm.store.list('refresh')).filter(([t]) => t === seed);
      expect(records).toHaveLength(1);
      expect(records[0]![1].consumedAt).toBeDefined();
      expect((await refreshGrant(second.oauthUrl, clientId, seed)).json.error).toBe('invalid_grant');
    } finally {
      await second.close();
    }
  });

  it('a file that never knew the seeded token (SEED_REFRESH_TOKEN set since) gets it seeded', async () => {
    const { run } = await twoRuns();
    const first = await run();
    await obtainTokens(first.oauthUrl);
    await first.close();
    const second = await run({ seedRefreshToken: 'seeded-later' });
    try {
      expect(await second.realm.store.find('refresh', 'seeded-later')).toMatchObject({ clientId: null });
    } finally {
      await second.close();
    }
  });

  it('a missing file is a fresh start; the file appears once something changes, without close()', async () => {
    const { file, run } = await twoRuns();
    const s = await run();
    try {
      expect((await s.control.state()).live.clients).toBe(0);
      expect(readState(file)).toBeUndefined();
      const { clientId } = await obtainTokens(s.oauthUrl);
      await expect.poll(() => readState(file)?.realms.default?.store.clients.map((c: { client_id: string }) => c.client_id), { timeout: 10_000 }).toEqual([clientId]);
      expect(modeOf(file)).toBe(0o600);
    } finally {
      await s.close();
    }
  });

  it('a reset is kept too: after it, the next run starts from the startup state', async () => {
    const { file, run } = await twoRuns();
    const first = await run();
    await obtainTokens(first.oauthUrl);
    await first.control.rotate(true);
    await first.control.reset();
    await first.close();
    expect(readState(file)!.realms.default.policy).toEqual({});
    const second = await run();
    try {
      const state = await second.control.state();
      expect(state.live).toEqual({ clients: 0, codes: 0, accessTokens: 0, refreshTokens: 0 });
      expect(state.switches.rotate).toBe(false);
    } finally {
      await second.close();
    }
  });

  it('a policy value the control plane never changed follows the configuration of the new run', async () => {
    const { run } = await twoRuns({ tokenTtlSeconds: 100 });
    const first = await run();
    await first.control.rotate(true);
    await first.close();
    const second = await run({ tokenTtlSeconds: 200 });
    try {
      expect((await second.control.state()).switches).toMatchObject({ rotate: true, 'expires-in': 200 });
    } finally {
      await second.close();
    }
  });

  it('keeps nothing it was not given: the file holds what the store holds, within its caps', async () => {
    const { file, run } = await twoRuns({ maxClients: 2 });
    const s = await run();
    await obtainTokens(s.oauthUrl);
    await obtainTokens(s.oauthUrl);
    const third = await fetch(`${s.oauthUrl}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:1/cb'] }) });
    expect(third.status).toBe(429);
    await s.close();
    expect(readState(file)!.realms.default.store.clients).toHaveLength(2);
  });
});

describe('STATE_FILE beyond the default pair', () => {
  it('a server started alone (start --only oauth) keeps its realm the same way', async () => {
    const ports = await freePorts();
    const { file } = stateFilePath();
    const options = { host: '127.0.0.1', oauthPort: ports.oauth, mcpPort: ports.mcp, stateFile: file, introspectionClientSecret: 'the-secret-both-sides-share' };
    const first = await startAuthServer(options);
    const { clientId, tokens } = await obtainTokens(first.oauthUrl);
    await first.close();
    const second = await startAuthServer(options);
    try {
      expect((await refreshGrant(second.oauthUrl, clientId, tokens.refresh_token!)).status).toBe(200);
    } finally {
      await second.close();
    }
  });

  it('a temporary file left by a process killed during a write goes at the next start; one of a running process stays', async () => {
    const { dir, file, run } = await twoRuns();
    writeFileSync(`${file}.tmp-999999999`, 'half a write');
    writeFileSync(`${file}.tmp-${process.pid}`, 'a write in progress');
    const s = await run();
    try {
      expect(filesIn(dir)).toEqual([`state.json.tmp-${process.pid}`]);
    } finally {
      await s.close();
    }
  });

  it('a write that fails says so once, keeps serving from memory, and says when writing works again', async () => {
    const { dir, file, run } = await twoRuns();
    const lines: string[] = [];
    const s = await run({ log: (l) => lines.push(l) });
    try {
      // A directory where the file goes: the rename over it fails, whoever runs the test (root too).
      mkdirSync(file);
      writeFileSync(join(file, 'keep'), '');
      const warned = () => lines.filter((l) => l.startsWith(`[warn] cannot write STATE_FILE ${file} (`));
      await obtainTokens(s.oauthUrl);
      await expect.poll(() => warned().length, { timeout: 10_000 }).toBe(1);
      await obtainTokens(s.oauthUrl);
      expect((await s.control.state()).live.clients).toBe(2);
      expect(filesIn(dir)).toEqual(['state.json']);
      rmSync(file, { recursive: true });
      await obtainTokens(s.oauthUrl);
      await expect.poll(() => lines.includes(`[state] ${file} written again`), { timeout: 10_000 }).toBe(true);
      expect(warned()).toHaveLength(1);
      expect(readState(file)!.realms.default.store.clients).toHaveLength(3);
    } finally {
      await s.close();
    }
  });
});

async function readStoreClient(state: ReturnType<typeof readState> & object, clientId: string) {
  return state.realms.default.store.clients.find((c: { client_id: string }) => c.client_id === clientId);
}
