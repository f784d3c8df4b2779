import type { AccessRecord, ClientRecord, CodeRecord, RefreshRecord } from './types.js';

/** The token-like models a store keeps, by name (oidc-provider keeps one adapter per model). */
export interface Models {
  code: CodeRecord;
  access: AccessRecord;
  refresh: RefreshRecord;
}
export type Model = keyof Models;
export const MODELS: readonly Model[] = ['code', 'access', 'refresh'];

/**
 * The one decision point for single use. Exactly one `consume` of a record ever answers `consumed`;
 * every later one answers `already` with the record (replay: the caller revokes its grant).
 */
export type Consumption<R> = { outcome: 'consumed'; record: R } | { outcome: 'already'; record: R } | { outcome: 'missing' };

/** Why a grant was revoked (revokeByGrantId): each of its tokens remembers it. */
export type GrantRevocation =
  /** A refresh token of the grant was revoked (POST /revoke, RFC 7009 §2.1). */
  | 'grant-revoked'
  /** An authorization code of the grant was redeemed twice (OAuth 2.1 §4.1.3). */
  | 'code-replayed'
  /** A rotated refresh token of the grant was used again (OAuth 2.1 §4.3.1). */
  | 'refresh-reused';

/** Why a token-like record is gone, as its tombstone remembers it. */
export type Cause =
  /** Past its expiresAt: swept (or swept to make room at a cap). */
  | 'expired'
  /** Destroyed by itself, with this cause (POST /revoke of an access token). */
  | 'revoked'
  /** Destroyed with every record of its model (destroyAll: the revoke-access switch). */
  | 'revoked-all'
  | GrantRevocation;

/**
 * What is remembered of a record once it is gone: why and when, never the record itself. It lets an
 * answer say "expired at T" or "revoked with its grant" instead of "unknown".
 */
export interface Tombstone {
  cause: Cause;
  /** When it died, ms on the store's clock: its expiresAt when it expired, else when it was removed. */
  at: number;
  /** Set when the record had been consumed (a spent code, a rotated refresh token): when. */
  consumedAt?: number;
}

/**
 * Tombstones are bounded twice: each is forgotten TOMBSTONE_TTL_MS after its `at`, and at most
 * MAX_TOMBSTONES are kept per model (the oldest laid are forgotten first). Past either, a dead
 * record is "unknown", as one never issued is.
 */
export const TOMBSTONE_TTL_MS = 24 * 3600_000;
export const MAX_TOMBSTONES = 10_000;

/**
 * Everything a store keeps, as plain data (JSON-safe): what `dump` gives and `load` takes. A state
 * file holds one per realm; an adapter over a database need not use it but must answer it.
 */
export interface StoreDump {
  clients: ClientRecord[];
  records: { [M in Model]: Array<[string, Models[M]]> };
  /** Grants revoked with a keepUntil (revokeByGrantId): [grantId, until, ms on the store's clock]. */
  revokedGrants: Array<[string, number]>;
  /** Per model, id → tombstone, oldest laid first (the order MAX_TOMBSTONES evicts in). */
  tombstones: { [M in Model]: Array<[string, Tombstone]> };
}

export interface StoreCounts {
  clients: number;
  /** Records neither consumed nor past `expiresAt`. */
  codes: number;
  accessTokens: number;
  refreshTokens: number;
}

/**
 * All OAuth state of one realm, shaped like oidc-provider's adapter (find / upsert / consume /
 * destroy / revokeByGrantId) so that a persistent or shared adapter can stand in for the memory one.
 * Every method is async; each must be atomic on its own. Records handed out are snapshots: change
 * them only through `upsert` and `consume`. Expiry is the caller's to judge (`find` may return a
 * record past `expiresAt` until it is swept), so "expired" can be told apart from "unknown".
 * test/store/contract.ts is the suite every adapter must pass.
 */
export interface Store {
  findClient(id: string): Promise<ClientRecord | undefined>;
  /** Saves a client; with `cap`, a new client is refused (false) once `cap` clients are kept. */
  upsertClient(client: ClientRecord, cap?: number): Promise<boolean>;
  clientIds(): Promise<string[]>;
  countClients(): Promise<number>;

