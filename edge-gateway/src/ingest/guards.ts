/**
 * Per-key token buckets: each key may send `perSecond` messages a second on average and
 * save up `burst`. One flooding device empties only its own bucket.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {}

  take(key: string, now: number): boolean {
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}

/**
 * The last `capacity` ids seen, oldest forgotten first; `add` is false for an id already
 * there. A ring of the ids beside the set: evicting from the front of a Set by iterating
 * it gets slower as deleted entries pile up, which a busy store reaches within minutes.
 */
export class RecentIds {
  private readonly ids = new Set<string>();
  private readonly ring: (string | undefined)[];
  private next = 0;

  constructor(capacity: number) {
    this.ring = new Array(capacity);
  }

  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    const evicted = this.ring[this.next];
    if (evicted !== undefined) this.ids.delete(evicted);
    this.ring[this.next] = id;
    this.next = (this.next + 1) % this.ring.length;
    this.ids.add(id);
    return true;
  }

  /** Forgets an id (its event was not kept after all), so it is new again. */
  forget(id: string): void {
    this.ids.delete(id);
  }
}
