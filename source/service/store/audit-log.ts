import type {StoreQueries} from './store.js';

/** What happened, for the audit log. Details hold identifiers and serials, never PINs, keys or tokens. */
export type AuditAction =
  | 'logged-in'
  | 'logged-out'
  | 'previous-certificate-recorded'
  | 'terms-accepted'
  | 'management-key-authenticated'
  | 'certificate-issued'
  | 'certificate-revoked'
  | 'crl-published'
  | 'upgrade-completed';

export interface AuditEntry {
  readonly at: Date;
  /** HSA-id of the person, or 'service' for the service's own actions. */
  readonly actor: string;
  readonly cardNumber: string | undefined;
  readonly action: AuditAction;
  readonly detail: Readonly<Record<string, string | number | boolean | readonly string[]>>;
}

/** Appends to the audit log (the table refuses updates and deletes). Call inside the state change's transaction. */
export async function appendAudit(db: StoreQueries, entry: AuditEntry): Promise<void> {
  await db.run('INSERT INTO audit_log (at, actor, card_number, action, detail) VALUES (?, ?, ?, ?, ?)', [
    entry.at.toISOString(),
    entry.actor,
    entry.cardNumber ?? null,
    entry.action,
    JSON.stringify(entry.detail),
  ]);
}

export async function readAuditLog(db: StoreQueries): Promise<AuditEntry[]> {
  const rows = await db.all<{
    at: string;
    actor: string;
    card_number: string | null;
    action: AuditAction;
    detail: string;
  }>('SELECT * FROM audit_log ORDER BY id');
  return rows.map((row) => ({
    at: new Date(row.at),
    actor: row.actor,
    cardNumber: row.card_number ?? undefined,
    action: row.action,
    detail: JSON.parse(row.detail) as AuditEntry['detail'],
  }));
}
