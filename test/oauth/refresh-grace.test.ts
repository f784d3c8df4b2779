import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { start } from '../support/servers.js';
import { obtainTokens, refreshGrant } from '../support/oauth.js';
import { post } from '../support/control.js';
import { snapshot } from '../support/snapshot.js';

let s: RunningServers;
let base: string;
beforeAll(async () => {
  s = await start();
  base = s.oauthUrl;
});
afterAll(() => s.close());
afterEach(async () => {
  expect((await post(base, '/control/reset')).status).toBe(200);
});

const policy = async (patch: unknown) => {
  const a = await post(base, '/control/policy', JSON.stringify(patch));
  expect(a.status, a.text).toBe(200);
};
const advance = async (seconds: number) => expect((await post(base, '/control/clock', JSON.stringify({ advance: seconds }))).status).toBe(200);
const live = async (kind: 'access' | 'refresh', value: string) => {
  const r = await s.realm.store.find(kind, value);
  return r !== undefined && r.consumedAt === undefined && (r.expiresAt === undefined || r.expiresAt > s.realm.clock.now());
};

/** A client whose refresh token was rotated once: the original (rotated) token and its successor. */
async function rotatedOnce() {
  const { clientId, tokens } = await obtainTokens(base);
  const first = await refreshGrant(base, clientId, tokens.refresh_token!);
  expect(first.status, first.text).toBe(200);
  return { clientId, old: tokens.refresh_token!, successor: first.json.refresh_token as string, access: first.json.access_token as string };
}

describe('rotationGraceSeconds: a rotated refresh token still refreshes for N seconds', () => {
  it('within the window a replay gets a new pair and revokes nothing; the first successor stays valid', async () => {
    await policy({ rotateRefreshTokens: true, rotationGraceSeconds: 30 });
    const { clientId, old, successor, access } = await rotatedOnce();
    await advance(29);
    const replay = await refreshGrant(base, clientId, old);
    expect(replay.status, replay.text).toBe(200);
    expect(replay.json.refresh_token).toEqual(expect.any(String));
    expect(replay.json.refresh_token).not.toBe(successor);
    expect(replay.json.access_token).not.toBe(access);
    // Both successors live, the first access token too: the family was kept.
    expect(await live('refresh', successor)).toBe(true);
    expect(await live('refresh', replay.json.refresh_token)).toBe(true);
    expect(await live('access', access)).toBe(true);
    expect((await refreshGrant(base, clientId, successor)).status).toBe(200);
    // The event says why a rotated token was honoured.
    const events = (await s.control.events(0, 'oauth')).events.filter((e) => e.type === 'request' && e.endpoint === 'token');
    expect(events.map((e) => e.reason).filter(Boolean)).toEqual([expect.stringMatching(/^a rotated refresh token, 29 s after its rotation: inside the grace window \(rotationGraceSeconds 30\)$/)]);
  });

  it('parallel refreshes with one token all succeed inside the window', async () => {
    await policy({ rotateRefreshTokens: true, rotationGraceSeconds: 10 });
    const { clientId, tokens } = await obtainTokens(base);
    const answers = await Promise.all(Array.from({ length: 5 }, () => refreshGrant(base, clientId, tokens.refresh_token!)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(answers.map((a) => a.json.refresh_token)).size).toBe(5);
  });

  it('after the window a replay is reuse: invalid_grant and the family revoked, as with no window', async () => {
    await policy({ rotateRefreshTokens: true, rotationGraceSeconds: 30 });
    const { clientId, old, successor, access } = await rotatedOnce();
    await advance(30);
    const replay = await refreshGrant(base, clientId, old);
    expect(replay.status).toBe(400);
    expect(replay.json).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/revoked the whole family/) });
    expect(await live('refresh', successor)).toBe(false);
    expect(await live('access', access)).toBe(false);
  });

  it('another client presenting a rotated token is refused inside the window too, and the family revoked', async () => {
    await policy({ rotateRefreshTokens: true, rotationGraceSeconds: 30 });
    const { old, successor } = await rotatedOnce();
    const { clientId: other } = await obtainTokens(base);
    const replay = await refreshGrant(base, other, old);
    expect(replay.status).toBe(400);
    expect(replay.json.error).toBe('invalid_grant');
    expect(await live('refresh', successor)).toBe(false);
  });

  it('the default window is 0: the first replay is reuse', async () => {
    await policy({ rotateRefreshTokens: true });
    const { clientId, old, successor } = await rotatedOnce();
    expect((await refreshGrant(base, clientId, old)).status).toBe(400);
    expect(await live('refresh', successor)).toBe(false);
  });
});

describe('refreshReuseDetection', () => {
  it('off: a rotated token replayed is invalid_grant and the family is kept; nothing changes', async () => {
    await policy({ rotateRefreshTokens: true, refreshReuseDetection: false });
    const { clientId, old, successor, access } = await rotatedOnce();
    const before = await snapshot(s.realm);
    const replay = await refreshGrant(base, clientId, old);
    expect(replay.status).toBe(400);
    expect(replay.json).toEqual({ error: 'invalid_grant', error_description: expect.stringMatching(/reuse detection is off/) });
    expect(await snapshot(s.realm)).toEqual(before);
    expect(await live('access', access)).toBe(true);
    expect((await refreshGrant(base, clientId, successor)).status).toBe(200);
  });

  it('off, with a window: inside it a new pair, past it a plain refusal', async () => {
    await policy({ rotateRefreshTokens: true, refreshReuseDetection: false, rotationGraceSeconds: 5 });
    const { clientId, old, successor } = await rotatedOnce();
    expect((await refreshGrant(base, clientId, old)).status).toBe(200);
    await advance(5);
    expect((await refreshGrant(base, clientId, old)).json.error_description).toMatch(/reuse detection is off/);
    expect(await live('refresh', successor)).toBe(true);
  });

  it('on (the default): reuse revokes the family', async () => {
    await policy({ rotateRefreshTokens: true });
    const { clientId, old, access } = await rotatedOnce();
    expect((await refreshGrant(base, clientId, old)).json.error_description).toMatch(/revoked the whole family/);
    expect(await live('access', access)).toBe(false);
  });
});
