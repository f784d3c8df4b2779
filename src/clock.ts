/**
 * The realm's notion of time. Everything that expires reads `now()` from here, so a control call can
 * move time forward and a test can watch a token expire without sleeping.
 */
export class Clock {
  private offsetMs = 0;
  private listeners: Array<() => void> = [];

  now(): number {
    return Date.now() + this.offsetMs;
  }

  nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /** Moves time forward; listeners (the store's sweeper) run right away. */
  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
    for (const l of this.listeners) l();
  }

  get offsetSeconds(): number {
    return this.offsetMs / 1000;
  }

  onAdvance(listener: () => void): void {
    this.listeners.push(listener);
  }

  reset(): void {
    this.offsetMs = 0;
  }
}
