import type { FetchedDocument } from './cimd-fetch.js';

/** Without caching headers a document is kept this long: RFC 9111 leaves the heuristic to the cache. */
export const DEFAULT_FRESHNESS_SECONDS = 300;
/** A document that may be cached at all is kept at least this long, so that a busy client does not refetch at every request. */
export const MIN_FRESHNESS_SECONDS = 30;
/** And at most a day, however long its headers allow: a client's metadata changes, and it expects to be heard. */
export const MAX_FRESHNESS_SECONDS = 86400;

/**
 * How many seconds a fetched document stays fresh (RFC 9111 §4.2.1), as the CIMD draft asks
 * ("SHOULD cache ... per HTTP cache headers"): no-store or no-cache, none (fetched again at every
 * use); else max-age; else Expires less Date (an invalid Expires means already expired, §5.3); else
 * the default. Bounded to [MIN, MAX] when positive.
 */
export function freshnessSeconds(h: Pick<FetchedDocument, 'cacheControl' | 'expires' | 'date'>): number {
  const directives = (h.cacheControl ?? '')
    .toLowerCase()
    .split(',')
    .map((d) => d.trim());
  if (directives.some((d) => d === 'no-store' || d === 'no-cache' || d.startsWith('no-cache='))) return 0;
  const maxAge = directives.find((d) => d.startsWith('max-age='));
  let seconds: number;
  if (maxAge !== undefined) {
    const n = /^max-age="?(\d+)"?$/.exec(maxAge)?.[1];
    seconds = n === undefined ? 0 : Number(n);
  } else if (h.expires !== undefined) {
    const expires = Date.parse(h.expires);
    const date = h.date !== undefined ? Date.parse(h.date) : NaN;
    seconds = Number.isNaN(expires) ? 0 : Math.floor((expires - (Number.isNaN(date) ? Date.now() : date)) / 1000);
  } else {
    seconds = DEFAULT_FRESHNESS_SECONDS;
  }
  return seconds <= 0 ? 0 : Math.min(Math.max(seconds, MIN_FRESHNESS_SECONDS), MAX_FRESHNESS_SECONDS);
}
