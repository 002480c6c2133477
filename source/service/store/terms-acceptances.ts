import type {StoreDatabase} from './database.js';

export interface TermsAcceptanceRecord {
  readonly hsaId: string;
  readonly cardNumber: string;
  readonly version: string;
  readonly acceptedAt: Date;
}

/** Records an acceptance; a second acceptance of the same version by the same person keeps the first. */
export function insertTermsAcceptance(db: StoreDatabase, acceptance: TermsAcceptanceRecord): void {
  db.prepare(
    `INSERT INTO terms_acceptances (hsa_id, card_number, version, accepted_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (hsa_id, version) DO NOTHING`,
  ).run(acceptance.hsaId, acceptance.cardNumber, acceptance.version, acceptance.acceptedAt.toISOString());
}

export function findTermsAcceptance(
  db: StoreDatabase,
  hsaId: string,
  version: string,
): TermsAcceptanceRecord | undefined {
  const row = db
    .prepare('SELECT * FROM terms_acceptances WHERE hsa_id = ? AND version = ?')
    .get(hsaId, version) as {card_number: string; accepted_at: string} | undefined;
  if (!row) return undefined;
  return {hsaId, cardNumber: row.card_number, version, acceptedAt: new Date(row.accepted_at)};
}
