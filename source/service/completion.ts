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
import {storeLocks, type StoreQueries, type StoreTransaction} from './store/store.js';

/**
 * Completes the upgrade of the session's card: every current certificate of its profile's plan must be reported
 * installed; the service records that, revokes every other valid certificate it recorded for the card (seen at
 * login, declared before the upgrade wrote anything, or issued and replaced; reason superseded), whether or not
 * the finishing run still sees them, publishes the CRLs, and records the completion, all in one transaction.
 * Repeating it changes nothing and reports nothing new revoked; so does a completion that ran at the same time on
 * another instance: the card's lock puts one after the other, and the second answers what the first recorded.
 * Throws RefusalError 'card-not-received', 'upgrade-incomplete', 'certificate-not-found' (a serial that is not a
 * current plan certificate of this card).
 */
export function completeUpgrade(
  context: ServiceContext,
  session: AuthenticatedSession,
  installedSerials: readonly string[],
): Promise<CompletionResponse> {
  requireReceivedCard(session);
  return context.store.transaction(async (tx) => {
    await tx.lock(storeLocks.card(session.card.number));
    const now = context.now();
    const records = await certificatesOfCard(tx, session.card.number);
    const installed = reportedInstalled(context, session, records, installedSerials, now);
    const installedIds = new Set(installed.map((record) => record.id));
    const toRevoke = records.filter((record) => !installedIds.has(record.id) && isValidAt(record, now));
    const crls = await crlsRevoking(context, tx, toRevoke, now);
    const newlyInstalled = installed.filter((record) => !record.installedAt);
    if (newlyInstalled.length > 0 || toRevoke.length > 0) {
      await storeCompletion(tx, session, {installed, newlyInstalled, toRevoke, crls, now});
    }
    // One statement after another: a transaction's statements share one connection.
    const views = async (records: readonly CertificateRecord[]) => {
      const read = [];
      for (const record of records) read.push(certificateView((await findCertificate(tx, record.id))!, now));
      return read;
    };
    return {
      completedAt: now.toISOString(),
      cardNumber: session.card.number,
      installed: await views(installed),
      revoked: await views(toRevoke),
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
  tx: StoreTransaction,
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
  // In the order of their ids: prepareCrl locks each authority.
  for (const [authorityId, pending] of [...byAuthority].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const authority = context.authorities.get(authorityId);
    if (authority?.privateKey)
      crls.push(await prepareCrl(context, tx, {...authority, privateKey: authority.privateKey}, pending));
  }
  return crls;
}

/** Marks the installed, revokes the replaced, writes the CRLs and records the completion, in one transaction. */
async function storeCompletion(
  tx: StoreQueries,
  session: AuthenticatedSession,
  completion: {
    installed: readonly CertificateRecord[];
    newlyInstalled: readonly CertificateRecord[];
    toRevoke: readonly CertificateRecord[];
    crls: readonly CrlRecord[];
    now: Date;
  },
): Promise<void> {
  const {installed, newlyInstalled, toRevoke, crls, now} = completion;
  const card = session.card.number;
  for (const record of newlyInstalled) await markCertificateInstalled(tx, record.id, now);
  for (const record of toRevoke) {
    await markCertificateRevoked(tx, record.id, now, 'superseded');
    await appendAudit(tx, {
      at: now,
      actor: session.person.hsaId,
      cardNumber: card,
      action: 'certificate-revoked',
      detail: {serial: record.serial, reason: 'superseded', authority: record.authority},
    });
  }
  for (const crl of crls) await writeCrl(tx, crl);
  await insertCompletion(tx, {
    hsaId: session.person.hsaId,
    cardNumber: card,
    cardProfile: session.cardProfile,
    completedAt: now,
    installed: installed.map((record) => record.id),
    revoked: toRevoke.map((record) => record.id),
  });
  await appendAudit(tx, {
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
}
