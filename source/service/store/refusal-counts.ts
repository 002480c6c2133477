import type {StoreQueries} from './store.js';

/** Counts one refusal of `code` on the UTC day of `at` (any instance; the store adds). */
export async function countRefusal(db: StoreQueries, code: string, at: Date): Promise<void> {
  await db.run(
    `INSERT INTO refusal_counts (day, code, count) VALUES (?, ?, 1)
     ON CONFLICT (day, code) DO UPDATE SET count = refusal_counts.count + 1`,
    [at.toISOString().slice(0, 10), code],
  );
}
