/** Above this many keys, record() forgets every key whose events have all left the window. */
const SWEEP_ABOVE_KEYS = 10_000;

/**
 * Counts events per key in a sliding window, in memory (a restart forgets: acceptable for login throttling, and
 * a refused attempt then writes nothing to the store). Time comes from the injected clock.
 */
export class RateLimiter {
  readonly #events = new Map<string, number[]>();
  #sweepAbove = SWEEP_ABOVE_KEYS;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => Date,
  ) {}

  /** Seconds until `key` may act again, or 0 when it is under the limit now. */
  retryAfterSeconds(key: string): number {
    const recent = this.#recent(key);
    if (recent.length < this.limit) return 0;
    const oldest = recent[recent.length - this.limit] ?? 0;
    return Math.max(1, Math.ceil((oldest + this.windowMs - this.now().getTime()) / 1000));
  }

  record(key: string): void {
    const recent = this.#recent(key);
    recent.push(this.now().getTime());
    this.#events.set(key, recent);
    // Keys that are never asked about again (garbage presented once) must not pile up.
    if (this.#events.size > this.#sweepAbove) {
      for (const other of [...this.#events.keys()]) this.#recent(other);
      this.#sweepAbove = Math.max(SWEEP_ABOVE_KEYS, this.#events.size * 2);
    }
  }

  #recent(key: string): number[] {
    const since = this.now().getTime() - this.windowMs;
    const recent = (this.#events.get(key) ?? []).filter((at) => at > since);
    if (recent.length === 0) this.#events.delete(key);
    return recent;
  }
}
