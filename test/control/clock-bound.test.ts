import { describe, expect, it } from 'vitest';
import { freshAS } from '../support/servers.js';
import { answer } from '../support/answer.js';
import { jsonPost } from '../support/http.js';

const HUNDRED_YEARS = 100 * 365 * 86400;
const stable = (st: { lastEventId?: unknown }) => ({ ...st, lastEventId: 0 });

describe('the clock offset is bounded (100 years in total)', () => {
  const as = freshAS();

  it('repeated advances stop at the bound with a 400 that names it; state, clock and switches keep working', async () => {
    expect((await as.req('/control/clock', jsonPost({ advance: HUNDRED_YEARS }))).status).toBe(200);
    const clockBefore = (await answer(await as.req('/control/clock'))).json;
    const stateBefore = (await answer(await as.req('/control/state'))).json;
    for (let i = 0; i < 30; i++) {
      const a = await answer(await as.req('/control/clock', jsonPost({ advance: HUNDRED_YEARS })));
      expect(a.status).toBe(400);
      expect(a.json).toEqual({ error: 'invalid_request', error_description: expect.stringMatching(/bounded to 3153600000 s \(100 years\)/) });
    }
    const one = await answer(await as.req('/control/clock', jsonPost({ advance: 1 })));
    expect(one.status).toBe(400);
    expect(one.json.error_description).toMatch(/at most 0 s more/);
    const clock = await answer(await as.req('/control/clock'));
    expect([clock.status, clock.json.offsetSeconds]).toEqual([200, clockBefore.offsetSeconds]);
    const state = await answer(await as.req('/control/state'));
    expect(state.status).toBe(200);
    expect(stable({ ...state.json, clock: { ...state.json.clock, now: 0 } })).toEqual(stable({ ...stateBefore, clock: { ...stateBefore.clock, now: 0 } }));
    expect((await as.req('/control/rotate', jsonPost({ on: true }))).status).toBe(200);
    expect((await as.req('/control/reset', { method: 'POST' })).status).toBe(200);
    expect((await answer(await as.req('/control/clock'))).json.offsetSeconds).toBe(0);
  });

  it('one huge step is refused whole, not applied in part', async () => {
    const a = await answer(await as.req('/control/clock', jsonPost({ advance: 1e15 })));
    expect(a.status).toBe(400);
    expect(a.json.error).toBe('invalid_request');
    expect((await answer(await as.req('/control/clock'))).json.offsetSeconds).toBe(0);
  });

  it('Clock.advance itself refuses to pass the bound and changes nothing', () => {
    const clock = as.realm.clock;
    clock.advance(HUNDRED_YEARS - 10);
    expect(() => clock.advance(11)).toThrow(RangeError);
    expect(clock.offsetSeconds).toBe(HUNDRED_YEARS - 10);
    expect(Number.isNaN(new Date(clock.now()).getTime())).toBe(false);
  });
});
