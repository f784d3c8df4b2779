/**
 * The `jti` of every client assertion accepted, until it expires: RFC 7523 §3 lets the server refuse
 * a JWT it has seen before, and OpenID Connect Core §9 asks it to, since an assertion captured in
 * transit would otherwise authenticate its thief until `exp`. Bounded: an assertion lives at most
 * MAX_ASSERTION_LIFETIME_SECONDS, so the expired are dropped before a full cache refuses a new one
 * (refusing, never evicting a live one: an evicted jti could be replayed).
 */
export const MAX_SEEN_JTIS = 10_000;

export class SeenJtis {
  /** `${client_id} ${jti}` → until when it is remembered (ms, realm clock). */
  private readonly seen = new Map<string, number>();

  constructor(private readonly cap = MAX_SEEN_JTIS) {}

  /**
   * Records a jti as used until `until`: 'replayed' when it was already seen and is not yet expired,
   * 'full' when no room is left even after dropping the expired ones.
   */
  use(clientId: string, jti: string, until: number, now: number): 'ok' | 'replayed' | 'full' {
    const key = `${clientId} ${jti}`;
    const kept = this.seen.get(key);
    if (kept !== undefined && kept > now) return 'replayed';
    if (kept === undefined && this.seen.size >= this.cap) {
      for (const [k, t] of this.seen) if (t <= now) this.seen.delete(k);
      if (this.seen.size >= this.cap) return 'full';
    }
    this.seen.set(key, until);
    return 'ok';
  }

  get size(): number {
    return this.seen.size;
  }

  clear(): void {
    this.seen.clear();
  }
}
