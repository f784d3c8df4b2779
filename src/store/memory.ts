import { createHash } from 'node:crypto';
import {
  isLive,
  MAX_TOMBSTONES,
  MODELS,
  TOMBSTONE_TTL_MS,
  type Cause,
  type Consumption,
  type GrantRevocation,
  type Model,
  type Models,
  type Store,
  type StoreCounts,
  type StoreDump,
  type Tombstone,
} from './store.js';
import type { ClientRecord } from './types.js';

type Tables = { [M in Model]: Map<string, Models[M]> };
type Graves = { [M in Model]: Map<string, Tombstone> };
/** A grant's token ids (MemoryStore.grants). */
type Ids = string | string[] | Set<string>;
/**
 * The key an access token is kept under. A JWT access token (RFC 9068) is 600 bytes and more, and
 * every one is kept until it expires: past LONG characters it is kept under its SHA-256 instead
 * (`#` and 43 characters; no token has a `#`, RFC 6750 §2.1). Every method that takes a token maps it
 * here, so callers never see the difference, except that `list` and `dump` give keys.
 */
const LONG = 100;
function keyOf(model: Model, token: string): string {
  return model === 'access' && token.length > LONG ? `#${createHash('sha256').update(token).digest('base64url')}` : token;
}
/** Up to this many ids a grant keeps them in an array (a rotating family grows past it). */
const FEW = 8;

/**
 * The Store in memory. JavaScript runs each method body to completion before any other request is
 * served, which is what makes `consume` atomic here; an adapter over a database needs a conditional
 * update for the same guarantee.
 */
export class MemoryStore implements Store {
  private readonly clients = new Map<string, ClientRecord>();
  private readonly tables: Tables = { code: new Map(), access: new Map(), refresh: new Map() };
  /**
   * grantId → the ids of that grant's access and refresh tokens, for revokeByGrantId. One entry for
   * both kinds (a record's own grantId says which table holds it), as small as the grant: the id
   * itself while it is the only one, an array while there are few, a Set beyond. A grant from an
   * authorization has two ids, and a Set of two costs about 150 bytes where an array of two costs 64;
   * every grant is kept as long as its tokens.
   */
  private readonly grants = new Map<string, Ids>();
  /** Revoked grants → until when they stay revoked. */
  private readonly revoked = new Map<string, number>();
  /** Per model, id → why and when it died; in the order they were laid, so the oldest go first at the cap. */
  private readonly graves: Graves = { code: new Map(), access: new Map(), refresh: new Map() };

  constructor(private readonly now: () => number) {}

  async findClient(id: string): Promise<ClientRecord | undefined> {
    return this.clients.get(id);
  }

  async upsertClient(client: ClientRecord, cap?: number): Promise<boolean> {
    if (cap !== undefined && !this.clients.has(client.client_id) && this.clients.size >= cap) return false;
    this.clients.set(client.client_id, client);
    return true;
  }

  async clientIds(): Promise<string[]> {
    return [...this.clients.keys()];
  }

  async countClients(): Promise<number> {
    return this.clients.size;
  }

  async find<M extends Model>(model: M, id: string): Promise<Models[M] | undefined> {
    return this.table(model).get(keyOf(model, id));
  }

  async upsert<M extends Model>(model: M, token: string, record: Models[M], cap?: number): Promise<boolean | 'full'> {
    const id = keyOf(model, token);
    if (model !== 'code' && this.isRevoked(record.grantId)) return false;
    // A token saved again under another grant (a re-seeded refresh token) leaves its old grant.
    const old = this.table(model).get(id);
    if (cap !== undefined && !old && this.table(model).size >= cap) {
      // Full: make room from what is past its expiry before refusing (O(n), only at the cap).
      this.sweepModel(model, this.now());
      if (this.table(model).size >= cap) return 'full';
    }
    if (old && old.grantId !== record.grantId) this.forget(model, id, old.grantId);
    this.graves[model].delete(id);
    this.table(model).set(id, record);
    if (model !== 'code') this.index(record.grantId, id);
    return true;
  }

