import { describe, expect, it } from 'vitest';
import { MAX_STEP_UP_CLIENTS, StepUpLedger } from '../../src/step-up.js';

describe('StepUpLedger: the switch countdown and per-client counts', () => {
  it('counts a switch down and stops at zero; on means until off', () => {
    const l = new StepUpLedger();
    expect([l.switchState, l.take()]).toEqual([false, false]);
    l.arm(2);
    expect([l.take(), l.switchState, l.take(), l.take(), l.switchState]).toEqual([true, 1, true, false, false]);
    l.arm(true);
    for (let i = 0; i < 5; i++) expect(l.take()).toBe(true);
    expect(l.switchState).toBe(true);
    l.arm(false);
    expect(l.take()).toBe(false);
  });

  it('a new token after a challenge is a re-authorization; the same challenge again counts a repeat, another challenge starts over', () => {
    const l = new StepUpLedger();
    expect(l.challenged('c', 't1', 'a b')).toBe(0);
    expect(l.challenged('c', 't1', 'a b')).toBe(0);
    expect(l.challenged('c', 't2', 'a b')).toBe(1);
    expect(l.challenged('c', 't3', 'a b')).toBe(2);
    expect(l.challenged('c', 't4', 'a c')).toBe(0);
    l.passed('c', 't4');
    expect(l.counts()).toEqual({ c: { challenges: 5, reauthorizations: 3 } });
    l.passed('c', 't5');
    expect(l.counts().c!.reauthorizations).toBe(4);
    // Nothing open any more: a pass is just a pass.
    l.passed('c', 't6');
    expect(l.counts().c!.reauthorizations).toBe(4);
  });

  it(`remembers at most ${MAX_STEP_UP_CLIENTS} clients, forgetting the least recently challenged`, () => {
    const l = new StepUpLedger();
    for (let i = 0; i < MAX_STEP_UP_CLIENTS; i++) l.challenged(`c${i}`, 't', 's');
    l.challenged('c0', 't', 's');
    l.challenged('new', 't', 's');
    const ids = Object.keys(l.counts());
    expect(ids).toHaveLength(MAX_STEP_UP_CLIENTS);
    expect(ids).toContain('c0');
    expect(ids).toContain('new');
    expect(ids).not.toContain('c1');
    l.clear();
    expect(l.counts()).toEqual({});
  });
});
