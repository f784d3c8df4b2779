/** How far the clock may be moved forward in total: 100 years (365-day years), well inside `Date`. */
export const MAX_CLOCK_OFFSET_SECONDS = 100 * 365 * 86400;

/**
 * The realm's notion of time. Everything that expires reads `now()` from here, so a control call can
 * move time forward and a test can watch a token expire without sleeping.
 */
export class Clock {
  private offsetMs = 0;
  /** The bound on the total offset, seconds. */
  readonly maxOffsetSeconds = MAX_CLOCK_OFFSET_SECONDS;
  private listeners: Array<() => void> = [];

  now(): number {
    return Date.now() + this.offsetMs;
  }

  nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /** Whether `advance(seconds)` stays within the bound (positive, and a total offset ≤ 100 years). */
  canAdvance(seconds: number): boolean {
    return Number.isFinite(seconds) && seconds > 0 && this.offsetMs / 1000 + seconds <= MAX_CLOCK_OFFSET_SECONDS;
  }

  /** Moves time forward; listeners (the store's sweeper) run right away. Past the bound it throws and changes nothing. */
  advance(seconds: number): void {
    if (!this.canAdvance(seconds)) throw new RangeError(`the clock may move forward by a positive amount, at most ${MAX_CLOCK_OFFSET_SECONDS} s (100 years) in total; it is at ${this.offsetSeconds} s`);
    this.offsetMs += seconds * 1000;
    for (const l of this.listeners) l();
  }

  get offsetSeconds(): number {
    return this.offsetMs / 1000;
  }

  /** Sets the offset a state file kept (within the bound; listeners are not told: nothing moved). */
  restore(offsetSeconds: number): void {
    if (!Number.isFinite(offsetSeconds) || offsetSeconds < 0 || offsetSeconds > MAX_CLOCK_OFFSET_SECONDS) throw new RangeError(`a clock offset is from 0 to ${MAX_CLOCK_OFFSET_SECONDS} s (got ${offsetSeconds})`);
    this.offsetMs = offsetSeconds * 1000;
  }

  onAdvance(listener: () => void): void {
    this.listeners.push(listener);
  }

  reset(): void {
    this.offsetMs = 0;
  }
}
