/**
 * A looping client does not grow the report card without bound: counters grow, lists do not
 * (in process, a few thousand requests; counts, not memory).
 */
import { describe, expect, it } from 'vitest';
import { MAX_REPORT_CLIENTS } from '../../src/report/card.js';
import { SAMPLE } from '../../src/report/recent.js';
import { authorizeQuery, register } from '../support/oauth.js';
import { pkce } from '../support/pkce.js';
import { freshAS } from '../support/servers.js';

const as = freshAS({ maxClients: 5000 });
const LOOPS = 2000;

describe('report card bounds', () => {
  it(`${LOOPS} registrations of one lineage: one lineage counted ${LOOPS} times, at most ${MAX_REPORT_CLIENTS} clients kept`, async () => {
    let last = '';
    for (let i = 0; i < LOOPS; i++) last = (await register(as, { client_name: 'storm', application_type: 'native' })).client_id;
    const card = as.realm.report;
    expect(card.size).toBe(MAX_REPORT_CLIENTS);
    expect(card.lineageCount).toBe(1);
    const storm = card.checks(last)!.find((k) => k.id === 'registration-storm')!;
    expect(storm.status).toBe('WARNING');
    expect(storm.details).toMatchObject({ registrations: LOOPS, refused: 0 });
    expect((storm.details!.newestClientIds as string[]).length).toBeLessThanOrEqual(8);
  });

  it(`${LOOPS} authorizations of one client with one state and challenge: counters, and samples of at most ${SAMPLE}`, async () => {
    const { client_id } = await register(as);
    const { challenge } = pkce();
    for (let i = 0; i < LOOPS; i++) {
      const res = await as.req(`/authorize?${authorizeQuery(client_id, i % 2 ? challenge : pkce().challenge, { state: i % 2 ? 'same' : `s${i}` })}`);
      expect(res.status).toBe(302);
    }
    const card = as.realm.report;
    expect(card.size).toBe(1);
    const checks = card.checks(client_id)!;
    expect(checks.find((k) => k.id === 'parallel-authorizations')!.details).toEqual({ maxOpen: LOOPS });
    expect(checks.find((k) => k.id === 'pkce-verifier-fresh')!.description).toContain(`${LOOPS / 2 - 1} time(s)`);
    expect(checks.find((k) => k.id === 'state-not-reused')!.description).toContain(`${LOOPS / 2 - 1} time(s)`);
    for (const k of checks) expect(k.eventIds?.length ?? 0).toBeLessThanOrEqual(3);
    // What a card answers for this client stays the size of a card, whatever the loop's length.
    expect(JSON.stringify(checks).length).toBeLessThan(20_000);
  });

  it('reset empties the card', async () => {
    await register(as, { client_name: 'x' });
    expect(as.realm.report.size).toBe(1);
    await as.realm.reset();
    expect(as.realm.report.size).toBe(0);
    expect(as.realm.report.lineageCount).toBe(0);
  });
});
