import { setBounded } from './recent.js';

/** Lineages the card remembers (registrations with the same client_name and redirect URIs); the oldest is forgotten first. */
export const MAX_LINEAGES = 1000;
/** client_ids kept per lineage, the newest ones. */
const IDS_KEPT = 8;

export interface Lineage {
  clientName?: string;
  /** Registrations seen, accepted or refused. */
  registrations: number;
  refused: number;
  clientIds: string[];
}

/**
 * Re-registrations of one client: the same client_name and redirect URIs (their digest, from the
 * /register event) under new client_ids. A client that lost its registration and registers again is
 * one lineage; one that registers at every start is a storm.
 */
export class Lineages {
  private readonly all = new Map<string, Lineage>();

  registered(lineage: string, clientName: string | undefined, clientId: string | undefined): Lineage {
    let l = this.all.get(lineage);
    if (!l) {
      l = { clientName, registrations: 0, refused: 0, clientIds: [] };
      setBounded(this.all, lineage, l, MAX_LINEAGES);
    }
    l.registrations++;
    if (clientId === undefined) l.refused++;
    else {
      l.clientIds.push(clientId);
      if (l.clientIds.length > IDS_KEPT) l.clientIds.shift();
    }
    return l;
  }

  get(lineage: string | undefined): Lineage | undefined {
    return lineage === undefined ? undefined : this.all.get(lineage);
  }

  get size(): number {
    return this.all.size;
  }

  clear(): void {
    this.all.clear();
  }
}
