import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory.js';
import { access, refresh } from '../store/contract.js';

const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;

/**
 * The memory store keeps one Set of token ids per grant for both kinds (store/memory.ts). The same
 * string can be an access token of one grant and a (seeded) refresh token of another: revoking or
 * forgetting one must never take the other with it.
 */
describe('the grant index: one id list per grant, both kinds', () => {
  it('revoking a grant removes its own tokens only, even when another grant holds the same string in the other table', async () => {
    const store = new MemoryStore(() => T0);
    await store.upsert('access', 'same', access('gA', T0 + HOUR));
    await store.upsert('refresh', 'rA', refresh('gA'));
    await store.upsert('refresh', 'same', refresh('gB'));
    expect(await store.revokeByGrantId('gA')).toBe(2);
    expect(await store.find('access', 'same')).toBeUndefined();
    expect(await store.find('refresh', 'rA')).toBeUndefined();
    expect((await store.find('refresh', 'same'))?.grantId).toBe('gB');
    expect(await store.revokeByGrantId('gB')).toBe(1);
    expect(await store.find('refresh', 'same')).toBeUndefined();
  });

  it('an id that is both an access and a refresh token of one grant stays listed until both are gone', async () => {
    const store = new MemoryStore(() => T0);
    await store.upsert('access', 'both', access('g', T0 + HOUR));
    await store.upsert('refresh', 'both', refresh('g'));
    expect(await store.destroy('access', 'both')).toBe(true);
    // Still revocable through its grant: the refresh token was not forgotten with the access token.
    expect(await store.revokeByGrantId('g')).toBe(1);
    expect(await store.find('refresh', 'both')).toBeUndefined();
  });

  it('a rotated refresh token and a redeemed code are kept as plain copies with consumedAt, the originals untouched', async () => {
    const store = new MemoryStore(() => T0);
    const original = refresh('g', { expiresAt: T0 + HOUR });
    await store.upsert('refresh', 'r', original);
    const spent = await store.consume('refresh', 'r', T0 + 2 * HOUR);
    expect(spent).toEqual({ outcome: 'consumed', record: { ...original, consumedAt: T0, expiresAt: T0 + 2 * HOUR } });
    expect(original.consumedAt).toBeUndefined();
    expect(original.expiresAt).toBe(T0 + HOUR);
  });
});
