import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_FAULTS } from '../../src/faults.js';
import { MAX_EXAM_PROBES } from '../../src/report/exam.js';
import { PROBE_IDS } from '../../src/report/exam-probes.js';
import type { RunningServers } from '../../src/server.js';
import { runSession } from '../fixtures/exam-clients/session-client.js';
import { ctl, get, post } from '../support/control.js';
import { rsBase, start } from '../support/servers.js';
import { snapshot } from '../support/snapshot.js';

let s: RunningServers;
beforeAll(async () => {
  s = await start();
});
afterAll(() => s?.close());
beforeEach(() => s.control.reset());

/** What a refused exam call must leave as it was: the store and policy, the faults, the switches, the exam. */
const everything = async () => ({ realm: await snapshot(s.realm), faults: s.realm.faults.list(), stepUp: s.realm.stepUp.switchState, exam: s.realm.exam.view().probes });

describe('POST /control/exam: bad input is a 400 naming the valid form, and arms nothing', () => {
  it.each([
    ['{probes:[]}', /not valid JSON.*"probes":\["iss-wrong","token-503"\]/],
    ['{}', /probes: .*expected \{"probes":/],
    ['{"probes":[]}', /probes: .*expected \{"probes":/],
    ['{"probes":"iss-wrong"}', /probes: /],
    ['{"probes":[1]}', /probes\.0: /],
    ['{"probes":["iss-wrong"],"all":true}', /all/],
    ['{"probes":["iss-wrnog"]}', /unknown probe "iss-wrnog"; did you mean "iss-wrong"\?; probes: iss-wrong, /],
    ['{"probes":["token-503","nope-at-all-xyz"]}', /unknown probe "nope-at-all-xyz"; probes: /],
    ['{"probes":["iss-wrong","iss-wrong"]}', /probe "iss-wrong" is listed twice/],
    [JSON.stringify({ probes: [...PROBE_IDS, 'iss-wrong'] }), /probes: .*(at most|<=|too_big|Too big)/i],
  ])('%s → 400 %s', async (body, why) => {
    await s.control.exam(['iss-missing']);
    const before = await everything();
    const r = await post(s.oauthUrl, '/control/exam', body);
    expect(r.status, r.text).toBe(400);
    expect(r.json.error).toBe('invalid_request');
    expect(r.json.error_description).toMatch(why);
    expect(await everything()).toEqual(before);
  });

  it('a form body is 415, a cross-site Origin 403, as on every control route', async () => {
    const before = await everything();
    expect((await ctl('POST', s.oauthUrl, '/control/exam', 'probes=iss-wrong', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await post(s.oauthUrl, '/control/exam', '{"probes":["iss-wrong"]}', { origin: 'https://evil.example' })).status).toBe(403);
    expect(await everything()).toEqual(before);
  });

  it('with the fault list full: 429, nothing armed', async () => {
    for (let i = 0; i < MAX_FAULTS; i++) await s.control.addFault({ endpoint: 'jwks', effect: { kind: 'latency', ms: 1 }, id: `pad-${i}` });
    const before = await everything();
    const r = await post(s.oauthUrl, '/control/exam', '{"probes":["iss-wrong"]}');
    expect(r.status).toBe(429);
    expect(r.json.error_description).toMatch(/no room for 1 probe fault/);
    expect(await everything()).toEqual(before);
  });

  it('a probe the policy makes meaningless is 409, saying what to change; nothing armed', async () => {
    await s.control.setPolicy({ issParameter: false });
    const before = await everything();
    const r = await post(s.oauthUrl, '/control/exam', '{"probes":["iss-wrong","iss-missing"]}');
    expect(r.status).toBe(409);
    expect(r.json.error_description).toBe('iss-missing needs the metadata to advertise iss (policy issParameter is false): POST /control/policy {"issParameter":true} first');
    expect(await everything()).toEqual(before);
  });

  it('405 with Allow for other methods; the list is bounded by the catalogue', async () => {
    const r = await ctl('PUT', s.oauthUrl, '/control/exam', '{}');
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('GET, POST, DELETE');
    expect((await ctl('GET', s.oauthUrl, '/control/exam/finish')).headers.get('allow')).toBe('POST');
    expect(MAX_EXAM_PROBES).toBe(PROBE_IDS.length);
  });
});

describe('the exam as state: armed, struck, graded; DELETE and reset disarm', () => {
  it('arms each probe its way (a times-1 fault under its id, the policy, the switch), on either port', async () => {
    const r = await post(rsBase(s), '/control/exam', '{"probes":["iss-wrong","refresh-reuse","step-up-scope","token-revoked"]}');
    expect(r.status).toBe(201);
    expect(r.json.probes.map((p: { id: string; state: string }) => [p.id, p.state])).toEqual([
      ['iss-wrong', 'armed'],
      ['refresh-reuse', 'armed'],
      ['step-up-scope', 'armed'],
      ['token-revoked', 'armed'],
    ]);
    expect(s.realm.faults.list().map((f) => [f.id, f.endpoint, f.effect.kind, f.remaining])).toEqual([['exam-iss-wrong', 'authorize', 'iss', 1]]);
    expect(s.realm.policy.rotateRefreshTokens).toBe(true);
    expect(s.realm.stepUp.switchState).toBe(true);
    // Not arisen yet: SKIPPED, saying why.
    expect((await s.control.examResults()).checks.map((c) => [c.id, c.status, c.details?.why])).toEqual([
      ['sep-2468-client-compare-iss-supported', 'SKIPPED', 'the client never sent an authorization request after the probe was armed'],
      ['refresh-rotated-not-reused', 'SKIPPED', 'the client never refreshed a token after the probe was armed'],
      ['sep-2350-scope-union-on-reauth', 'SKIPPED', 'the client made no tool call that the step-up challenge could refuse after the probe was armed'],
      ['revoked-token-not-reused', 'SKIPPED', 'the client made no authenticated MCP request after the probe was armed'],
    ]);
    const d = await ctl('DELETE', s.oauthUrl, '/control/exam');
    expect(d.status).toBe(200);
    expect(d.json.probes).toEqual([]);
    expect(s.realm.faults.list()).toEqual([]);
    expect(s.realm.policy.rotateRefreshTokens).toBe(false);
    expect(s.realm.stepUp.switchState).toBe(false);
  });

  it('struck, then graded: the check names the client and cites the events; the probe disarms itself', async () => {
    await s.control.exam(['step-up-scope']);
    await runSession(s.mcpUrl, 'none');
    const view = await s.control.examResults();
    expect(view.probes.map((p) => p.state)).toEqual(['graded']);
    const [c] = view.checks;
    expect(c).toMatchObject({ id: 'sep-2350-scope-union-on-reauth', status: 'SUCCESS', clientId: expect.any(String) });
    expect(c!.eventIds!.length).toBeGreaterThanOrEqual(2);
    const { events } = await s.control.events(0);
    expect(c!.eventIds!.every((id) => events.some((e) => e.id === id))).toBe(true);
    expect(s.realm.stepUp.switchState).toBe(false);
    expect(s.realm.exam.checks(c!.clientId)).toHaveLength(1);
    expect(s.realm.exam.checks('someone-else')).toEqual([]);
  });

  it('a policy the user changed while the probe ran is left as the user set it', async () => {
    await s.control.exam(['refresh-reuse']);
    await s.control.setPolicy({ rotateRefreshTokens: false });
    await s.control.setPolicy({ rotationGraceSeconds: 30 });
    await s.control.endExam();
    expect(s.realm.policy.rotationGraceSeconds).toBe(30);
  });

  it('finish grades what struck and leaves the never-arisen SKIPPED and disarmed', async () => {
    await s.control.exam(['iss-wrong', 'metadata-issuer-mismatch']);
    const r = await post(s.oauthUrl, '/control/exam/finish');
    expect(r.json.probes.map((p: { state: string }) => p.state)).toEqual(['not-arisen', 'not-arisen']);
    expect(r.json.checks.map((c: { status: string }) => c.status)).toEqual(['SKIPPED', 'SKIPPED']);
    expect(s.realm.faults.list()).toEqual([]);
  });

  it('reset disarms and clears; a new POST replaces the exam before it', async () => {
    await s.control.exam(['iss-wrong', 'step-up-scope']);
    await s.control.exam(['token-503']);
    expect(s.realm.faults.list().map((f) => f.id)).toEqual(['exam-token-503']);
    expect(s.realm.stepUp.switchState).toBe(false);
    await s.control.reset();
    expect((await get(s.oauthUrl, '/control/exam')).json).toMatchObject({ probes: [], checks: [] });
    expect(s.realm.faults.list()).toEqual([]);
  });
});

describe('CONTROL_TOKEN locks the exam like every control route', () => {
  it('no token or a wrong one: 401, nothing armed; the right one arms', async () => {
    const locked = await start({ controlToken: 'exam-secret' });
    try {
      expect((await post(locked.oauthUrl, '/control/exam', '{"probes":["iss-wrong"]}')).status).toBe(401);
      expect((await post(locked.oauthUrl, '/control/exam', '{"probes":["iss-wrong"]}', { authorization: 'Bearer nope' })).status).toBe(401);
      expect((await get(locked.oauthUrl, '/control/exam')).status).toBe(401);
      expect(locked.realm.faults.list()).toEqual([]);
      expect((await post(locked.oauthUrl, '/control/exam', '{"probes":["iss-wrong"]}', { authorization: 'Bearer exam-secret' })).status).toBe(201);
      expect(locked.realm.faults.list().map((f) => f.id)).toEqual(['exam-iss-wrong']);
    } finally {
      await locked.close();
    }
  });
});
