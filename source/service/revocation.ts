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
import {storeLocks, type StoreQueries} from './store/store.js';

/** The session person's certificate with this serial. Throws RefusalError 'certificate-not-found'. */
export async function personsCertificate(
  context: ServiceContext,
  session: AuthenticatedSession,
  serial: string,
  db: StoreQueries = context.store,
): Promise<CertificateRecord> {
  const record = await findPersonsCertificate(db, session.person.hsaId, serial);
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
  return context.store.transaction(async (tx) => {
    const found = await personsCertificate(context, session, serial, tx);
    await tx.lock(storeLocks.card(found.cardNumber));
    const record = (await findCertificate(tx, found.id))!;
    if (record.revokedAt) return record;
    const now = context.now();
    const authority = context.authorities.get(record.authority);
    const crl = authority?.privateKey
      ? await prepareCrl(context, tx, {...authority, privateKey: authority.privateKey}, [
          {serial: record.serial, revokedAt: now, reason},
        ])
      : undefined;
    await markCertificateRevoked(tx, record.id, now, reason);
    await appendAudit(tx, {
      at: now,
      actor: session.person.hsaId,
      cardNumber: record.cardNumber,
      action: 'certificate-revoked',
      detail: {serial: record.serial, reason, authority: record.authority},
    });
    if (crl) await writeCrl(tx, crl);
    return (await findCertificate(tx, record.id))!;
  });
}