  async consume<M extends Model>(model: M, token: string, keepUntil?: number): Promise<Consumption<Models[M]>> {
    const id = keyOf(model, token);
    const table = this.table(model);
    const record = table.get(id);
    if (!record) return { outcome: 'missing' };
    if (record.consumedAt !== undefined) return { outcome: 'already', record };
    // A spread copies the record's own layout. A record made with `consumedAt: undefined` (they are:
    // store/fields.ts) then gets its value in place; adding a field the record lacks would give the
    // copy a separate properties store (64 bytes or more), and every redeemed code and rotated
    // refresh token is kept a while.
    const spent: Models[M] = { ...record };
    spent.consumedAt = this.now();
    if (keepUntil !== undefined) spent.expiresAt = keepUntil;
    table.set(id, spent);
    return { outcome: 'consumed', record: spent };
  }

  async destroy(model: Model, token: string, cause?: 'revoked'): Promise<boolean> {
    const id = keyOf(model, token);
    const record = this.table(model).get(id);
    if (!record) return false;
    this.forget(model, id, record.grantId, cause);
    return true;
  }

  async revokeByGrantId(grantId: string, keepUntil?: number, cause: GrantRevocation = 'grant-revoked'): Promise<number> {
    if (keepUntil !== undefined && keepUntil > (this.revoked.get(grantId) ?? 0)) this.revoked.set(grantId, keepUntil);
    const g = this.grants.get(grantId);
    if (g === undefined) return 0;
    let n = 0;
    for (const id of typeof g === 'string' ? [g] : g) {
      // An id is in one table for this grant; the other may hold the same string for another grant.
      for (const m of ['access', 'refresh'] as const) {
        const record = this.tables[m].get(id);
        if (record?.grantId !== grantId) continue;
        this.bury(m, id, record, cause);
        this.tables[m].delete(id);
        n++;
      }
    }
    this.grants.delete(grantId);
    return n;
  }

  async destroyAll(model: Model): Promise<number> {
    const table = this.table(model);
    const n = table.size;
    for (const [id, r] of [...table]) this.forget(model, id, r.grantId, 'revoked-all');
    return n;
  }

  async tombstone(model: Model, token: string): Promise<Tombstone | undefined> {
    const t = this.graves[model].get(keyOf(model, token));
    // Past its age, a tombstone not yet swept is forgotten already.
    return t && t.at + TOMBSTONE_TTL_MS > this.now() ? t : undefined;
  }

  async list<M extends Model>(model: M): Promise<Array<[string, Models[M]]>> {
    return [...this.table(model)];
  }

  async hasRoom(model: Model, cap: number): Promise<boolean> {
    if (this.table(model).size < cap) return true;
    this.sweepModel(model, this.now());
    return this.table(model).size < cap;
  }

  async counts(): Promise<StoreCounts> {
    const now = this.now();
    const live = (m: Model) => {
      let n = 0;
      for (const r of this.table(m).values()) if (isLive(r, now)) n++;
      return n;
    };
    return { clients: this.clients.size, codes: live('code'), accessTokens: live('access'), refreshTokens: live('refresh') };
  }

  async sweep(): Promise<void> {
    const now = this.now();
    for (const m of MODELS) {
      this.sweepModel(m, now);
      const graves = this.graves[m];
      for (const [id, t] of graves) if (t.at + TOMBSTONE_TTL_MS <= now) graves.delete(id);
    }
    for (const [g, until] of this.revoked) if (until <= now) this.revoked.delete(g);
  }

  private sweepModel(m: Model, now: number): void {
    const table = this.table(m);
    let expired = 0;
    for (const r of table.values()) if (r.expiresAt !== undefined && r.expiresAt <= now) expired++;
    if (expired === 0) return;
    // Of n expired records only the last MAX_TOMBSTONES graves would stay (the oldest go first at the
    // cap): laying the others just to evict them made a million-token sweep 4× slower.
    let unburied = expired - MAX_TOMBSTONES;
    for (const [id, r] of table) {
      if (r.expiresAt === undefined || r.expiresAt > now) continue;
      this.forget(m, id, r.grantId, unburied-- > 0 ? undefined : 'expired');
    }
  }

