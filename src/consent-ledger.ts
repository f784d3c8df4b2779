import { randomToken, safeEqual } from './secrets.js';

/**
 * Authorization requests parked on the consent page (CONSENT=page) until a person decides: each
 * under an id the page's form names, with a CSRF token bound to it, spent by the decision. Bounded
 * in count and time; cleared by reset (a request from before a reset issues nothing); not in the
 * snapshot, since a page shown before a restart is not worth keeping.
 */
export const MAX_PARKED_CONSENTS = 1000;
/** How long a consent page stays answerable: a person reads it, unlike a code a client redeems at once. */
export const CONSENT_TTL_SECONDS = 300;

export interface Parked<R> {
  /** What the decision carries out (the validated request and what faults spoil in its redirect). */
  held: R;
  /** The form's anti-forgery token: bound to this id, single use (spent with the entry). */
  csrf: string;
  /** The realm's generation when it was parked. */
  generation: number;
  expiresAt: number;
}

/** Why a decision finds nothing to decide on: never parked (or forged), already decided, or too old. */
export type Missing = 'unknown' | 'expired';

export class ConsentLedger<R> {
  private readonly parked = new Map<string, Parked<R>>();

  constructor(private readonly cap = MAX_PARKED_CONSENTS) {}

  /** Parks `held` until `now + CONSENT_TTL_SECONDS`; undefined when full even after dropping the expired (refusing, never evicting a page someone is reading). */
  park(held: R, generation: number, now: number): { id: string; csrf: string } | undefined {
    if (this.parked.size >= this.cap) this.sweep(now);
    if (this.parked.size >= this.cap) return undefined;
    const id = randomToken('cp_', 18);
    const csrf = randomToken('', 24);
    this.parked.set(id, { held, csrf, generation, expiresAt: now + CONSENT_TTL_SECONDS * 1000 });
    return { id, csrf };
  }

  /** The entry `id` names when `csrf` is its token (compared in constant time); nothing is spent. */
  check(id: string, csrf: string, now: number): Parked<R> | Missing {
    const p = this.parked.get(id);
    if (!p || !safeEqual(csrf, p.csrf)) return 'unknown';
    if (p.expiresAt <= now) return 'expired';
    return p;
  }

  /** Spends an entry: its page answers no second decision. */
  take(id: string): void {
    this.parked.delete(id);
  }

  sweep(now: number): void {
    for (const [id, p] of this.parked) if (p.expiresAt <= now) this.parked.delete(id);
  }

  get size(): number {
    return this.parked.size;
  }

  clear(): void {
    this.parked.clear();
  }
}
