import type {KeyObject} from 'node:crypto';
import {randomSerialNumber} from '../pki/issue.js';
import type {KeyAlgorithm} from '../protocol/common.js';
import {checkKeyAttestation, type KeyAttestation} from './attestation.js';
import type {Authority} from './authorities.js';
import {checkCertificateRequest, issueLeafCertificate} from './ca.js';
import {inspectCertificate, sha256Hex} from './certificate-facts.js';
import {isValidAt} from './certificate-view.js';
import type {PlanItemSettings} from './config.js';
import type {ServiceContext} from './context.js';
import {prepareCrl, writeCrl, type PendingRevocation} from './crl-publisher.js';
import {identityValue} from './directory.js';
import {RefusalError} from './errors.js';
import {findPlanItem, planItemId} from './plan.js';
import {requireLoginCertificateCurrent, requireReceivedCard, type AuthenticatedSession} from './sessions.js';
import {appendAudit} from './store/audit-log.js';
import {
  certificatesOfCard,
  certificatesWithPublicKey,
  insertCertificate,
  markCertificateRevoked,
  type CertificateRecord,
} from './store/certificates.js';
import {storeLocks, type StoreQueries, type StoreTransaction} from './store/store.js';
import {hasAcceptedCurrentTerms} from './terms.js';

/**
 * Issues the certificate of a plan item for the session's card from a PKCS#10 request (invariant 4):
 * - the item must be in the plan of the session's card profile;
 * - the request's signature must verify (proof of possession), its key must be the item's algorithm and size;
 * - on a PIV card, `attestation` must prove the key was generated on the card in the item's slot, under a
 *   configured attestation root (source/service/attestation.ts; unless the config turns attestation off); the
 *   SITHS EID card cannot attest, and a proof sent for it is refused ('attestation-malformed');
 * - the subject comes from the directory; a request naming another serialNumber is refused;
 * - the same key for the same card and item returns the certificate issued before (idempotent);
 * - a key the service has seen in any other certificate is refused;
 * - issuing a newer certificate for the card and item revokes the earlier ones that never reached the card
 *   (not reported installed), and publishes the CRL, in the same transaction;
 * - all of it under the locks of the card and the key (store.ts): instances given the same request at once issue
 *   one certificate.
 * Throws RefusalError 'session-certificate-revoked', 'session-certificate-expired', 'card-not-received',
 * 'plan-item-unknown', 'terms-not-accepted', 'request-malformed',
 * 'request-signature-invalid', 'key-algorithm-mismatch', 'request-for-another-person', 'key-reused',
 * 'attestation-missing', 'attestation-malformed', 'attestation-untrusted', 'attestation-key-mismatch',
 * 'attestation-slot-mismatch'.
 */
export function issueCertificate(
  context: ServiceContext,
  session: AuthenticatedSession,
  itemId: string,
  request: Uint8Array,
  attestation?: KeyAttestation,
): Promise<{record: CertificateRecord; isNew: boolean}> {
  return context.store.transaction(async (tx) => {
    await tx.lock(storeLocks.card(session.card.number));
    // Again under the card's lock: a revocation of the login certificate that held it before this request wins.
    await requireLoginCertificateCurrent(context, session, tx);
    requireReceivedCard(session);
    const item = findPlanItem(context, session, itemId);
    if (!(await hasAcceptedCurrentTerms(context, session, tx))) {
      throw new RefusalError('terms-not-accepted', 'accept the current terms before certificates are issued');
    }
    const checked = checkRequestForItem(session, item, request);
    const now = context.now();
    checkAttestationForItem(context, session, {item, attestation, publicKey: checked.publicKey, now});
    const publicKeyHash = sha256Hex(checked.publicKey);
    await tx.lock(storeLocks.publicKey(publicKeyHash));
    const same = await issuedBeforeForKey(tx, session, {itemId, publicKeyHash, now});
    if (same) return {record: same, isNew: false};

    const issuer = context.authorities.issuerFor(item.identity);
    const der = await issueLeafCertificate(context, {
      issuer,
      person: session.person,
      item,
      cardNumber: session.card.number,
      publicKey: checked.publicKey,
      serial: randomSerialNumber(),
      notBefore: now,
    });
    const record = issuedRecord(der, {session, item, authority: issuer.id, publicKeyHash, now});
    await storeIssued(context, tx, session, {itemId, record, issuer});
    return {record, isNew: true};
  });
}

/**
 * The request checked (signature, key) and its key matched to the item's algorithm and its subject to the
 * person. Throws RefusalError 'request-malformed', 'request-signature-invalid', 'key-algorithm-mismatch',
 * 'request-for-another-person'.
 */
function checkRequestForItem(session: AuthenticatedSession, item: PlanItemSettings, request: Uint8Array) {
  const checked = checkCertificateRequest(request);
  if (!hasAlgorithm(checked.keyAlgorithm, item.keyAlgorithm)) {
    throw new RefusalError(
      'key-algorithm-mismatch',
      `item ${planItemId(item)} needs a ${item.keyAlgorithm} key`,
    );
  }
  const expected = identityValue(session.person, item.identity);
  if (checked.subjectSerialNumber !== undefined && checked.subjectSerialNumber !== expected) {
    throw new RefusalError(
      'request-for-another-person',
      'the request names another serialNumber than the logged-in person’s; the subject comes from the directory',
    );
  }
  return checked;
}

