import type {StoreDatabase} from './database.js';

/** A completed upgrade of a card: which certificates it installed and which earlier ones it revoked. */
export interface CompletionRecord {
  readonly hsaId: string;
  readonly cardNumber: string;
  readonly completedAt: Date;
  /** Certificate ids. */
  readonly installed: readonly string[];
  readonly revoked: readonly string[];
}

export function insertCompletion(db: StoreDatabase, completion: CompletionRecord): void {
  db.prepare(
    'INSERT INTO completions (hsa_id, card_number, completed_at, installed, revoked) VALUES (?, ?, ?, ?, ?)',
  ).run(
    completion.hsaId,
    completion.cardNumber,
    completion.completedAt.toISOString(),
    JSON.stringify(completion.installed),
    JSON.stringify(completion.revoked),
  );
}
