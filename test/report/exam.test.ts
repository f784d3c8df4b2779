import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Check } from '../../src/report/check.js';
import { PROBES } from '../../src/report/exam-probes.js';
import type { RunningServers } from '../../src/server.js';
import { runSession, type Defect } from '../fixtures/exam-clients/session-client.js';
import { connectWithConsent, type Connected } from '../../src/testing/connect.js';
import { start } from '../support/servers.js';
import { afterConsent, connectWithConsentV2, type ConnectedV2 } from '../support/v2-client.js';

/** Runs one probe against one client: a fresh realm, the probe armed, the session, then the grades. */
async function sit(s: RunningServers, probe: string, defect: Defect): Promise<Check[]> {
  await s.control.reset();
  await s.control.exam([probe]);
  await runSession(s.mcpUrl, defect).catch(() => undefined);
  return (await s.control.finishExam()).checks;
}

describe('the exam: each probe passes its correct client and fails the client with its one defect', () => {
  let s: RunningServers;
  beforeAll(async () => {
    s = await start();
  });
  afterAll(async () => {
    await s?.close();
  });

  for (const probe of PROBES) {
    it(`${probe.id}: the correct client SUCCESS, the broken one FAILURE of ${probe.checkId}`, async () => {
      const good = await sit(s, probe.id, 'none');
      expect(good.map((c) => [c.id, c.status, c.details?.why])).toEqual([[probe.checkId, 'SUCCESS', expect.any(String)]]);
      const bad = await sit(s, probe.id, probe.id as Defect);
      expect(bad.map((c) => [c.id, c.status, c.details?.why])).toEqual([[probe.checkId, 'FAILURE', expect.any(String)]]);
      expect(bad[0]!.errorMessage).toBe(bad[0]!.details?.why);
    });
  }

  it('a graded probe shows on the report card of the client it struck, and on no other card', async () => {
    await s.control.reset();
    await s.control.exam(['iss-wrong']);
    await runSession(s.mcpUrl, 'iss-wrong').catch(() => undefined);
    const checks = (await s.control.finishExam()).checks;
    expect(checks.map((c) => [c.id, c.status])).toEqual([['sep-2468-client-compare-iss-supported', 'FAILURE']]);
    const struck = checks[0]!.clientId!;
    const card = await s.control.report(struck);
    expect(card.filter((c) => c.id === 'sep-2468-client-compare-iss-supported').map((c) => c.status)).toEqual(['FAILURE']);
    const others = (await s.control.report()).clients.filter((c) => c.clientId !== struck);
    for (const other of others) expect(other.checks.map((c) => c.id)).not.toContain('sep-2468-client-compare-iss-supported');
  });

  // One defect each: a broken client fails its own probe and no other, but for the one defect that
  // implies another (a client that never compares iss also takes the trailing-slash variant).
  const ALSO_FAILS: Record<string, string[]> = { 'iss-wrong': ['iss-normalized'] };
  for (const defect of PROBES) {
    it(`the client with the ${defect.id} defect fails ${ALSO_FAILS[defect.id]?.join(', ') ?? 'no other probe'}`, async () => {
      const failed: string[] = [];
      for (const probe of PROBES) if (probe.id !== defect.id && (await sit(s, probe.id, defect.id as Defect))[0]!.status === 'FAILURE') failed.push(probe.id);
      expect(failed).toEqual(ALSO_FAILS[defect.id] ?? []);
    });
  }
});

/**
 * The official SDK clients through the iss probes and the step-up probe, graded as they are: the v2
 * client compares `iss` (RFC 9207 §2.4) and refuses both the wrong and the missing one before any
 * code reaches /token; 1.32.2 compares nothing and redeems. On step-up, v2 authorizes again with
 * the union the 403 named; 1.32.2, holding a refresh token, refreshes without the new scope, is
 * refused again and gives up (see test/e2e/step-up-sdk.test.ts): a WARNING.
 */
describe('the official SDK clients sit the exam (their honest grades, as the README shows them)', () => {
  let s: RunningServers;
  beforeAll(async () => {
    s = await start();
  });
  afterAll(async () => {
    await s?.close();
  });
  beforeEach(() => s.control.reset());

  const graded = async () => (await s.control.finishExam()).checks.map((c) => [c.id, c.status]);
  const settle = (p: Promise<unknown>) => p.then(
    (v) => v,
    () => undefined,
  );

  it.each([
    ['iss-wrong', 'sep-2468-client-compare-iss-supported'],
    ['iss-missing', 'sep-2468-client-reject-missing-iss'],
  ])('%s: SDK v2 SUCCESS (it refuses the response), SDK 1.32.2 FAILURE (it redeems the code)', async (probe, checkId) => {
    await s.control.exam([probe]);
    const v2 = (await settle(connectWithConsentV2(s.mcpUrl))) as ConnectedV2 | undefined;
    await v2?.client.close();
    expect(await graded()).toEqual([[checkId, 'SUCCESS']]);

    await s.control.reset();
    await s.control.exam([probe]);
    const v1 = (await settle(connectWithConsent(s.mcpUrl))) as Connected | undefined;
    await v1?.client.close();
    expect(await graded()).toEqual([[checkId, 'FAILURE']]);
  });

  it('step-up-scope: SDK v2 SUCCESS (the union); SDK 1.32.2 WARNING (it refreshes without the new scope and gives up)', async () => {
    const v2 = await connectWithConsentV2(s.mcpUrl);
    await s.control.exam(['step-up-scope']);
    const echo = (await afterConsent(v2, () => v2.client.callTool({ name: 'echo', arguments: { message: 'up' } }))) as { content: Array<{ text: string }> };
    expect(echo.content[0]!.text).toBe('up');
    await v2.client.close();
    const [v2Grade] = (await s.control.finishExam()).checks;
    expect([v2Grade!.status, v2Grade!.details?.why]).toEqual(['SUCCESS', 'it authorized again with the union the challenge named (mcp:read mcp:write mcp:admin)']);

    await s.control.reset();
    const v1 = await connectWithConsent(s.mcpUrl);
    await s.control.exam(['step-up-scope']);
    await settle(v1.client.callTool({ name: 'echo', arguments: { message: 'up' } }));
    await v1.client.close();
    const [v1Grade] = (await s.control.finishExam()).checks;
    expect([v1Grade!.id, v1Grade!.status, v1Grade!.details?.why]).toEqual([
      'sep-2350-scope-union-on-reauth',
      'WARNING',
      'after the 403 it refreshed without the new scope instead of a step-up: a refresh cannot widen the grant, so the call stays refused',
    ]);
  });
});
