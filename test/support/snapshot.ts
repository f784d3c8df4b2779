import type { Realm } from '../../src/realm.js';

/** Everything a rejected request must leave untouched. */
export async function snapshot(realm: Realm): Promise<unknown> {
  return {
    counts: await realm.store.counts(),
    clients: (await realm.store.clientIds()).sort(),
    access: (await realm.store.list('access')).map(([k]) => k).sort(),
    refresh: (await realm.store.list('refresh')).map(([k, r]) => `${k}:${r.consumedAt !== undefined}`).sort(),
    policy: realm.policy,
  };
}
