import { beforeEach, describe, expect, it } from 'vitest';
import { MAX_TOMBSTONES, MODELS, TOMBSTONE_TTL_MS, type Store } from '../../src/store/store.js';
import type { AccessRecord, ClientRecord, CodeRecord, RefreshRecord } from '../../src/store/types.js';

/** Milliseconds on the clock the store is given; tests move it by hand. */
const T0 = 1_700_000_000_000;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export function client(id: string, over: Partial<ClientRecord> = {}): ClientRecord {
  return {
    client_id: id,
    client_id_issued_at: Math.floor(T0 / 1000),
    redirect_uris: ['http://127.0.0.1:53682/callback'],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    metadata: { client_name: `client ${id}` },
    ...over,
  };
}

export function code(grantId: string, expiresAt: number, over: Partial<CodeRecord> = {}): CodeRecord {
  return {
    grantId,
    expiresAt,
    clientId: 'c1',
    redirectUri: 'http://127.0.0.1:53682/callback',
    codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    scope: ['mcp'],
    resources: [],
    sub: 'test-user',
    ...over,
  };
}

export function access(grantId: string, expiresAt: number, over: Partial<AccessRecord> = {}): AccessRecord {
  return {
    grantId,
    expiresAt,
    clientId: 'c1',
    scope: ['mcp'],
    aud: ['http://localhost:9101/mcp'],
    sub: 'test-user',
    iat: Math.floor(T0 / 1000),
    exp: Math.floor(expiresAt / 1000),
    ...over,
  };
}

/** A refresh token; without `expiresAt` it lives until it is consumed or revoked. */
export function refresh(grantId: string, over: Partial<RefreshRecord> = {}): RefreshRecord {
  return { grantId, clientId: 'c1', scope: ['mcp'], resources: [], sub: 'test-user', iat: Math.floor(T0 / 1000), ...over };
}

const byId = <R>(rows: Array<[string, R]>) => [...rows].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * The contract of src/store/store.ts: what every Store adapter must do, method by method, as its
 * doc comments promise (and no more: order of listings, identity of objects and behaviour the
 * interface is silent about are not asserted). `make` gets the clock the store must read.
 */
