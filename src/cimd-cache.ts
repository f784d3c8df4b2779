import type { ClientRecord } from './store/types.js';

/** A client read from its metadata document, kept until its HTTP freshness ends (realm clock, ms). */
interface Cached {
  client: ClientRecord;
  fetchedAt: number;
  expiresAt: number;
}

/** What /control/state shows of one cached document. */
export interface CachedDocumentView {
  clientId: string;
  fetchedAt: string;
  expiresAt: string;
}

/**
 * The realm's cache of clients fetched from client ID metadata documents (oauth/cimd.ts fetches and
 * checks them). Bounded (CIMD_MAX_DOCUMENTS): any https URL is a client_id, so without a cap every
 * new URL a caller invents would be kept. Beyond the cap, the expired go first, then the oldest fetch.
 * Not part of the snapshot: a restarted server fetches the documents again, as any cache would.
 */
export class CimdCache {
  private readonly entries = new Map<string, Cached>();
  /** Fetches under way, by URL: lookups that arrive meanwhile wait for the same one (one per URL at a time). */
  private readonly fetching = new Map<string, Promise<ClientRecord>>();

  constructor(private readonly max: number) {}

  /** The client while its document is fresh at `now`; an expired one is forgotten. */
  get(url: string, now: number): ClientRecord | undefined {
    const e = this.entries.get(url);
    if (!e) return undefined;
    if (e.expiresAt > now) return e.client;
    this.entries.delete(url);
    return undefined;
  }

  put(url: string, client: ClientRecord, now: number, expiresAt: number): void {
    this.entries.delete(url);
    if (this.entries.size >= this.max) {
      for (const [k, e] of this.entries) if (e.expiresAt <= now) this.entries.delete(k);
    }
    // A Map iterates in insertion order: the first key is the document fetched longest ago.
    while (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(url, { client, fetchedAt: now, expiresAt });
  }

  /** The fetch of `url` already under way, if any. */
  inFlight(url: string): Promise<ClientRecord> | undefined {
    return this.fetching.get(url);
  }

  /** Makes `fetch` the one under way for `url` until it settles; returns it. */
  share(url: string, fetch: Promise<ClientRecord>): Promise<ClientRecord> {
    this.fetching.set(url, fetch);
    const done = () => {
      if (this.fetching.get(url) === fetch) this.fetching.delete(url);
    };
    fetch.then(done, done);
    return fetch;
  }

  get size(): number {
    return this.entries.size;
  }

  list(now: number): CachedDocumentView[] {
    return [...this.entries]
      .filter(([, e]) => e.expiresAt > now)
      .map(([clientId, e]) => ({ clientId, fetchedAt: new Date(e.fetchedAt).toISOString(), expiresAt: new Date(e.expiresAt).toISOString() }));
  }

  clear(): void {
    this.entries.clear();
    // A fetch begun before a reset is not shared with requests after it.
    this.fetching.clear();
  }
}
