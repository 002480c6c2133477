/**
 * Counts events per key in a sliding window, in memory (a restart forgets: acceptable for login throttling, and
 * a refused attempt then writes nothing to the store). Time comes from the injected clock.
 */
export class RateLimiter {
  readonly #events = new Map<string, number[]>();

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
  }

  #recent(key: string): number[] {
    const since = this.now().getTime() - this.windowMs;
    const recent = (this.#events.get(key) ?? []).filter((at) => at > since);
    if (recent.length === 0) this.#events.delete(key);
    return recent;
  }
}
