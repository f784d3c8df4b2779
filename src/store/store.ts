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
  destroy(model: Model, id: string): Promise<boolean>;
  /**
   * Destroys the access and refresh tokens of a grant (a refresh family); spent codes stay remembered.
   * With `keepUntil`, the grant stays revoked until then: tokens upserted into it are refused.
   */
  revokeByGrantId(grantId: string, keepUntil?: number): Promise<number>;
  /** Destroys every record of a model (the revoke-access switch). */
  destroyAll(model: Model): Promise<number>;
  /** Every kept record of a model, expired and consumed ones included. */
  list<M extends Model>(model: M): Promise<Array<[string, Models[M]]>>;
  counts(): Promise<StoreCounts>;

  /**
   * Forgets what is past its expiresAt, except an unspent code: it is kept EXPIRED_CODE_GRACE_MS
   * longer, so that its late redemption is answered "expired", not "unknown".
   */
  sweep(): Promise<void>;
  /** Back to empty (POST /control/reset). */
  clear(): Promise<void>;
}

/** How long `sweep` keeps an unspent code past its expiresAt (part of the contract). */
export const EXPIRED_CODE_GRACE_MS = 60_000;

/** Live: neither spent nor past its expiry at `now`. */
export function isLive(record: { expiresAt?: number; consumedAt?: number }, now: number): boolean {
  return record.consumedAt === undefined && (record.expiresAt === undefined || record.expiresAt > now);
}
