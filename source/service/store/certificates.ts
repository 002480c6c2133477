import type {Identity, Purpose, RevocationReason} from '../../protocol/common.js';
import type {StoreQueries} from './store.js';

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

/**
 * Records a certificate. Call inside the transaction of the state change it belongs to. A record with an id the
 * store has already is left as it is: returns whether this one was new.
 */
export async function insertCertificate(db: StoreQueries, record: CertificateRecord): Promise<boolean> {
  const changed = await db.run(
    `INSERT INTO certificates (id, authority, serial, hsa_id, card_number, identity, purpose, origin, item_id,
       public_key_hash, subject, issuer, not_before, not_after, der, recorded_at, installed_at, revoked_at,
       revocation_reason)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO NOTHING`,
    [
      record.id,
      record.authority,
      record.serial,
      record.hsaId,
      record.cardNumber,
      record.identity,
      record.purpose,
      record.origin,
      record.itemId ?? null,
      record.publicKeyHash,
      record.subject,
      record.issuer,
      record.notBefore.toISOString(),
      record.notAfter.toISOString(),
      record.der,
      record.recordedAt.toISOString(),
      record.installedAt?.toISOString() ?? null,
      record.revokedAt?.toISOString() ?? null,
      record.revocationReason ?? null,
    ],
  );
  return changed > 0;
}

export async function findCertificate(db: StoreQueries, id: string): Promise<CertificateRecord | undefined> {
  const row = await db.get<CertificateRow>('SELECT * FROM certificates WHERE id = ?', [id]);
  return row && toRecord(row);
}

/** The person's certificate with this serial (serials are only looked up within one person's certificates). */
export async function findPersonsCertificate(
  db: StoreQueries,
  hsaId: string,
  serial: string,
): Promise<CertificateRecord | undefined> {
  const row = await db.get<CertificateRow>(
    'SELECT * FROM certificates WHERE hsa_id = ? AND serial = ? ORDER BY recorded_at DESC LIMIT 1',
    [hsaId, serial],
  );
  return row && toRecord(row);
}

/** Every certificate with this public key (SHA-256 of the SPKI DER). */
export async function certificatesWithPublicKey(
  db: StoreQueries,
  publicKeyHash: string,
): Promise<CertificateRecord[]> {
  const rows = await db.all<CertificateRow>(
    'SELECT * FROM certificates WHERE public_key_hash = ? ORDER BY recorded_at, id',
    [publicKeyHash],
  );
  return rows.map(toRecord);
}

export async function certificatesOfPerson(db: StoreQueries, hsaId: string): Promise<CertificateRecord[]> {
  const rows = await db.all<CertificateRow>(
    'SELECT * FROM certificates WHERE hsa_id = ? ORDER BY recorded_at, id',
    [hsaId],
  );
  return rows.map(toRecord);
}

export async function certificatesOfCard(db: StoreQueries, cardNumber: string): Promise<CertificateRecord[]> {
  const rows = await db.all<CertificateRow>(
    'SELECT * FROM certificates WHERE card_number = ? ORDER BY recorded_at, id',
    [cardNumber],
  );
  return rows.map(toRecord);
}

/**
 * The revocations of the certificates an authority issued, for its CRL: serial, time and reason only (a CRL is
 * signed again for every revocation, so it does not read each certificate's DER).
 */
export async function revocationsOf(
  db: StoreQueries,
  authority: string,
): Promise<{serial: string; revokedAt: Date; reason: RevocationReason}[]> {
  const rows = await db.all<{serial: string; revoked_at: string; revocation_reason: RevocationReason | null}>(
    `SELECT serial, revoked_at, revocation_reason FROM certificates
     WHERE authority = ? AND revoked_at IS NOT NULL ORDER BY revoked_at, id`,
    [authority],
  );
  return rows.map((row) => ({
    serial: row.serial,
    revokedAt: new Date(row.revoked_at),
    reason: row.revocation_reason ?? 'unspecified',
  }));
}

export async function markCertificateRevoked(
  db: StoreQueries,
  id: string,
  at: Date,
  reason: RevocationReason,
): Promise<void> {
  await db.run(
    'UPDATE certificates SET revoked_at = ?, revocation_reason = ? WHERE id = ? AND revoked_at IS NULL',
    [at.toISOString(), reason, id],
  );
}

export async function markCertificateInstalled(db: StoreQueries, id: string, at: Date): Promise<void> {
  await db.run('UPDATE certificates SET installed_at = ? WHERE id = ? AND installed_at IS NULL', [
    at.toISOString(),
    id,
  ]);
}
