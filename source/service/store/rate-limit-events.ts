import type {StoreQueries} from './store.js';

/** The times of the latest `limit` events of `key` after `since`, newest first. */
export async function recentRateLimitEvents(
  db: StoreQueries,
  event: {limiter: string; key: string; since: Date; limit: number},
): Promise<Date[]> {
  const rows = await db.all<{at: string}>(
    `SELECT at FROM rate_limit_events WHERE limiter = ? AND key = ? AND at > ? ORDER BY at DESC LIMIT ?`,
    [event.limiter, event.key, event.since.toISOString(), event.limit],
  );
  return rows.map((row) => new Date(row.at));
}

export async function insertRateLimitEvent(
  db: StoreQueries,
  event: {limiter: string; key: string; at: Date},
): Promise<void> {
  await db.run('INSERT INTO rate_limit_events (limiter, key, at) VALUES (?, ?, ?)', [
    event.limiter,
    event.key,
    event.at.toISOString(),
  ]);
}

/** Forgets the events of `limiter` at or before `before` (they left its window). */
export async function deleteRateLimitEventsBefore(
  db: StoreQueries,
  limiter: string,
  before: Date,
): Promise<void> {
  await db.run('DELETE FROM rate_limit_events WHERE limiter = ? AND at <= ?', [
    limiter,
    before.toISOString(),
  ]);
}