  find<M extends Model>(model: M, id: string): Promise<Models[M] | undefined>;
  /**
   * Saves a record. An access or refresh token whose grant was revoked with a `keepUntil` still ahead
   * is not saved (false): a token minted by a request that raced the revocation dies with its family.
   * With `cap`, a new record is refused ('full') once `cap` records of the model are kept, counting
   * spent and expired ones not yet swept; what is past its expiresAt is swept first to make room.
   * Without `cap` the answer is a boolean, as it always was.
   */
  upsert<M extends Model>(model: M, id: string, record: Models[M], cap?: number): Promise<boolean | 'full'>;
  /** Marks the record spent; `keepUntil` replaces its expiresAt (how long a spent record is remembered). */
  consume<M extends Model>(model: M, id: string, keepUntil?: number): Promise<Consumption<Models[M]>>;
  /**
   * Destroys a record. With `cause` it leaves a tombstone; without, it is forgotten at once (a token
   * taken back before it was handed out was never issued).
   */
  destroy(model: Model, id: string, cause?: 'revoked'): Promise<boolean>;
  /**
   * Destroys the access and refresh tokens of a grant (a refresh family), each leaving a tombstone
   * with `cause` ('grant-revoked' when not given); spent codes stay remembered.
   * With `keepUntil`, the grant stays revoked until then: tokens upserted into it are refused.
   */
  revokeByGrantId(grantId: string, keepUntil?: number, cause?: GrantRevocation): Promise<number>;
  /** Destroys every record of a model (the revoke-access switch), each leaving a 'revoked-all' tombstone. */
  destroyAll(model: Model): Promise<number>;
  /**
   * Why the record kept under `id` is gone, if it is remembered (see MAX_TOMBSTONES, TOMBSTONE_TTL_MS).
   * Undefined for a record that is still kept, or was never kept, or is forgotten. Upserting the id
   * again removes its tombstone.
   */
  tombstone(model: Model, id: string): Promise<Tombstone | undefined>;
  /**
   * Every kept record of a model, expired and consumed ones included, each with the key it is kept
   * under: the id it was saved with, or one the adapter derived from it (the memory store keeps a long
   * access token, a JWT, under its digest). Every method taking an id takes the key for the id, and
   * `load` takes both.
   */
  list<M extends Model>(model: M): Promise<Array<[string, Models[M]]>>;
  counts(): Promise<StoreCounts>;
  /**
   * Whether `upsert` with this cap would keep one more new record now (expired ones make room, as
   * there). Lets a handler refuse before it spends anything; cheap below the cap.
   */
  hasRoom(model: Model, cap: number): Promise<boolean>;

  /**
   * Forgets what is past its expiresAt, leaving an 'expired' tombstone at its expiresAt (so that a
   * late redemption is answered "expired", not "unknown"), and the tombstones past TOMBSTONE_TTL_MS.
   */
  sweep(): Promise<void>;
  /** Back to empty, tombstones included (POST /control/reset). */
  clear(): Promise<void>;

  /**
   * Everything kept, as one consistent snapshot (no change lands halfway through it): clients,
   * records (spent and expired ones not yet swept included, under their keys, as `list` gives them),
   * revoked grants and tombstones. Later
   * changes to the store do not change it; its records are snapshots like any handed out (read, never
   * change them).
   */
  dump(): Promise<StoreDump>;
  /**
   * Replaces everything with a dump (this adapter's or another's), which it takes as its own: afterwards
   * every method answers as the dumped store did, grant revocation and replay detection included. No cap
   * applies: the caller checks the counts first. Records past their expiry come back as they were, for `sweep`.
   */
  load(dump: StoreDump): Promise<void>;
}

/** Live: neither spent nor past its expiry at `now`. */
export function isLive(record: { expiresAt?: number; consumedAt?: number }, now: number): boolean {
  return record.consumedAt === undefined && (record.expiresAt === undefined || record.expiresAt > now);
}