  async clear(): Promise<void> {
    this.clients.clear();
    for (const m of MODELS) this.table(m).clear();
    this.grants.clear();
    this.revoked.clear();
    for (const m of MODELS) this.graves[m].clear();
  }

  async dump(): Promise<StoreDump> {
    // The records themselves, not copies: this store never changes one in place (consume and upsert
    // set a new object), so the arrays are a snapshot already. Copying each made a dump of 200,000
    // tokens take 2 s instead of a few milliseconds, and a state file takes one 4 times a second.
    return {
      clients: [...this.clients.values()],
      records: { code: [...this.tables.code], access: [...this.tables.access], refresh: [...this.tables.refresh] },
      revokedGrants: [...this.revoked],
      tombstones: { code: [...this.graves.code], access: [...this.graves.access], refresh: [...this.graves.refresh] },
    };
  }

  async load(dump: StoreDump): Promise<void> {
    await this.clear();
    for (const c of dump.clients) this.clients.set(c.client_id, c);
    for (const m of MODELS) {
      for (const [token, r] of dump.records[m] as Array<[string, Models[Model]]>) {
        // A state file written before JWTs were kept under their digest has them whole.
        const id = keyOf(m, token);
        this.tables[m].set(id, r as never);
        if (m !== 'code') this.index(r.grantId, id);
      }
      // The newest MAX_TOMBSTONES, in the order they were laid.
      for (const [id, t] of dump.tombstones[m].slice(-MAX_TOMBSTONES)) this.graves[m].set(keyOf(m, id), t);
    }
    for (const [grantId, until] of dump.revokedGrants) this.revoked.set(grantId, until);
  }

  private table<M extends Model>(model: M): Map<string, Models[M]> {
    return this.tables[model] as Map<string, Models[M]>;
  }

  private isRevoked(grantId: string): boolean {
    const until = this.revoked.get(grantId);
    return until !== undefined && until > this.now();
  }

  private index(grantId: string, id: string): void {
    const g = this.grants.get(grantId);
    if (g === undefined) this.grants.set(grantId, id);
    else if (typeof g === 'string') {
      if (g !== id) this.grants.set(grantId, [g, id]);
    } else if (Array.isArray(g)) {
      if (g.includes(id)) return;
      if (g.length < FEW) g.push(id);
      else this.grants.set(grantId, new Set(g).add(id));
    } else g.add(id);
  }

  private unindex(grantId: string, id: string): void {
    const g = this.grants.get(grantId);
    if (g === undefined) return;
    if (typeof g === 'string') {
      if (g === id) this.grants.delete(grantId);
      return;
    }
    if (Array.isArray(g)) {
      const i = g.indexOf(id);
      if (i >= 0) g.splice(i, 1);
      if (g.length === 0) this.grants.delete(grantId);
      return;
    }
    g.delete(id);
    if (g.size === 0) this.grants.delete(grantId);
  }

  /**
   * Lays the tombstone of a record about to be forgotten: only why and when, so that nothing of the
   * record (nor of the request that made it) stays alive. One already past its age is not laid.
   */
  private bury(model: Model, id: string, record: Models[Model] | undefined, cause: Cause): void {
    const now = this.now();
    const at = cause === 'expired' && record?.expiresAt !== undefined ? record.expiresAt : now;
    if (at + TOMBSTONE_TTL_MS <= now) return;
    const graves = this.graves[model];
    graves.delete(id);
    graves.set(id, record?.consumedAt !== undefined ? { cause, at, consumedAt: record.consumedAt } : { cause, at });
    if (graves.size > MAX_TOMBSTONES) graves.delete(graves.keys().next().value!);
  }

  private forget(model: Model, id: string, grantId: string, cause?: Cause): void {
    if (cause !== undefined) this.bury(model, id, this.table(model).get(id), cause);
    this.table(model).delete(id);
    if (model === 'code') return;
    // The same id may be both an access and a refresh token of this grant (a seeded refresh token
    // chosen equal to one): it stays listed while either table holds it for the grant.
    const other = this.table(model === 'access' ? 'refresh' : 'access').get(id);
    if (other?.grantId !== grantId) this.unindex(grantId, id);
  }
}
