import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Check } from '../../src/report/check.js';
import { PROBES } from '../../src/report/exam-probes.js';
import type { RunningServers } from '../../src/server.js';
import { runSession, type Defect } from '../fixtures/exam-clients/session-client.js';
import { start } from '../support/servers.js';

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
});
