import type { Realm } from '../realm.js';
import { MAX_TOMBSTONES, TOMBSTONE_TTL_MS, type Cause, type Model } from '../store/store.js';

/**
 * Why a code or token no longer works, in words: the error_description at /token, and what the MCP
 * server's challenge says (through introspection). ASCII only, since it ends up in WWW-Authenticate
 * (RFC 6750 §3: "section", never the sign).
 */

const NOUN: Record<Model, string> = { code: 'authorization code', access: 'access token', refresh: 'refresh token' };

const BY: Record<Exclude<Cause, 'expired'>, string> = {
  revoked: 'by POST /revoke (RFC 7009)',
  'revoked-all': 'by the revoke-access switch (POST /control/revoke-access)',
  'grant-revoked': 'with its grant: a refresh token of the grant was revoked at POST /revoke (RFC 7009 section 2.1)',
  'code-replayed': 'with its grant: the authorization code of the grant was redeemed a second time (OAuth 2.1 section 4.1.3)',
  'refresh-reused': 'with its grant: a rotated refresh token of the grant was used again (OAuth 2.1 section 4.3.1)',
};

/** `2026-12-01T23:00:00.000Z (125 s ago)`: an instant of the realm clock, and how long before now. */
export function when(realm: Realm, at: number): string {
  return `${new Date(at).toISOString()} (${Math.max(0, Math.floor((realm.clock.now() - at) / 1000))} s ago)`;
}

/** A record `find` still gives although it is not live: spent, or past its expiresAt. */
export interface Kept {
  expiresAt?: number;
  consumedAt?: number;
}

/** What is known of a dead record: its kept record or its tombstone. */
type Death = Kept & { cause?: Cause; at?: number };

function predicate(realm: Realm, model: Model, d: Death): string {
  const spent = d.consumedAt === undefined ? undefined : new Date(d.consumedAt).toISOString();
  if (d.cause !== undefined && d.cause !== 'expired') return `was revoked at ${when(realm, d.at!)} ${BY[d.cause]}`;
  // A rotated refresh token's expiresAt is only how long its reuse is watched for: not worth telling.
  if (model === 'refresh' && spent !== undefined) return `was replaced at ${spent} by rotation (OAuth 2.1 section 4.3.1); use the newest refresh token`;
  const expiredAt = d.cause === 'expired' ? d.at : d.expiresAt !== undefined && d.expiresAt <= realm.clock.now() ? d.expiresAt : undefined;
  if (expiredAt === undefined) return `was already used at ${spent}`;
  return spent !== undefined ? `was used at ${spent} and expired at ${when(realm, expiredAt)}` : `expired at ${when(realm, expiredAt)}`;
}

/**
 * Why the `model` record kept under `id` is not live, from `kept` (what `find` gave, when it is spent
 * or past expiry) or else its tombstone; undefined when nothing is remembered of it.
 */
export async function whyDead(realm: Realm, model: Model, id: string, kept?: Kept): Promise<string | undefined> {
  if (kept) return `${NOUN[model]} ${predicate(realm, model, kept)}`;
  const t = await realm.store.tombstone(model, id);
  return t ? `${NOUN[model]} ${predicate(realm, model, t)}` : undefined;
}

/** Never issued, or no longer remembered: the store's bounds say when a dead one is forgotten. */
export const unknown = (what: string): string =>
  `${what} is unknown: never issued here, or forgotten since (a reset; dead ones are remembered ${TOMBSTONE_TTL_MS / 3600_000} h, at most ${MAX_TOMBSTONES} of each kind)`;