/**
 * A PIV card's key attestation checked for the item (checkKeyAttestation). The SITHS EID card has no attestation:
 * what binds its keys is the session's card, the plan's key references and one issuance per key (above; its limits
 * are in docs/siths-eid-card.md), and a proof sent for it is refused rather than ignored.
 */
function checkAttestationForItem(
  context: ServiceContext,
  session: AuthenticatedSession,
  request: {item: PlanItemSettings; attestation?: KeyAttestation; publicKey: Uint8Array; now: Date},
): void {
  const {item, attestation, publicKey, now} = request;
  if (session.cardProfile === 'piv') {
    checkKeyAttestation(context.settings.attestation, attestation, {publicKey, slot: item.slot, now});
  } else if (attestation !== undefined) {
    throw new RefusalError('attestation-malformed', 'a SITHS EID card has no key attestation to send');
  }
}

/**
 * The valid certificate issued before for this key, card and item (a resubmitted request), or undefined for a key
 * never seen. Throws RefusalError 'key-reused' for a key seen in any other certificate.
 */
async function issuedBeforeForKey(
  db: StoreQueries,
  session: AuthenticatedSession,
  key: {itemId: string; publicKeyHash: string; now: Date},
): Promise<CertificateRecord | undefined> {
  const {itemId, now} = key;
  const withKey = await certificatesWithPublicKey(db, key.publicKeyHash);
  const same = withKey.find(
    (record) =>
      record.origin === 'service' &&
      record.cardNumber === session.card.number &&
      record.itemId === itemId &&
      isValidAt(record, now),
  );
  if (same) return same;
  if (withKey.length > 0)
    throw new RefusalError('key-reused', 'this public key was used before; generate a new key');
  return undefined;
}

/** The store's record of a certificate just issued for a plan item. */
function issuedRecord(
  der: Uint8Array,
  issued: {
    session: AuthenticatedSession;
    item: PlanItemSettings;
    authority: string;
    publicKeyHash: string;
    now: Date;
  },
): CertificateRecord {
  const {session, item, now} = issued;
  const facts = inspectCertificate(der);
  return {
    id: facts.id,
    authority: issued.authority,
    serial: facts.serial,
    hsaId: session.person.hsaId,
    cardNumber: session.card.number,
    identity: item.identity,
    purpose: item.purpose,
    origin: 'service',
    itemId: planItemId(item),
    publicKeyHash: issued.publicKeyHash,
    subject: facts.subject,
    issuer: facts.issuer,
    notBefore: facts.notBefore,
    notAfter: facts.notAfter,
    der: facts.der,
    recordedAt: now,
    installedAt: undefined,
    revokedAt: undefined,
    revocationReason: undefined,
  };
}

/**
 * Records the new certificate and revokes the earlier ones of the card and item that never reached the card (not
 * reported installed), with their audit entries and the issuer's CRL, in one transaction.
 */
async function storeIssued(
  context: ServiceContext,
  tx: StoreTransaction,
  session: AuthenticatedSession,
  issued: {itemId: string; record: CertificateRecord; issuer: Authority & {privateKey: KeyObject}},
): Promise<void> {
  const {itemId, record, issuer} = issued;
  const now = record.recordedAt;
  const superseded = (await certificatesOfCard(tx, session.card.number)).filter(
    (earlier) =>
      earlier.origin === 'service' && earlier.itemId === itemId && !earlier.revokedAt && !earlier.installedAt,
  );
  const revocations: PendingRevocation[] = superseded.map((earlier) => ({
    serial: earlier.serial,
    revokedAt: now,
    reason: 'superseded',
  }));
  const crl = revocations.length > 0 ? await prepareCrl(context, tx, issuer, revocations) : undefined;
  await insertCertificate(tx, record);
  await appendAudit(tx, {
    at: now,
    actor: session.person.hsaId,
    cardNumber: session.card.number,
    action: 'certificate-issued',
    detail: {serial: record.serial, item: itemId, authority: issuer.id},
  });
  for (const earlier of superseded) {
    await markCertificateRevoked(tx, earlier.id, now, 'superseded');
    await appendAudit(tx, {
      at: now,
      actor: session.person.hsaId,
      cardNumber: session.card.number,
      action: 'certificate-revoked',
      detail: {serial: earlier.serial, reason: 'superseded', note: 'never reached the card'},
    });
  }
  if (crl) await writeCrl(tx, crl);
}

function hasAlgorithm(
  actual: {type: 'rsa'; bits: number} | {type: 'ec'; curve: string},
  wanted: KeyAlgorithm,
) {
  return wanted === 'rsa-2048'
    ? actual.type === 'rsa' && actual.bits === 2048
    : actual.type === 'ec' && actual.curve === 'P-256';
}