export function storeContract(name: string, make: (now: () => number) => Store | Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let t: number;
    let store: Store;
    const now = () => t;

    beforeEach(async () => {
      t = T0;
      store = await make(now);
    });

    describe('clients', () => {
      it('upsertClient then findClient round-trips the record; an unknown id is undefined', async () => {
        const c = client('c1', { client_secret: 's3cret', client_secret_expires_at: 0, token_endpoint_auth_method: 'client_secret_post' });
        expect(await store.upsertClient(c)).toBe(true);
        expect(await store.findClient('c1')).toEqual(c);
        expect(await store.findClient('nope')).toBeUndefined();
      });

      it('upsertClient of a kept id replaces it', async () => {
        await store.upsertClient(client('c1'));
        const updated = client('c1', { redirect_uris: ['http://127.0.0.1:1/cb'], metadata: { client_name: 'renamed' } });
        expect(await store.upsertClient(updated)).toBe(true);
        expect(await store.findClient('c1')).toEqual(updated);
        expect(await store.countClients()).toBe(1);
      });

      it('with a cap, a new client is refused (false, nothing stored) once cap clients are kept', async () => {
        expect(await store.upsertClient(client('a'), 2)).toBe(true);
        expect(await store.upsertClient(client('b'), 2)).toBe(true);
        expect(await store.upsertClient(client('c'), 2)).toBe(false);
        expect(await store.findClient('c')).toBeUndefined();
        expect(await store.countClients()).toBe(2);
        expect((await store.clientIds()).sort()).toEqual(['a', 'b']);
      });

      it('with a cap reached, an existing client may still be updated', async () => {
        await store.upsertClient(client('a'), 1);
        const updated = client('a', { metadata: { client_name: 'updated' } });
        expect(await store.upsertClient(updated, 1)).toBe(true);
        expect(await store.findClient('a')).toEqual(updated);
        expect(await store.countClients()).toBe(1);
      });

      it('the cap counts clients kept by any means: saved without a cap, they still fill it', async () => {
        await store.upsertClient(client('a'));
        await store.upsertClient(client('b'));
        expect(await store.upsertClient(client('c'), 2)).toBe(false);
        expect(await store.upsertClient(client('c'), 3)).toBe(true);
      });

      it('clientIds lists every kept client id, countClients counts them', async () => {
        expect(await store.clientIds()).toEqual([]);
        expect(await store.countClients()).toBe(0);
        for (const id of ['x', 'y', 'z']) await store.upsertClient(client(id));
        expect((await store.clientIds()).sort()).toEqual(['x', 'y', 'z']);
        expect(await store.countClients()).toBe(3);
      });

      it('the cap holds under concurrency: 20 parallel new clients with cap 5 → exactly 5 kept', async () => {
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.upsertClient(client(`p${i}`), 5)));
        expect(results.filter(Boolean)).toHaveLength(5);
        expect(await store.countClients()).toBe(5);
        const kept = (await store.clientIds()).sort();
        expect(kept).toEqual(results.flatMap((ok, i) => (ok ? [`p${i}`] : [])).sort());
      });
    });

    describe('find / upsert', () => {
      it('round-trips a record of each model; an unknown id is undefined', async () => {
        const c = code('g1', t + MINUTE, { redirectUri: undefined });
        const a = access('g1', t + HOUR);
        const r = refresh('g1');
        await store.upsert('code', 'k', c);
        await store.upsert('access', 'k2', a);
        await store.upsert('refresh', 'k3', r);
        expect(await store.find('code', 'k')).toEqual(c);
        expect(await store.find('access', 'k2')).toEqual(a);
        expect(await store.find('refresh', 'k3')).toEqual(r);
        expect(await store.find('code', 'unknown')).toBeUndefined();
      });

      it('models are separate namespaces: one id in code, access and refresh is three records', async () => {
        const c = code('g-code', t + MINUTE);
        const a = access('g-access', t + HOUR);
        const r = refresh('g-refresh');
        await store.upsert('code', 'same', c);
        await store.upsert('access', 'same', a);
        await store.upsert('refresh', 'same', r);
        expect(await store.find('code', 'same')).toEqual(c);
        expect(await store.find('access', 'same')).toEqual(a);
        expect(await store.find('refresh', 'same')).toEqual(r);

        expect((await store.consume('code', 'same')).outcome).toBe('consumed');
        expect((await store.find('access', 'same'))!.consumedAt).toBeUndefined();
        expect((await store.find('refresh', 'same'))!.consumedAt).toBeUndefined();

        expect(await store.destroy('access', 'same')).toBe(true);
        expect(await store.find('access', 'same')).toBeUndefined();
        expect(await store.find('code', 'same')).toBeDefined();
        expect(await store.find('refresh', 'same')).toEqual(r);
      });

      it('upsert of a kept id replaces the record', async () => {
        await store.upsert('refresh', 'r', refresh('g1', { scope: ['a'] }));
        await store.upsert('refresh', 'r', refresh('g1', { scope: ['b'] }));
        expect((await store.find('refresh', 'r'))!.scope).toEqual(['b']);
        expect(await store.list('refresh')).toHaveLength(1);
      });

      it('records handed out are snapshots: a later consume or upsert of the id does not change them', async () => {
        await store.upsert('refresh', 'r', refresh('g1', { scope: ['a'] }));
        const before = (await store.find('refresh', 'r'))!;
        const spent = await store.consume('refresh', 'r', t + HOUR);
        expect(spent.outcome).toBe('consumed');
        expect(before.consumedAt).toBeUndefined();
        expect(before.expiresAt).toBeUndefined();

        await store.upsert('refresh', 'r', refresh('g1', { scope: ['b'] }));
        expect(spent.outcome === 'consumed' && spent.record.scope).toEqual(['a']);
        expect(spent.outcome === 'consumed' && spent.record.consumedAt).toBe(t);
        expect(before.scope).toEqual(['a']);
        const [[, listed]] = (await store.list('refresh')) as [[string, RefreshRecord]];
        await store.upsert('refresh', 'r', refresh('g1', { scope: ['c'] }));
        expect(listed.scope).toEqual(['b']);
      });
    });

    describe('upsert with a cap', () => {
      const rec = { code: (g: string) => code(g, T0 + MINUTE), access: (g: string) => access(g, T0 + HOUR), refresh: (g: string) => refresh(g) };
      for (const m of MODELS) {
        it(`${m}: a new record is refused ('full', nothing stored) once cap records are kept; without a cap it is saved`, async () => {
          for (let i = 0; i < 3; i++) expect(await store.upsert(m, `k${i}`, rec[m](`g${i}`), 3)).toBe(true);
          expect(await store.upsert(m, 'k3', rec[m]('g3'), 3)).toBe('full');
          expect(await store.find(m, 'k3')).toBeUndefined();
          expect(await store.list(m)).toHaveLength(3);
          expect(await store.upsert(m, 'k3', rec[m]('g3'))).toBe(true);
        });
      }

      it('with the cap reached, a kept id may still be replaced', async () => {
        for (let i = 0; i < 2; i++) await store.upsert('access', `a${i}`, access('g', T0 + HOUR), 2);
        expect(await store.upsert('access', 'a0', access('g', T0 + 2 * HOUR), 2)).toBe(true);
        expect((await store.find('access', 'a0'))?.expiresAt).toBe(T0 + 2 * HOUR);
      });

      it('the cap counts spent records still remembered; what is past its expiresAt is swept to make room', async () => {
        await store.upsert('refresh', 'r0', refresh('g0'), 2);
        await store.upsert('refresh', 'r1', refresh('g1'), 2);
        await store.consume('refresh', 'r0', T0 + MINUTE);
        expect(await store.upsert('refresh', 'r2', refresh('g2'), 2)).toBe('full');
        t = T0 + MINUTE;
        expect(await store.upsert('refresh', 'r2', refresh('g2'), 2)).toBe(true);
        expect(await store.find('refresh', 'r2')).toBeDefined();
      });

      it('hasRoom says what upsert with the same cap would do, counting spent records and sweeping expired ones', async () => {
        expect(await store.hasRoom('refresh', 2)).toBe(true);
        await store.upsert('refresh', 'r0', refresh('g0'), 2);
        await store.upsert('refresh', 'r1', refresh('g1'), 2);
        await store.consume('refresh', 'r0', T0 + MINUTE);
        expect(await store.hasRoom('refresh', 2)).toBe(false);
        expect(await store.hasRoom('refresh', 3)).toBe(true);
        expect(await store.hasRoom('access', 1)).toBe(true);
        t = T0 + MINUTE;
        expect(await store.hasRoom('refresh', 2)).toBe(true);
        expect(await store.upsert('refresh', 'r2', refresh('g2'), 2)).toBe(true);
      });

      it('a revoked grant still answers false, not full', async () => {
        await store.revokeByGrantId('gone', T0 + HOUR);
        expect(await store.upsert('access', 'a', access('gone', T0 + HOUR), 1)).toBe(false);
      });

      it('the cap holds under concurrency: 20 parallel new tokens with cap 5 → exactly 5 kept', async () => {
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.upsert('access', `p${i}`, access(`g${i}`, T0 + HOUR), 5)));
        expect(results.filter((r) => r === true)).toHaveLength(5);
        expect(results.filter((r) => r === 'full')).toHaveLength(15);
        expect(await store.list('access')).toHaveLength(5);
      });
    });

    describe('consume', () => {
      it('answers missing for an unknown id (and stores nothing)', async () => {
        expect(await store.consume('code', 'nope')).toEqual({ outcome: 'missing' });
        expect(await store.consume('refresh', 'nope', t + HOUR)).toEqual({ outcome: 'missing' });
        expect(await store.find('code', 'nope')).toBeUndefined();
        expect(await store.list('refresh')).toEqual([]);
      });

      it('exactly one consumed ever, with consumedAt on the store clock; later ones answer already with the spent record', async () => {
        const c = code('g1', t + MINUTE);
        await store.upsert('code', 'k', c);
        t += 1000;
        const first = await store.consume('code', 'k');
        expect(first).toEqual({ outcome: 'consumed', record: { ...c, consumedAt: T0 + 1000 } });
        t += 1000;
        for (let i = 0; i < 3; i++) {
          const again = await store.consume('code', 'k');
          expect(again.outcome).toBe('already');
          // consumedAt is set once: the first consumption's time, not this one's.
          expect(again).toEqual({ outcome: 'already', record: { ...c, consumedAt: T0 + 1000 } });
        }
        const found = (await store.find('code', 'k'))!;
        expect(typeof found.consumedAt).toBe('number');
        expect(found.consumedAt).toBe(T0 + 1000);
      });

      it('keepUntil replaces expiresAt (later or earlier than it was)', async () => {
        await store.upsert('code', 'later', code('g1', t + MINUTE));
        await store.upsert('code', 'earlier', code('g2', t + HOUR));
        const a = await store.consume('code', 'later', t + HOUR);
        const b = await store.consume('code', 'earlier', t + MINUTE);
        expect(a.outcome === 'consumed' && a.record.expiresAt).toBe(T0 + HOUR);
        expect(b.outcome === 'consumed' && b.record.expiresAt).toBe(T0 + MINUTE);
        expect((await store.find('code', 'later'))!.expiresAt).toBe(T0 + HOUR);
        expect((await store.find('code', 'earlier'))!.expiresAt).toBe(T0 + MINUTE);
      });

      it('keepUntil gives a refresh token without expiresAt one; without keepUntil expiresAt is left as it was', async () => {
        await store.upsert('refresh', 'r1', refresh('g1'));
        await store.upsert('refresh', 'r2', refresh('g2'));
        await store.upsert('code', 'k', code('g3', t + MINUTE));
        const r1 = await store.consume('refresh', 'r1', t + HOUR);
        expect(r1.outcome === 'consumed' && r1.record.expiresAt).toBe(T0 + HOUR);
        await store.consume('refresh', 'r2');
        expect((await store.find('refresh', 'r2'))!.expiresAt).toBeUndefined();
        await store.consume('code', 'k');
        expect((await store.find('code', 'k'))!.expiresAt).toBe(T0 + MINUTE);
      });

      it('a spent record with keepUntil is remembered until then, past its original expiresAt', async () => {
        await store.upsert('code', 'k', code('g1', t + MINUTE));
        await store.consume('code', 'k', t + HOUR);
        t += 2 * MINUTE;
        await store.sweep();
        expect((await store.consume('code', 'k')).outcome).toBe('already');
        t = T0 + HOUR;
        await store.sweep();
        expect(await store.consume('code', 'k')).toEqual({ outcome: 'missing' });
      });

      it('the store does not judge expiry: a record past expiresAt, not yet swept, is found and consumed', async () => {
        const c = code('g1', t + MINUTE);
        await store.upsert('code', 'k', c);
        t += 2 * MINUTE;
        expect(await store.find('code', 'k')).toEqual(c);
        const spent = await store.consume('code', 'k');
        expect(spent).toEqual({ outcome: 'consumed', record: { ...c, consumedAt: t } });
        expect((await store.consume('code', 'k')).outcome).toBe('already');
      });

      it('a destroyed record is missing to consume', async () => {
        await store.upsert('refresh', 'r', refresh('g1'));
        await store.destroy('refresh', 'r');
        expect(await store.consume('refresh', 'r', t + HOUR)).toEqual({ outcome: 'missing' });
      });
    });

    describe('atomicity', () => {
      const N = 50;

      it(`${N} concurrent consumes of one code: exactly one consumed, ${N - 1} already`, async () => {
        await store.upsert('code', 'k', code('g1', t + MINUTE));
        const outcomes = await Promise.all(Array.from({ length: N }, () => store.consume('code', 'k')));
        expect(outcomes.filter((o) => o.outcome === 'consumed')).toHaveLength(1);
        expect(outcomes.filter((o) => o.outcome === 'already')).toHaveLength(N - 1);
        const consumedAt = new Set(outcomes.map((o) => (o.outcome === 'missing' ? undefined : o.record.consumedAt)));
        expect([...consumedAt]).toEqual([T0]);
      });

      it(`${N} concurrent consumes of one refresh token with keepUntil: one winner, and its keepUntil is the one kept`, async () => {
        await store.upsert('refresh', 'r', refresh('g1'));
        const outcomes = await Promise.all(Array.from({ length: N }, (_, i) => store.consume('refresh', 'r', T0 + HOUR + i)));
        const winners = outcomes.flatMap((o, i) => (o.outcome === 'consumed' ? [i] : []));
        expect(winners).toHaveLength(1);
        expect(outcomes.filter((o) => o.outcome === 'already')).toHaveLength(N - 1);
        const w = winners[0]!;
        expect((await store.find('refresh', 'r'))!.expiresAt).toBe(T0 + HOUR + w);
        for (const o of outcomes) if (o.outcome === 'already') expect(o.record.consumedAt).toBe(T0);
      });

      it('concurrent consumes of distinct ids are independent: each is consumed once', async () => {
        for (let i = 0; i < 10; i++) await store.upsert('code', `k${i}`, code('g1', t + MINUTE));
        const outcomes = await Promise.all(Array.from({ length: 30 }, (_, i) => store.consume('code', `k${i % 10}`)));
        expect(outcomes.filter((o) => o.outcome === 'consumed')).toHaveLength(10);
        expect(outcomes.filter((o) => o.outcome === 'already')).toHaveLength(20);
      });
    });

    describe('destroy / revokeByGrantId / destroyAll', () => {
      it('destroy answers true when a record was destroyed, false when there was none', async () => {
        await store.upsert('access', 'a', access('g1', t + HOUR));
        expect(await store.destroy('access', 'a')).toBe(true);
        expect(await store.find('access', 'a')).toBeUndefined();
        expect(await store.destroy('access', 'a')).toBe(false);
        expect(await store.destroy('refresh', 'a')).toBe(false);
      });

      it('revokeByGrantId destroys the access and refresh tokens of that grant only, and says how many', async () => {
        await store.upsert('access', 'a1', access('g1', t + HOUR));
        await store.upsert('access', 'a2', access('g1', t + HOUR));
        await store.upsert('refresh', 'r1', refresh('g1'));
        await store.upsert('refresh', 'r2', refresh('g1'));
        await store.consume('refresh', 'r1', t + HOUR); // a rotated one is still of the family
        await store.upsert('access', 'b1', access('g2', t + HOUR));
        await store.upsert('refresh', 'b2', refresh('g2'));

        expect(await store.revokeByGrantId('g1')).toBe(4);
        for (const [m, id] of [['access', 'a1'], ['access', 'a2'], ['refresh', 'r1'], ['refresh', 'r2']] as const) {
          expect(await store.find(m, id)).toBeUndefined();
        }
        expect(await store.find('access', 'b1')).toBeDefined();
        expect(await store.find('refresh', 'b2')).toBeDefined();
        expect(await store.revokeByGrantId('g1')).toBe(0);
        expect(await store.revokeByGrantId('never-seen')).toBe(0);
      });

      it('revokeByGrantId finds every token of a large family, and none of those destroyed or moved before', async () => {
        // A rotating family grows token by token; some leave it on their own on the way.
        for (let i = 0; i < 30; i++) {
          await store.upsert('access', `a${i}`, access('g1', t + HOUR));
          await store.upsert('refresh', `r${i}`, refresh('g1'));
        }
        for (let i = 0; i < 30; i += 3) await store.destroy('access', `a${i}`);
        await store.upsert('refresh', 'r1', refresh('g2')); // saved again under another grant
        expect(await store.revokeByGrantId('g1')).toBe(60 - 10 - 1);
        expect(await store.find('refresh', 'r1')).toBeDefined();
        expect(await store.revokeByGrantId('g2')).toBe(1);
        // A grant that shrank to nothing and grew again.
        await store.upsert('access', 'x', access('g3', t + HOUR));
        await store.destroy('access', 'x');
        await store.upsert('access', 'y', access('g3', t + HOUR));
        await store.upsert('access', 'y', access('g3', t + HOUR));
        expect(await store.revokeByGrantId('g3')).toBe(1);
      });

      it('revokeByGrantId leaves the codes of the grant: a spent code stays remembered for replay detection', async () => {
        await store.upsert('code', 'k', code('g1', t + MINUTE));
        await store.consume('code', 'k');
        await store.upsert('access', 'a', access('g1', t + HOUR));
        await store.upsert('refresh', 'r', refresh('g1'));
        expect(await store.revokeByGrantId('g1')).toBe(2);
        const kept = await store.find('code', 'k');
        expect(kept?.consumedAt).toBe(T0);
        expect((await store.consume('code', 'k')).outcome).toBe('already');
        // Codes are not counted: a grant with only a code has no tokens to revoke.
        expect(await store.revokeByGrantId('g1')).toBe(0);
      });

      it('upsert saves and answers true; a grant revoked with keepUntil refuses new tokens until then', async () => {
        expect(await store.upsert('access', 'a0', access('g1', t + HOUR))).toBe(true);
        expect(await store.revokeByGrantId('g1', t + MINUTE)).toBe(1);
        // A request that consumed the grant's code or refresh token before the revocation, saving late.
        expect(await store.upsert('access', 'late-a', access('g1', t + HOUR))).toBe(false);
        expect(await store.upsert('refresh', 'late-r', refresh('g1'))).toBe(false);
        expect(await store.find('access', 'late-a')).toBeUndefined();
        expect(await store.find('refresh', 'late-r')).toBeUndefined();
        expect((await store.counts()).accessTokens + (await store.counts()).refreshTokens).toBe(0);
        // Other grants and codes are not affected.
        expect(await store.upsert('access', 'other', access('g2', t + HOUR))).toBe(true);
        expect(await store.upsert('code', 'k', code('g1', t + MINUTE))).toBe(true);
        t += MINUTE;
        await store.sweep();
        expect(await store.upsert('access', 'after', access('g1', t + HOUR))).toBe(true);
      });

      it('revokeByGrantId without keepUntil remembers nothing: the grant takes new tokens again', async () => {
        await store.upsert('access', 'a0', access('g1', t + HOUR));
        expect(await store.revokeByGrantId('g1')).toBe(1);
        expect(await store.upsert('access', 'a1', access('g1', t + HOUR))).toBe(true);
        expect(await store.find('access', 'a1')).toBeDefined();
      });

      it('clear forgets revoked grants too', async () => {
        await store.revokeByGrantId('g1', t + HOUR);
        await store.clear();
        expect(await store.upsert('refresh', 'r', refresh('g1'))).toBe(true);
      });

      it('revokeByGrantId counts what is left after destroy of single tokens', async () => {
        await store.upsert('access', 'a1', access('g1', t + HOUR));
        await store.upsert('access', 'a2', access('g1', t + HOUR));
        await store.upsert('refresh', 'r1', refresh('g1'));
        await store.destroy('access', 'a1');
        expect(await store.revokeByGrantId('g1')).toBe(2);
      });

      it('a token upserted again under another grant belongs to that grant only', async () => {
        await store.upsert('refresh', 'r', refresh('old'));
        await store.upsert('access', 'a', access('old', t + HOUR));
        await store.upsert('refresh', 'r', refresh('new'));
        expect(await store.revokeByGrantId('old')).toBe(1);
        expect(await store.find('access', 'a')).toBeUndefined();
        expect((await store.find('refresh', 'r'))?.grantId).toBe('new');
        expect(await store.revokeByGrantId('new')).toBe(1);
        expect(await store.find('refresh', 'r')).toBeUndefined();
      });

      it('destroyAll(model) destroys every record of that model only and says how many', async () => {
        await store.upsert('code', 'k', code('g1', t + MINUTE));
        await store.upsert('access', 'a1', access('g1', t + HOUR));
        await store.upsert('access', 'a2', access('g2', t - 1)); // expired, still kept
        await store.upsert('access', 'a3', access('g2', t + HOUR));
        await store.consume('access', 'a3');
        await store.upsert('refresh', 'r1', refresh('g1'));
        await store.upsert('refresh', 'r2', refresh('g2'));

        expect(await store.destroyAll('access')).toBe(3);
        expect(await store.list('access')).toEqual([]);
        expect(await store.find('code', 'k')).toBeDefined();
        expect(await store.list('refresh')).toHaveLength(2);
        expect(await store.destroyAll('access')).toBe(0);
      });

      it('after destroyAll, grant bookkeeping is consistent: revokeByGrantId counts only what is left', async () => {
        await store.upsert('access', 'a1', access('g1', t + HOUR));
        await store.upsert('access', 'a2', access('g1', t + HOUR));
        await store.upsert('refresh', 'r1', refresh('g1'));
        await store.upsert('access', 'b1', access('g2', t + HOUR));
        await store.destroyAll('access');
        expect(await store.revokeByGrantId('g2')).toBe(0);
        expect(await store.revokeByGrantId('g1')).toBe(1);
        expect(await store.find('refresh', 'r1')).toBeUndefined();

        // New tokens of a grant whose tokens were all destroyed are tracked again.
        await store.upsert('access', 'b2', access('g2', t + HOUR));
        await store.destroyAll('refresh');
        expect(await store.revokeByGrantId('g2')).toBe(1);
        expect(await store.find('access', 'b2')).toBeUndefined();
      });
    });

    describe('a long access token (an RFC 9068 JWT)', () => {
      const jwt = (n: number) => `eyJhbGciOiJSUzI1NiJ9.${'x'.repeat(600)}${n}.sig`;

      it('is found, consumed, destroyed and remembered by the token, like any other', async () => {
        await store.upsert('access', jwt(1), access('g1', t + HOUR));
        await store.upsert('access', jwt(2), access('g1', t + HOUR));
        expect(await store.find('access', jwt(1))).toEqual(access('g1', t + HOUR));
        expect(await store.find('access', jwt(3))).toBeUndefined();
        expect((await store.consume('access', jwt(2))).outcome).toBe('consumed');
        expect((await store.consume('access', jwt(2))).outcome).toBe('already');
        expect(await store.destroy('access', jwt(1), 'revoked')).toBe(true);
        expect(await store.find('access', jwt(1))).toBeUndefined();
        expect(await store.tombstone('access', jwt(1))).toEqual({ cause: 'revoked', at: T0 });
        expect(await store.revokeByGrantId('g1')).toBe(1);
      });

      it('list and dump give a key that every method takes for the token, and load takes back', async () => {
        await store.upsert('access', jwt(1), access('g1', t + HOUR));
        const [[key, record]] = (await store.list('access')) as [[string, unknown]];
        expect(record).toEqual(access('g1', t + HOUR));
        expect(await store.find('access', key)).toEqual(access('g1', t + HOUR));
        const copy = await make(now);
        await copy.load(await store.dump());
        expect(await copy.find('access', jwt(1))).toEqual(access('g1', t + HOUR));
        expect(await copy.revokeByGrantId('g1')).toBe(1);
      });

      it('a dump that has the token whole (a state file written before) is taken as the token', async () => {
        const dump = await store.dump();
        dump.records.access.push([jwt(1), access('g1', t + HOUR)]);
        dump.tombstones.access.push([jwt(2), { cause: 'revoked', at: T0 }]);
        await store.load(dump);
        expect(await store.find('access', jwt(1))).toEqual(access('g1', t + HOUR));
        expect(await store.tombstone('access', jwt(2))).toEqual({ cause: 'revoked', at: T0 });
      });
    });

    describe('list / counts', () => {
      it('list returns every kept record of the model, expired and consumed ones included', async () => {
        const live = code('g1', t + MINUTE);
        const expired = code('g2', t - 1);
        const spent = code('g3', t + MINUTE);
        await store.upsert('code', 'live', live);
        await store.upsert('code', 'expired', expired);
        await store.upsert('code', 'spent', spent);
        await store.consume('code', 'spent');
        await store.upsert('access', 'other-model', access('g1', t + HOUR));
        expect(byId(await store.list('code'))).toEqual([
          ['expired', expired],
          ['live', live],
          ['spent', { ...spent, consumedAt: T0 }],
        ]);
        expect(await store.list('refresh')).toEqual([]);
      });

      it('counts counts clients and, per model, only live records (not consumed, not past expiresAt)', async () => {
        expect(await store.counts()).toEqual({ clients: 0, codes: 0, accessTokens: 0, refreshTokens: 0 });
        await store.upsertClient(client('c1'));
        await store.upsertClient(client('c2'));
        await store.upsert('code', 'k1', code('g1', t + MINUTE));
        await store.upsert('code', 'k2', code('g1', t + MINUTE));
        await store.consume('code', 'k2');
        await store.upsert('code', 'k3', code('g1', t)); // expiresAt == now: no longer live
        await store.upsert('access', 'a1', access('g1', t + HOUR));
        await store.upsert('access', 'a2', access('g1', t + 1));
        await store.upsert('access', 'a3', access('g1', t - 1));
        await store.upsert('refresh', 'r1', refresh('g1'));
        await store.upsert('refresh', 'r2', refresh('g1'));
        await store.upsert('refresh', 'r3', refresh('g1', { expiresAt: t + HOUR }));
        await store.consume('refresh', 'r2', t + HOUR);
        expect(await store.counts()).toEqual({ clients: 2, codes: 1, accessTokens: 2, refreshTokens: 2 });
        t += 1; // a2 reaches its expiresAt: counts reads the clock it was given
        expect(await store.counts()).toEqual({ clients: 2, codes: 1, accessTokens: 1, refreshTokens: 2 });
      });
    });

    describe('sweep / clear', () => {
      it('sweep forgets the records whose expiresAt <= now (store clock), keeps the rest and those without expiresAt', async () => {
        await store.upsertClient(client('c1'));
        await store.upsert('code', 'k-past', code('g1', t - 1));
        await store.upsert('code', 'k-now', code('g1', t));
        await store.upsert('code', 'k-later', code('g1', t + 1));
        await store.upsert('access', 'a-past', access('g1', t - 1));
        await store.upsert('access', 'a-later', access('g1', t + MINUTE));
        await store.upsert('refresh', 'r-forever', refresh('g1'));
        await store.upsert('refresh', 'r-spent-forever', refresh('g1'));
        await store.consume('refresh', 'r-spent-forever');
        await store.upsert('refresh', 'r-past', refresh('g1', { expiresAt: t - 1 }));

        await store.upsert('code', 'k-spent-past', code('g1', t - 1));
        await store.consume('code', 'k-spent-past');
        await store.sweep();
        // A code is forgotten at its expiry like the rest: its tombstone answers a late redemption.
        expect((await store.list('code')).map(([id]) => id)).toEqual(['k-later']);
        expect((await store.list('access')).map(([id]) => id)).toEqual(['a-later']);
        expect((await store.list('refresh')).map(([id]) => id).sort()).toEqual(['r-forever', 'r-spent-forever']);
        expect(await store.findClient('c1')).toBeDefined();
        t += HOUR;
        await store.sweep();
        expect(await store.list('code')).toEqual([]);
        expect(await store.list('access')).toEqual([]);
        expect((await store.list('refresh')).map(([id]) => id).sort()).toEqual(['r-forever', 'r-spent-forever']);
      });

      it('after sweep, a swept grant has nothing left to revoke; a partly swept one counts what is left', async () => {
        await store.upsert('access', 'a1', access('g1', t + MINUTE));
        await store.upsert('refresh', 'r1', refresh('g1', { expiresAt: t + MINUTE }));
        await store.upsert('access', 'a2', access('g2', t + MINUTE));
        await store.upsert('refresh', 'r2', refresh('g2'));
        t += MINUTE;
        await store.sweep();
        expect(await store.revokeByGrantId('g1')).toBe(0);
        expect(await store.revokeByGrantId('g2')).toBe(1);
        expect(await store.find('refresh', 'r2')).toBeUndefined();
      });

      it('clear empties everything: clients, every model, grant bookkeeping', async () => {
        await store.upsertClient(client('c1'));
        await store.upsert('code', 'x', code('g1', t + MINUTE));
        await store.upsert('access', 'x', access('g1', t + HOUR));
        await store.upsert('refresh', 'x', refresh('g1'));
        await store.clear();
        expect(await store.clientIds()).toEqual([]);
        expect(await store.countClients()).toBe(0);
        expect(await store.findClient('c1')).toBeUndefined();
        for (const m of MODELS) {
          expect(await store.list(m)).toEqual([]);
          expect(await store.find(m, 'x')).toBeUndefined();
        }
        expect(await store.counts()).toEqual({ clients: 0, codes: 0, accessTokens: 0, refreshTokens: 0 });
        expect(await store.revokeByGrantId('g1')).toBe(0);
        // And it is usable afterwards.
        expect(await store.upsertClient(client('c2'), 1)).toBe(true);
        await store.upsert('access', 'y', access('g1', t + HOUR));
        expect(await store.revokeByGrantId('g1')).toBe(1);
      });
    });
    describe('dump / load: what a state file carries across a restart', () => {
      /** A store with one of everything: live, spent, expired, revoked, and their tombstones. */
      async function filled(s: Store): Promise<void> {
        await s.upsertClient(client('c1', { client_secret: 's3cret', token_endpoint_auth_method: 'client_secret_post' }));
        await s.upsertClient(client('c2'));
        await s.upsert('code', 'k-live', code('g1', t + MINUTE));
        await s.upsert('code', 'k-spent', code('g1', t + MINUTE, { redirectUri: undefined }));
        await s.consume('code', 'k-spent');
        await s.upsert('access', 'a-live', access('g1', t + HOUR));
        await s.upsert('access', 'a-expired', access('g2', t - 1));
        await s.upsert('refresh', 'r-rotated', refresh('g1', { expiresAt: t + HOUR }));
        await s.consume('refresh', 'r-rotated', t + HOUR);
        await s.upsert('refresh', 'r-live', refresh('g1', { expiresAt: t + HOUR }));
        await s.upsert('refresh', 'r-seed', refresh('seed-1', { clientId: null }));
        await s.upsert('access', 'a-family', access('g3', t + HOUR));
        await s.revokeByGrantId('g3', t + MINUTE, 'refresh-reused');
        await s.upsert('access', 'a-revoked', access('g4', t + HOUR));
        await s.destroy('access', 'a-revoked', 'revoked');
      }

      it('a fresh store loaded with a dump (through JSON, as a file holds it) answers every method as the original', async () => {
        await filled(store);
        const dump = JSON.parse(JSON.stringify(await store.dump()));
        const copy = await make(now);
        await copy.load(dump);
        expect(await copy.findClient('c1')).toEqual(await store.findClient('c1'));
        expect((await copy.clientIds()).sort()).toEqual(['c1', 'c2']);
        for (const m of MODELS) expect(byId(await copy.list(m))).toEqual(byId(await store.list(m)));
        expect(await copy.counts()).toEqual(await store.counts());
        for (const [m, id] of [['access', 'a-family'], ['access', 'a-revoked']] as const) {
          expect(await copy.tombstone(m, id)).toEqual(await store.tombstone(m, id));
        }
        expect(await copy.tombstone('access', 'a-family')).toEqual({ cause: 'refresh-reused', at: T0 });
        // Single use survives: the spent code and the rotated refresh token are still spent.
        expect((await copy.consume('code', 'k-spent')).outcome).toBe('already');
        expect((await copy.consume('refresh', 'r-rotated')).outcome).toBe('already');
        expect((await copy.consume('code', 'k-live')).outcome).toBe('consumed');
        // The revoked grant still refuses late tokens, until its keepUntil.
        expect(await copy.upsert('access', 'late', access('g3', t + HOUR))).toBe(false);
        // Grant bookkeeping is rebuilt: a family loaded is revoked whole.
        expect(await copy.revokeByGrantId('g1')).toBe(3);
        expect(await copy.find('refresh', 'r-live')).toBeUndefined();
        // What was past its expiry comes back as it was, and is swept to an 'expired' tombstone.
        expect(await copy.find('access', 'a-expired')).toBeDefined();
        await copy.sweep();
        expect(await copy.tombstone('access', 'a-expired')).toEqual({ cause: 'expired', at: T0 - 1 });
      });

      it('load replaces everything that was kept; an empty dump empties the store', async () => {
        await filled(store);
        const copy = await make(now);
        await copy.upsertClient(client('other'));
        await copy.upsert('access', 'other', access('gx', t + HOUR));
        await copy.destroy('access', 'other', 'revoked');
        await copy.revokeByGrantId('g9', t + HOUR);
        await copy.load(await store.dump());
        expect(await copy.findClient('other')).toBeUndefined();
        expect(await copy.tombstone('access', 'other')).toBeUndefined();
        expect(await copy.upsert('access', 'g9-token', access('g9', t + HOUR))).toBe(true);
        const empty = await make(now);
        await copy.load(await empty.dump());
        expect(await copy.counts()).toEqual({ clients: 0, codes: 0, accessTokens: 0, refreshTokens: 0 });
        for (const m of MODELS) expect(await copy.list(m)).toEqual([]);
      });

      it('a dump is a snapshot: later changes to the store do not reach it', async () => {
        await filled(store);
        const dump = await store.dump();
        const before = JSON.stringify(dump);
        await store.consume('code', 'k-live');
        await store.consume('refresh', 'r-live', t + MINUTE);
        await store.upsert('access', 'new', access('g5', t + HOUR));
        await store.upsertClient(client('c1', { redirect_uris: ['http://127.0.0.1:1/other'] }));
        await store.revokeByGrantId('g1', t + HOUR);
        await store.destroyAll('access');
        t += HOUR;
        await store.sweep();
        expect(JSON.stringify(dump)).toBe(before);
      });
    });

    describe('tombstones: why a record is gone', () => {
      it('sweep leaves an expired tombstone at the expiresAt, with consumedAt for a spent record', async () => {
        await store.upsert('code', 'k', code('g1', t + MINUTE));
        await store.upsert('code', 'k-spent', code('g1', t + MINUTE));
        await store.consume('code', 'k-spent');
        await store.upsert('access', 'a', access('g1', t + HOUR));
        await store.upsert('refresh', 'r', refresh('g1'));
        await store.consume('refresh', 'r', t + 2 * MINUTE);
        t += 5 * HOUR;
        await store.sweep();
        expect(await store.find('code', 'k')).toBeUndefined();
        expect(await store.tombstone('code', 'k')).toEqual({ cause: 'expired', at: T0 + MINUTE });
        expect(await store.tombstone('code', 'k-spent')).toEqual({ cause: 'expired', at: T0 + MINUTE, consumedAt: T0 });
        expect(await store.tombstone('access', 'a')).toEqual({ cause: 'expired', at: T0 + HOUR });
        expect(await store.tombstone('refresh', 'r')).toEqual({ cause: 'expired', at: T0 + 2 * MINUTE, consumedAt: T0 });
      });

      it('a record still kept, or never kept, has no tombstone; models are separate', async () => {
        await store.upsert('access', 'a', access('g1', t - 1)); // expired, not swept yet
        expect(await store.tombstone('access', 'a')).toBeUndefined();
        expect(await store.tombstone('access', 'never')).toBeUndefined();
        await store.sweep();
        expect(await store.tombstone('access', 'a')).toBeDefined();
        expect(await store.tombstone('refresh', 'a')).toBeUndefined();
        expect(await store.tombstone('code', 'a')).toBeUndefined();
      });

      it('destroy with a cause leaves a revoked tombstone at the time of destruction; without one, none', async () => {
        await store.upsert('access', 'a1', access('g1', t + HOUR));
        await store.upsert('access', 'a2', access('g1', t + HOUR));
        t += 1000;
        expect(await store.destroy('access', 'a1', 'revoked')).toBe(true);
        expect(await store.destroy('access', 'a2')).toBe(true);
        expect(await store.tombstone('access', 'a1')).toEqual({ cause: 'revoked', at: T0 + 1000 });
        expect(await store.tombstone('access', 'a2')).toBeUndefined();
        // Nothing to destroy: nothing laid.
        expect(await store.destroy('access', 'nope', 'revoked')).toBe(false);
        expect(await store.tombstone('access', 'nope')).toBeUndefined();
      });

      it('revokeByGrantId lays its cause on every token of the grant (grant-revoked by default); codes keep their record', async () => {
        await store.upsert('code', 'k', code('g1', t + MINUTE));
        await store.consume('code', 'k');
        await store.upsert('access', 'a', access('g1', t + HOUR));
        await store.upsert('refresh', 'r-old', refresh('g1'));
        await store.consume('refresh', 'r-old', t + HOUR);
        await store.upsert('refresh', 'r', refresh('g1'));
        await store.upsert('access', 'b', access('g2', t + HOUR));
        await store.upsert('access', 'c', access('g3', t + HOUR));
        t += 1000;
        expect(await store.revokeByGrantId('g1', t + MINUTE, 'refresh-reused')).toBe(3);
        expect(await store.revokeByGrantId('g2')).toBe(1);
        expect(await store.revokeByGrantId('g3', undefined, 'code-replayed')).toBe(1);
        expect(await store.tombstone('access', 'a')).toEqual({ cause: 'refresh-reused', at: T0 + 1000 });
        expect(await store.tombstone('refresh', 'r')).toEqual({ cause: 'refresh-reused', at: T0 + 1000 });
        expect(await store.tombstone('refresh', 'r-old')).toEqual({ cause: 'refresh-reused', at: T0 + 1000, consumedAt: T0 });
        expect(await store.tombstone('access', 'b')).toEqual({ cause: 'grant-revoked', at: T0 + 1000 });
        expect(await store.tombstone('access', 'c')).toEqual({ cause: 'code-replayed', at: T0 + 1000 });
        expect(await store.tombstone('code', 'k')).toBeUndefined();
        expect((await store.find('code', 'k'))?.consumedAt).toBe(T0);
      });

      it('destroyAll lays revoked-all on every record of the model only', async () => {
        await store.upsert('access', 'a1', access('g1', t + HOUR));
        await store.upsert('access', 'a2', access('g2', t + HOUR));
        await store.upsert('refresh', 'r', refresh('g1'));
        await store.destroyAll('access');
        expect(await store.tombstone('access', 'a1')).toEqual({ cause: 'revoked-all', at: T0 });
        expect(await store.tombstone('access', 'a2')).toEqual({ cause: 'revoked-all', at: T0 });
        expect(await store.tombstone('refresh', 'r')).toBeUndefined();
      });

      it(`a tombstone is forgotten TOMBSTONE_TTL_MS after it was laid (at), swept or not; one older than that is never laid`, async () => {
        await store.upsert('access', 'a', access('g1', t + HOUR));
        await store.upsert('access', 'b', access('g1', t + 2 * HOUR));
        await store.destroy('access', 'a', 'revoked');
        t += TOMBSTONE_TTL_MS - 1;
        expect(await store.tombstone('access', 'a')).toBeDefined();
        t += 1;
        expect(await store.tombstone('access', 'a')).toBeUndefined();
        await store.sweep();
        expect(await store.tombstone('access', 'a')).toBeUndefined();
        // b expired at T0 + 2 h, and is swept only now: its tombstone counts from its expiry.
        expect(await store.tombstone('access', 'b')).toEqual({ cause: 'expired', at: T0 + 2 * HOUR });
        t = T0 + 2 * HOUR + TOMBSTONE_TTL_MS;
        await store.sweep();
        expect(await store.tombstone('access', 'b')).toBeUndefined();
        await store.upsert('access', 'c', access('g1', T0 + 3 * HOUR));
        t += TOMBSTONE_TTL_MS; // far past c's expiry: swept with nothing to remember
        await store.sweep();
        expect(await store.find('access', 'c')).toBeUndefined();
        expect(await store.tombstone('access', 'c')).toBeUndefined();
      });

      it(`at most MAX_TOMBSTONES (${MAX_TOMBSTONES}) per model: the oldest laid are forgotten first; other models keep theirs`, async () => {
        await store.upsert('refresh', 'r', refresh('rg'));
        await store.destroy('refresh', 'r', 'revoked');
        for (let i = 0; i <= MAX_TOMBSTONES; i++) await store.upsert('access', `a${i}`, access(`g${i}`, t + HOUR));
        expect(await store.destroyAll('access')).toBe(MAX_TOMBSTONES + 1);
        expect(await store.tombstone('access', 'a0')).toBeUndefined();
        expect(await store.tombstone('access', 'a1')).toEqual({ cause: 'revoked-all', at: T0 });
        expect(await store.tombstone('access', `a${MAX_TOMBSTONES}`)).toEqual({ cause: 'revoked-all', at: T0 });
        let kept = 0;
        for (let i = 0; i <= MAX_TOMBSTONES; i++) if (await store.tombstone('access', `a${i}`)) kept++;
        expect(kept).toBe(MAX_TOMBSTONES);
        expect(await store.tombstone('refresh', 'r')).toEqual({ cause: 'revoked', at: T0 });
      });

      it('upserting the id again removes its tombstone; clear forgets every tombstone', async () => {
        await store.upsert('refresh', 'seed', refresh('s1'));
        await store.destroy('refresh', 'seed', 'revoked');
        await store.upsert('refresh', 'seed', refresh('s2'));
        expect(await store.tombstone('refresh', 'seed')).toBeUndefined();
        await store.upsert('access', 'a', access('g1', t + HOUR));
        await store.destroy('access', 'a', 'revoked');
        await store.clear();
        expect(await store.tombstone('access', 'a')).toBeUndefined();
      });
    });
  });
}
