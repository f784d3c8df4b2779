/** How many recent digests a client's facts keep of each kind: enough to see a reuse, never a list that grows. */
export const SAMPLE = 16;

/** A set of the most recently seen values; the one seen longest ago is forgotten first. */
export class RecentSet {
  private readonly values = new Set<string>();
  constructor(private readonly cap = SAMPLE) {}

  has(v: string): boolean {
    return this.values.has(v);
  }

  /** Adds `v`; true when it was there already (a reuse), which makes it the most recent again. */
  seen(v: string): boolean {
    if (this.values.delete(v)) {
      this.values.add(v);
      return true;
    }
    if (this.values.size >= this.cap) this.values.delete(this.values.values().next().value!);
    this.values.add(v);
    return false;
  }

  get size(): number {
    return this.values.size;
  }

  list(): string[] {
    return [...this.values];
  }
}

/** A map that forgets its oldest entry past `cap` (Map keeps insertion order): O(1) per set. */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, cap: number): void {
  if (!map.has(key) && map.size >= cap) map.delete(map.keys().next().value!);
  map.set(key, value);
}
