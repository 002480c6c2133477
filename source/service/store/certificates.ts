import type {Identity, Purpose, RevocationReason} from '../../protocol/common.js';
import type {StoreDatabase} from './database.js';

/** A certificate the service knows: issued by it, or an earlier one seen on the card (login, declaration). */
export interface CertificateRecord {
  /** SHA-256 fingerprint of the DER, lower-case hex. */
  readonly id: string;
  readonly authority: string;
  /** Lower-case hex. */
  readonly serial: string;
  readonly hsaId: string;
  readonly cardNumber: string;
  readonly identity: Identity;
  readonly purpose: Purpose;
  readonly origin: 'service' | 'previous';
  readonly itemId: string | undefined;
  /** SHA-256 of the SubjectPublicKeyInfo DER, lower-case hex. */
  readonly publicKeyHash: string;
  readonly subject: string;
  readonly issuer: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly der: Uint8Array;
  readonly recordedAt: Date;
  readonly installedAt: Date | undefined;
  readonly revokedAt: Date | undefined;
  readonly revocationReason: RevocationReason | undefined;
}

interface CertificateRow {
  id: string;
  authority: string;
  serial: string;
  hsa_id: string;
  card_number: string;
  identity: Identity;
  purpose: Purpose;
  origin: 'service' | 'previous';
  item_id: string | null;
  public_key_hash: string;
  subject: string;
  issuer: string;
  not_before: string;
  not_after: string;
  der: Buffer;
  recorded_at: string;
  installed_at: string | null;
  revoked_at: string | null;
  revocation_reason: RevocationReason | null;
}

function toRecord(row: CertificateRow): CertificateRecord {
  return {
    id: row.id,
    authority: row.authority,
    serial: row.serial,
    hsaId: row.hsa_id,
    cardNumber: row.card_number,
    identity: row.identity,
    purpose: row.purpose,
    origin: row.origin,
    itemId: row.item_id ?? undefined,
    publicKeyHash: row.public_key_hash,
    subject: row.subject,
    issuer: row.issuer,
    notBefore: new Date(row.not_before),
    notAfter: new Date(row.not_after),
    der: new Uint8Array(row.der),
    recordedAt: new Date(row.recorded_at),
    installedAt: row.installed_at === null ? undefined : new Date(row.installed_at),
    revokedAt: row.revoked_at === null ? undefined : new Date(row.revoked_at),
    revocationReason: row.revocation_reason ?? undefined,
  };
}

/** Records a certificate. Call inside the transaction of the state change it belongs to. */
export function insertCertificate(db: StoreDatabase, record: CertificateRecord): void {
  db.prepare(
    `INSERT INTO certificates (id, authority, serial, hsa_id, card_number, identity, purpose, origin, item_id,
       public_key_hash, subject, issuer, not_before, not_after, der, recorded_at, installed_at, revoked_at,
       revocation_reason)
     VALUES (@id, @authority, @serial, @hsaId, @cardNumber, @identity, @purpose, @origin, @itemId,
       @publicKeyHash, @subject, @issuer, @notBefore, @notAfter, @der, @recordedAt, @installedAt, @revokedAt,
       @revocationReason)`,
  ).run({
    ...record,
    itemId: record.itemId ?? null,
    notBefore: record.notBefore.toISOString(),
    notAfter: record.notAfter.toISOString(),
    der: Buffer.from(record.der),
    recordedAt: record.recordedAt.toISOString(),
    installedAt: record.installedAt?.toISOString() ?? null,
    revokedAt: record.revokedAt?.toISOString() ?? null,
    revocationReason: record.revocationReason ?? null,
  });
}

export function findCertificate(db: StoreDatabase, id: string): CertificateRecord | undefined {
  const row = db.prepare('SELECT * FROM certificates WHERE id = ?').get(id) as CertificateRow | undefined;
  return row && toRecord(row);
}

/** The person's certificate with this serial (serials are only looked up within one person's certificates). */
export function findPersonsCertificate(
  db: StoreDatabase,
  hsaId: string,
  serial: string,
): CertificateRecord | undefined {
  const row = db
    .prepare('SELECT * FROM certificates WHERE hsa_id = ? AND serial = ? ORDER BY recorded_at DESC LIMIT 1')
    .get(hsaId, serial) as CertificateRow | undefined;
  return row && toRecord(row);
}

/** Every certificate with this public key (SHA-256 of the SPKI DER). */
export function certificatesWithPublicKey(db: StoreDatabase, publicKeyHash: string): CertificateRecord[] {
  const rows = db
    .prepare('SELECT * FROM certificates WHERE public_key_hash = ? ORDER BY recorded_at')
    .all(publicKeyHash) as CertificateRow[];
  return rows.map(toRecord);
}

export function certificatesOfPerson(db: StoreDatabase, hsaId: string): CertificateRecord[] {
  const rows = db
    .prepare('SELECT * FROM certificates WHERE hsa_id = ? ORDER BY recorded_at, id')
    .all(hsaId) as CertificateRow[];
  return rows.map(toRecord);
}

export function certificatesOfCard(db: StoreDatabase, cardNumber: string): CertificateRecord[] {
  const rows = db
    .prepare('SELECT * FROM certificates WHERE card_number = ? ORDER BY recorded_at, id')
    .all(cardNumber) as CertificateRow[];
  return rows.map(toRecord);
}

/** The revoked certificates an authority issued, for its CRL. */
export function revokedCertificatesOf(db: StoreDatabase, authority: string): CertificateRecord[] {
  const rows = db
    .prepare(
      'SELECT * FROM certificates WHERE authority = ? AND revoked_at IS NOT NULL ORDER BY revoked_at, id',
    )
    .all(authority) as CertificateRow[];
  return rows.map(toRecord);
}

export function markCertificateRevoked(
  db: StoreDatabase,
  id: string,
  at: Date,
  reason: RevocationReason,
): void {
  db.prepare(
    'UPDATE certificates SET revoked_at = ?, revocation_reason = ? WHERE id = ? AND revoked_at IS NULL',
  ).run(at.toISOString(), reason, id);
}

export function markCertificateInstalled(db: StoreDatabase, id: string, at: Date): void {
  db.prepare('UPDATE certificates SET installed_at = ? WHERE id = ? AND installed_at IS NULL').run(
    at.toISOString(),
    id,
  );
}
