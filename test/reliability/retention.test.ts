import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runTracked } from '../support/children.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/retention.ts', import.meta.url));
const N = 300;
// Each request carries a 60,000-character unknown parameter. A record that keeps a slice of the
// request keeps all of it (300 × 60 KB ≈ 18 MB measured); copies keep a few hundred bytes each
// (≈ 0.3 MB measured). 6 MB is far from both, so allocator noise cannot flip the answer.
const BOUND = 6 * 1024 * 1024;

/** Runs the probe in a child with --expose-gc, so the growth is measured after full collections. */
async function growth(kind: 'refresh' | 'authorize'): Promise<{ growth: number; counts: Record<string, number> }> {
  const ran = await runTracked(process.execPath, ['--expose-gc', '--import', 'tsx', FIXTURE, kind, String(N)], { timeoutMs: 60_000 });
  expect(ran.code, ran.stderr).toBe(0);
  return JSON.parse(ran.stdout.trim().split('\n').at(-1)!);
}

describe('stored records do not keep requests alive (issue 10)', () => {
  it('300 refresh grants padded with 60 KB each leave < 6 MB behind after GC', { timeout: 90_000 }, async () => {
    const r = await growth('refresh');
    expect(r.counts.accessTokens).toBeGreaterThanOrEqual(N);
    expect(r.growth).toBeLessThan(BOUND);
  });

  it('300 /authorize requests with 60 KB URLs leave < 6 MB behind after GC', { timeout: 90_000 }, async () => {
    const r = await growth('authorize');
    expect(r.counts.codes).toBeGreaterThanOrEqual(N);
    expect(r.growth).toBeLessThan(BOUND);
  });
});
