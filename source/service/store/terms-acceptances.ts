import type {StoreQueries} from './store.js';

export interface TermsAcceptanceRecord {
  readonly hsaId: string;
  readonly cardNumber: string;
  readonly version: string;
  readonly acceptedAt: Date;
}

/**
 * Records an acceptance; a second acceptance of the same version by the same person keeps the first. Returns
 * whether this one was recorded.
 */
export async function insertTermsAcceptance(
  db: StoreQueries,
  acceptance: TermsAcceptanceRecord,
): Promise<boolean> {
  const changed = await db.run(
    `INSERT INTO terms_acceptances (hsa_id, card_number, version, accepted_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (hsa_id, version) DO NOTHING`,
    [acceptance.hsaId, acceptance.cardNumber, acceptance.version, acceptance.acceptedAt.toISOString()],
  );
  return changed > 0;
}

export async function findTermsAcceptance(
  db: StoreQueries,
  hsaId: string,
  version: string,
): Promise<TermsAcceptanceRecord | undefined> {
  const row = await db.get<{card_number: string; accepted_at: string}>(
    'SELECT * FROM terms_acceptances WHERE hsa_id = ? AND version = ?',
    [hsaId, version],
  );
  if (!row) return undefined;
  return {hsaId, cardNumber: row.card_number, version, acceptedAt: new Date(row.accepted_at)};
}
