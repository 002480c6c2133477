import type {CompletionResponse} from '../protocol/certificates.js';
import {certificateView, isValidAt} from './certificate-view.js';
import type {ServiceContext} from './context.js';
import {prepareCrl, writeCrl, type PendingRevocation} from './crl-publisher.js';
import {RefusalError} from './errors.js';
import {issuedForItem, planItemId, planOf} from './plan.js';
import {requireReceivedCard, type AuthenticatedSession} from './sessions.js';
import {appendAudit} from './store/audit-log.js';
import {
  certificatesOfCard,
  findCertificate,
  markCertificateInstalled,
  markCertificateRevoked,
  type CertificateRecord,
} from './store/certificates.js';
import {insertCompletion} from './store/completions.js';
import type {CrlRecord} from './store/crls.js';

/**
 * Completes the upgrade of the session's card: every current certificate of its profile's plan must be reported
 * installed; the service records that, revokes every other valid certificate it recorded for the card (seen at
 * login, declared before the upgrade wrote anything, or issued and replaced; reason superseded), whether or not
 * the finishing run still sees them, publishes the CRLs, and records the completion, all in one transaction.
 * Repeating it changes nothing and reports nothing new revoked.
 * Throws RefusalError 'card-not-received', 'upgrade-incomplete', 'certificate-not-found' (a serial that is not a
 * current plan certificate of this card).
 */
export function completeUpgrade(
  context: ServiceContext,
  session: AuthenticatedSession,
  installedSerials: readonly string[],
): Promise<CompletionResponse> {
  return context.writes.run(async () => {
    requireReceivedCard(session);
    const {db} = context;
    const now = context.now();
    const records = certificatesOfCard(db, session.card.number);
    const installed = reportedInstalled(context, session, records, installedSerials, now);
    const installedIds = new Set(installed.map((record) => record.id));
    const toRevoke = records.filter((record) => !installedIds.has(record.id) && isValidAt(record, now));
    const crls = await crlsRevoking(context, toRevoke, now);
    const newlyInstalled = installed.filter((record) => !record.installedAt);
    if (newlyInstalled.length > 0 || toRevoke.length > 0) {
      storeCompletion(context, session, {installed, newlyInstalled, toRevoke, crls, now});
    }
    return {
      completedAt: now.toISOString(),
      cardNumber: session.card.number,
      installed: installed.map((record) => certificateView(findCertificate(db, record.id)!, now)),
      revoked: toRevoke.map((record) => certificateView(findCertificate(db, record.id)!, now)),
    };
  });
}

/**
 * The current certificate of each plan item, each reported installed. Throws RefusalError 'certificate-not-found'
 * (a serial that is not a current plan certificate of this card), 'upgrade-incomplete' (an item not reported).
 */
function reportedInstalled(
  context: ServiceContext,
  session: AuthenticatedSession,
  records: readonly CertificateRecord[],
  installedSerials: readonly string[],
  now: Date,
): CertificateRecord[] {
  const installed: CertificateRecord[] = [];
  const missing: string[] = [];
  for (const item of planOf(context, session)) {
    const current = issuedForItem(records, planItemId(item), now);
    if (current && installedSerials.includes(current.serial)) installed.push(current);
    else missing.push(planItemId(item));
  }
  const unknown = installedSerials.filter((serial) => !installed.some((record) => record.serial === serial));
  if (unknown.length > 0) {
    throw new RefusalError(
      'certificate-not-found',
      `not a current plan certificate of this card: ${unknown.join(', ')}`,
    );
  }
  if (missing.length > 0) {
    throw new RefusalError(
      'upgrade-incomplete',
      `no installed certificate reported for: ${missing.join(', ')}`,
    );
  }
  return installed;
}

/** The CRL of each authority (that holds its key) with the revocations of `toRevoke`, prepared outside the transaction. */
async function crlsRevoking(
  context: ServiceContext,
  toRevoke: readonly CertificateRecord[],
  now: Date,
): Promise<CrlRecord[]> {
  const byAuthority = new Map<string, PendingRevocation[]>();
  for (const record of toRevoke) {
    const pending = byAuthority.get(record.authority) ?? [];
    pending.push({serial: record.serial, revokedAt: now, reason: 'superseded'});
    byAuthority.set(record.authority, pending);
  }
  const crls: CrlRecord[] = [];
  for (const [authorityId, pending] of byAuthority) {
    const authority = context.authorities.get(authorityId);
    if (authority?.privateKey)
      crls.push(await prepareCrl(context, {...authority, privateKey: authority.privateKey}, pending));
  }
  return crls;
}

/** Marks the installed, revokes the replaced, writes the CRLs and records the completion, in one transaction. */
function storeCompletion(
  context: ServiceContext,
  session: AuthenticatedSession,
  completion: {
    installed: readonly CertificateRecord[];
    newlyInstalled: readonly CertificateRecord[];
    toRevoke: readonly CertificateRecord[];
    crls: readonly CrlRecord[];
    now: Date;
  },
): void {
  const {db} = context;
  const {installed, newlyInstalled, toRevoke, crls, now} = completion;
  const card = session.card.number;
  db.transaction(() => {
    for (const record of newlyInstalled) markCertificateInstalled(db, record.id, now);
    for (const record of toRevoke) {
      markCertificateRevoked(db, record.id, now, 'superseded');
      appendAudit(db, {
        at: now,
        actor: session.person.hsaId,
        cardNumber: card,
        action: 'certificate-revoked',
        detail: {serial: record.serial, reason: 'superseded', authority: record.authority},
      });
    }
    for (const crl of crls) writeCrl(context, crl);
    insertCompletion(db, {
      hsaId: session.person.hsaId,
      cardNumber: card,
      cardProfile: session.cardProfile,
      completedAt: now,
      installed: installed.map((record) => record.id),
      revoked: toRevoke.map((record) => record.id),
    });
    appendAudit(db, {
      at: now,
      actor: session.person.hsaId,
      cardNumber: card,
      action: 'upgrade-completed',
      detail: {
        cardProfile: session.cardProfile,
        installed: installed.map((record) => record.serial),
        revoked: toRevoke.map((record) => record.serial),
      },
    });
  })();
}
