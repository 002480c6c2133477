import type {StoreQueries} from './store.js';

/** When a card was first upgraded: the earliest of its completions (a repeated completion adds another row). */
export interface FirstCompletionRow {
  readonly cardNumber: string;
  /** ISO 8601 UTC, as completions.completed_at holds it. */
  readonly firstCompletedAt: string;
}

/** One row of refusal_counts: how many requests were refused with `code` on the UTC `day` (YYYY-MM-DD). */
export interface RefusalCountRow {
  readonly day: string;
  readonly code: string;
  readonly count: number;
}

/** What the campaign report reads from the store (source/service/report.ts builds it). */
export interface ReportRows {
  readonly completions: readonly FirstCompletionRow[];
  readonly refusals: readonly RefusalCountRow[];
}

/**
 * Reads the campaign report's rows with plain SELECTs, outside any transaction: a SQLite reader in WAL mode and a
 * PostgreSQL reader take no lock a running instance waits for. The two statements may see instants a moment apart.
 */
export async function readReportRows(db: StoreQueries): Promise<ReportRows> {
  const completions = await db.all<{card_number: string; first_completed_at: string}>(
    `SELECT card_number, MIN(completed_at) AS first_completed_at
     FROM completions GROUP BY card_number ORDER BY card_number`,
  );
  const refusals = await db.all<RefusalCountRow>(
    'SELECT day, code, count FROM refusal_counts ORDER BY day, code',
  );
  return {
    completions: completions.map((row) => ({
      cardNumber: row.card_number,
      firstCompletedAt: row.first_completed_at,
    })),
    refusals,
  };
}
