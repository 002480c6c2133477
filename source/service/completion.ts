import type {CompletionResponse} from '../protocol/certificates.js';
import {inspectCertificate, type CertificateFacts} from './certificate-facts.js';
import {certificateView, isValidAt} from './certificate-view.js';
import type {ServiceContext} from './context.js';
import {prepareCrl, writeCrl, type PendingRevocation} from './crl-publisher.js';
import {RefusalError} from './errors.js';
import {issuedForItem, planItemId} from './plan.js';
import {requireReceivedCard, type AuthenticatedSession} from './sessions.js';
import {appendAudit} from './store/audit-log.js';
import {
  certificatesOfCard,
  findCertificate,
  insertCertificate,
  markCertificateInstalled,
  markCertificateRevoked,
  type CertificateRecord,
} from './store/certificates.js';
import {insertCompletion} from './store/completions.js';
import type {CrlRecord} from './store/crls.js';

/**
 * Completes the upgrade of the session's card: every plan item's current certificate must be reported
 * installed; the service records that, revokes every other valid certificate of the card (the replaced ones,
 * including `removed` earlier certificates it had not seen, reason superseded), publishes the CRLs, and records
 * the completion, all in one transaction. Repeating it changes nothing and reports nothing new revoked.
 * Throws RefusalError 'card-not-received', 'upgrade-incomplete', 'certificate-not-found' (a serial that is not a
 * current plan certificate of this card), 'certificate-malformed', 'certificate-foreign' (a removed certificate
 * no CA of the service issued), 'certificate-not-owned' (it names someone else or another card).
 */
export function completeUpgrade(
  context: ServiceContext,
  session: AuthenticatedSession,
  installedSerials: readonly string[],
  removed: readonly Uint8Array[],
): Promise<CompletionResponse> {
  return context.writes.run(async () => {
    requireReceivedCard(session);
    const {db} = context;
    const now = context.now();
    const card = session.card.number;
    const records = certificatesOfCard(db, card);

    const installed: CertificateRecord[] = [];
    const missing: string[] = [];
    for (const item of context.settings.plan) {
      const current = issuedForItem(records, planItemId(item), now);
      if (current && installedSerials.includes(current.serial)) installed.push(current);
      else missing.push(planItemId(item));
    }
    const unknown = installedSerials.filter(
      (serial) => !installed.some((record) => record.serial === serial),
    );
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

    const installedIds = new Set(installed.map((record) => record.id));
    const firstSeen = new Map<string, RemovedCertificate>();
    for (const der of removed) {
      const entry = removedCertificate(context, session, der);
      if (entry && !installedIds.has(entry.facts.id)) firstSeen.set(entry.facts.id, entry);
    }
    const toRevoke = [
      ...records.filter((record) => !installedIds.has(record.id) && isValidAt(record, now)),
      ...[...firstSeen.values()].map((entry) => entry.record),
    ];
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

    const newlyInstalled = installed.filter((record) => !record.installedAt);
    if (newlyInstalled.length > 0 || toRevoke.length > 0) {
      db.transaction(() => {
        for (const entry of firstSeen.values()) insertCertificate(db, entry.record);
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
            installed: installed.map((record) => record.serial),
            revoked: toRevoke.map((record) => record.serial),
          },
        });
      })();
    }
    return {
      completedAt: now.toISOString(),
      cardNumber: card,
      installed: installed.map((record) => certificateView(findCertificate(db, record.id)!, now)),
      revoked: toRevoke.map((record) => certificateView(findCertificate(db, record.id)!, now)),
    };
  });
}

interface RemovedCertificate {
  readonly facts: CertificateFacts;
  /** A record to insert (first seen now). */
  readonly record: CertificateRecord;
}

/**
 * Checks an earlier certificate the client removed from the card: issued by one of our CAs, naming the session's
 * person, not known for another card. Returns a record to insert when the service had not seen it, else
 * undefined (the stored record is already among the card's certificates).
 */
function removedCertificate(
  context: ServiceContext,
  session: AuthenticatedSession,
  der: Uint8Array,
): RemovedCertificate | undefined {
  const facts = inspectCertificate(der);
  const known = findCertificate(context.db, facts.id);
  if (known) {
    if (known.cardNumber !== session.card.number) {
      throw new RefusalError('certificate-not-owned', `certificate ${facts.serial} belongs to another card`);
    }
    return undefined;
  }
  const authority = context.authorities.issuerOf(facts.x509);
  if (!authority)
    throw new RefusalError('certificate-foreign', `no CA of this service issued ${facts.serial}`);
  const person = session.person;
  const holder = facts.holder;
  if (!holder || (holder.identity === 'hsa-id' ? person.hsaId : person.personnummer) !== holder.value) {
    throw new RefusalError('certificate-not-owned', `certificate ${facts.serial} names someone else`);
  }
  const now = context.now();
  return {
    facts,
    record: {
      id: facts.id,
      authority: authority.id,
      serial: facts.serial,
      hsaId: person.hsaId,
      cardNumber: session.card.number,
      identity: holder.identity,
      // A certificate whose usages say nothing cannot log in: count it as a signature certificate.
      purpose: facts.purpose ?? 'signature',
      origin: 'previous',
      itemId: undefined,
      publicKeyHash: facts.publicKeyHash,
      subject: facts.subject,
      issuer: facts.issuer,
      notBefore: facts.notBefore,
      notAfter: facts.notAfter,
      der: facts.der,
      recordedAt: now,
      installedAt: now,
      revokedAt: undefined,
      revocationReason: undefined,
    },
  };
}
