import type {CertificateView} from '../protocol/certificates.js';
import type {CertificateRecord} from './store/certificates.js';

/** A stored certificate as the API shows it; `status` is judged at `now`. */
export function certificateView(record: CertificateRecord, now: Date): CertificateView {
  const status = record.revokedAt
    ? 'revoked'
    : record.notAfter.getTime() < now.getTime()
      ? 'expired'
      : 'valid';
  return {
    serial: record.serial,
    identity: record.identity,
    purpose: record.purpose,
    origin: record.origin,
    cardNumber: record.cardNumber,
    ...(record.itemId !== undefined && {itemId: record.itemId}),
    status,
    installed: record.installedAt !== undefined,
    issuer: record.issuer,
    subject: record.subject,
    notBefore: record.notBefore.toISOString(),
    notAfter: record.notAfter.toISOString(),
    ...(record.revokedAt && {revokedAt: record.revokedAt.toISOString()}),
    ...(record.revocationReason && {revocationReason: record.revocationReason}),
    certificate: Buffer.from(record.der).toString('base64'),
  };
}

/** Neither revoked nor expired at `now`. */
export function isValidAt(record: CertificateRecord, now: Date): boolean {
  return !record.revokedAt && record.notAfter.getTime() >= now.getTime();
}
