import type {RevocationReason} from '../protocol/common.js';
import type {ServiceContext} from './context.js';
import {prepareCrl, writeCrl} from './crl-publisher.js';
import {RefusalError} from './errors.js';
import type {AuthenticatedSession} from './sessions.js';
import {appendAudit} from './store/audit-log.js';
import {
  findCertificate,
  findPersonsCertificate,
  markCertificateRevoked,
  type CertificateRecord,
} from './store/certificates.js';

/** The session person's certificate with this serial. Throws RefusalError 'certificate-not-found'. */
export function personsCertificate(
  context: ServiceContext,
  session: AuthenticatedSession,
  serial: string,
): CertificateRecord {
  const record = findPersonsCertificate(context.db, session.person.hsaId, serial);
  if (!record)
    throw new RefusalError('certificate-not-found', `you have no certificate with serial ${serial}`);
  return record;
}

/**
 * Revokes (spärrar) one of the session person's certificates and publishes its CA's CRL in the same transaction.
 * Revoking a revoked certificate returns it unchanged. Throws RefusalError 'certificate-not-found'.
 */
export function revokeCertificate(
  context: ServiceContext,
  session: AuthenticatedSession,
  serial: string,
  reason: RevocationReason,
): Promise<CertificateRecord> {
  return context.writes.run(async () => {
    const record = personsCertificate(context, session, serial);
    if (record.revokedAt) return record;
    const now = context.now();
    const authority = context.authorities.get(record.authority);
    const crl = authority?.privateKey
      ? await prepareCrl(context, {...authority, privateKey: authority.privateKey}, [
          {serial: record.serial, revokedAt: now, reason},
        ])
      : undefined;
    context.db.transaction(() => {
      markCertificateRevoked(context.db, record.id, now, reason);
      appendAudit(context.db, {
        at: now,
        actor: session.person.hsaId,
        cardNumber: record.cardNumber,
        action: 'certificate-revoked',
        detail: {serial: record.serial, reason, authority: record.authority},
      });
      if (crl) writeCrl(context, crl);
    })();
    return findCertificate(context.db, record.id)!;
  });
}
