import {inspectCertificate, previousCertificateRecord} from './certificate-facts.js';
import type {ServiceContext} from './context.js';
import {RefusalError} from './errors.js';
import {replacedCertificates} from './plan.js';
import {requireReceivedCard, type AuthenticatedSession} from './sessions.js';
import {appendAudit} from './store/audit-log.js';
import {
  certificatesOfCard,
  findCertificate,
  insertCertificate,
  type CertificateRecord,
} from './store/certificates.js';
import {storeLocks, type StoreQueries} from './store/store.js';

/**
 * Records the certificates the client found on the session's card before the upgrade writes anything: each one
 * the service had not seen is checked (issued by one of its CAs, naming the session's person in the subject
 * serialNumber, for this card when it names one) and recorded against the card as seen on it, so completion
 * revokes it whether or not the run that overwrote it finishes. Known certificates must be this card's and person's;
 * they are left as they are. All or nothing: one refusal writes nothing. Declaring again changes nothing.
 * Returns the card's earlier valid certificates that completion revokes.
 * Throws RefusalError 'card-not-received', 'certificate-malformed', 'certificate-foreign' (no CA of the service
 * issued it), 'certificate-not-owned' (it names someone else, or another card).
 */
export function declareCardCertificates(
  context: ServiceContext,
  session: AuthenticatedSession,
  certificates: readonly Uint8Array[],
): Promise<CertificateRecord[]> {
  requireReceivedCard(session);
  return context.store.transaction(async (tx) => {
    await tx.lock(storeLocks.card(session.card.number));
    const now = context.now();
    const firstSeen = new Map<string, CertificateRecord>();
    for (const der of certificates) {
      const record = await declaredCertificate(context, tx, session, {der, now});
      if (record) firstSeen.set(record.id, record);
    }
    for (const record of firstSeen.values()) {
      // A login elsewhere may have recorded it meanwhile: audited once, by whoever recorded it.
      if (!(await insertCertificate(tx, record))) continue;
      await appendAudit(tx, {
        at: now,
        actor: session.person.hsaId,
        cardNumber: session.card.number,
        action: 'previous-certificate-recorded',
        detail: {serial: record.serial, authority: record.authority, via: 'declaration'},
      });
    }
    return replacedCertificates(context, session, await certificatesOfCard(tx, session.card.number), now);
  });
}

/**
 * Checks one declared certificate. Returns the record to insert when the service had not seen it, else undefined
 * (it is among the card's certificates already).
 */
async function declaredCertificate(
  context: ServiceContext,
  db: StoreQueries,
  session: AuthenticatedSession,
  declared: {der: Uint8Array; now: Date},
): Promise<CertificateRecord | undefined> {
  const facts = inspectCertificate(declared.der);
  const {person, card} = session;
  const known = await findCertificate(db, facts.id);
  if (known) {
    if (known.cardNumber !== card.number || known.hsaId !== person.hsaId) {
      throw new RefusalError(
        'certificate-not-owned',
        `certificate ${facts.serial} belongs to another card or person`,
      );
    }
    return undefined;
  }
  const authority = context.authorities.issuerOf(facts.x509);
  if (!authority)
    throw new RefusalError('certificate-foreign', `no CA of this service issued ${facts.serial}`);
  const holder = facts.holder;
  if (!holder || (holder.identity === 'hsa-id' ? person.hsaId : person.personnummer) !== holder.value) {
    throw new RefusalError('certificate-not-owned', `certificate ${facts.serial} names someone else`);
  }
  if (facts.cardNumber !== undefined && facts.cardNumber !== card.number) {
    throw new RefusalError(
      'certificate-not-owned',
      `certificate ${facts.serial} is for card ${facts.cardNumber}, not ${card.number}`,
    );
  }
  return previousCertificateRecord(
    facts,
    {
      authority: authority.id,
      hsaId: person.hsaId,
      cardNumber: card.number,
      identity: holder.identity,
      // A certificate whose usages say nothing cannot log in: count it as a signature certificate.
      purpose: facts.purpose ?? 'signature',
    },
    declared.now,
  );
}
