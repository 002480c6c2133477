import {
  deleteRateLimitEventsBefore,
  insertRateLimitEvent,
  recentRateLimitEvents,
} from './store/rate-limit-events.js';
import type {StoreQueries} from './store/store.js';

/** How often an instance deletes the events that left a limiter's window. */
const SWEEP_EVERY_MS = 10_000;

/**
 * Counts events per key in a sliding window, in the store, so that every instance counts the same events. Time
 * comes from the injected clock. Callers that check and then record lock the key (storeLocks.rateLimit) in one
 * transaction, so that instances answering at once cannot both pass the last free place.
 */
export class RateLimiter {
  #sweptAt = 0;

  constructor(
    readonly name: string,
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => Date,
  ) {}

  /** Seconds until `key` may act again, or 0 when it is under the limit now. */
  async retryAfterSeconds(db: StoreQueries, key: string): Promise<number> {
    const now = this.now().getTime();
    const recent = await recentRateLimitEvents(db, {
      limiter: this.name,
      key,
      since: new Date(now - this.windowMs),
      limit: this.limit,
    });
    if (recent.length < this.limit) return 0;
    const oldest = recent.at(-1)!.getTime();
    return Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000));
  }

  async record(db: StoreQueries, key: string): Promise<void> {
    const now = this.now();
    await insertRateLimitEvent(db, {limiter: this.name, key, at: now});
    // Keys that are never asked about again (garbage presented once) must not pile up.
    if (now.getTime() - this.#sweptAt >= SWEEP_EVERY_MS) {
      this.#sweptAt = now.getTime();
      await deleteRateLimitEventsBefore(db, this.name, new Date(now.getTime() - this.windowMs));
    }
  }
}
