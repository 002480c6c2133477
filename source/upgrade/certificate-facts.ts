import {parseCertificate, publicKeysEqual, verifyChain} from '../pki/certificate.js';
import {UpgradeError} from './errors.js';
import type {IssuedCertificate, ServicePlanItem, SessionIdentity} from './ports.js';
import {slotName, type CertificateView, type IdentityKind, type Purpose} from './state.js';

/** What the engine needs to know of a certificate, read once with source/pki. */
export interface CertificateFacts {
  readonly der: Uint8Array;
  /** Lower-case hex, as the service names certificates. */
  readonly serial: string;
  readonly subjectName: string;
  readonly issuerName: string;
  /** The subject's serialNumber attribute (an HSA-id or a personnummer). */
  readonly subjectSerialNumber?: string;
  readonly hsaId?: string;
  readonly personnummer?: string;
  readonly identityKind: IdentityKind | 'unknown';
  readonly purpose: Purpose | 'unknown';
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** SubjectPublicKeyInfo DER. */
  readonly publicKey: Uint8Array;
  /** SHA-256 of the DER, hex. */
  readonly fingerprint: string;
}

/** The configured trust: the anchors new certificates must chain to, and issuing CAs known beforehand. */
export interface TrustStore {
  readonly anchors: readonly Uint8Array[];
  readonly intermediates: readonly Uint8Array[];
}

/** Reads a certificate. Throws UpgradeError 'answer-rejected' {check: 'chain'} when it does not parse. */
export function describeCertificate(der: Uint8Array): CertificateFacts {
  let parsed;
  try {
    parsed = parseCertificate(der);
  } catch (error) {
    throw new UpgradeError({code: 'answer-rejected', check: 'chain'}, 'a certificate does not parse', {
      cause: error,
    });
  }
  const identityKind =
    parsed.hsaId !== undefined ? 'hsa-id' : parsed.personnummer !== undefined ? 'personnummer' : 'unknown';
  return {
    der,
    serial: parsed.serialNumber,
    subjectName: parsed.holder.commonName ?? '',
    issuerName: parsed.issuer.commonName ?? '',
    subjectSerialNumber: parsed.hsaId ?? parsed.personnummer,
    hsaId: parsed.hsaId,
    personnummer: parsed.personnummer,
    identityKind,
    purpose: parsed.purpose ?? 'unknown',
    notBefore: parsed.notBefore,
    notAfter: parsed.notAfter,
    publicKey: parsed.subjectPublicKeyInfo,
    fingerprint: parsed.fingerprint,
  };
}

export function keysEqual(a: Uint8Array, b: Uint8Array): boolean {
  return publicKeysEqual(a, b);
}

/** Whether the certificate chains to a configured trust anchor through the known issuing CAs, at `date`. */
export function isIssuedUnder(certificate: CertificateFacts, trust: TrustStore, date: Date): boolean {
  try {
    verifyChain(certificate.der, trust.intermediates, trust.anchors, {date});
    return true;
  } catch {
    return false;
  }
}

/** The certificate as the screens show it. */
export function toCertificateView(
  certificate: CertificateFacts,
  slot: number,
  isNew: boolean,
): CertificateView {
  return {
    slot,
    slotName: slotName(slot),
    purpose: certificate.purpose,
    identityKind: certificate.identityKind,
    subjectName: certificate.subjectName,
    issuerName: certificate.issuerName,
    serial: certificate.serial,
    notBefore: certificate.notBefore,
    notAfter: certificate.notAfter,
    isNew,
  };
}

/** A new certificate must be valid at least this long from now. */
const MIN_REMAINING_MS = 24 * 60 * 60 * 1000;
/** ... and not longer than this in all (SITHS certificates live about five years). */
const MAX_VALIDITY_MS = 10 * 366 * 24 * 60 * 60 * 1000;
/** Clock skew allowed on notBefore. */
const SKEW_MS = 10 * 60 * 1000;

/**
 * Checks a certificate the service issued before anything is written to the card (docs/architecture.md,
 * invariant 5): chain to a configured trust anchor (the service's own root is not trusted by itself), public
 * key equal to the card's key, subject equal to the logged-in identity with the plan item's identity and
 * purpose, validity sensible. Returns its facts; throws UpgradeError 'answer-rejected' {check}.
 */
export function checkIssuedCertificate(
  issued: IssuedCertificate,
  expected: {
    readonly publicKey: Uint8Array;
    readonly item: ServicePlanItem;
    readonly identity: SessionIdentity;
    readonly trust: TrustStore;
    readonly now: Date;
  },
): CertificateFacts {
  const facts = describeCertificate(issued.certificate.certificate);
  const reject = (
    check: 'chain' | 'public-key' | 'subject' | 'validity',
    message: string,
    cause?: unknown,
  ) => {
    throw new UpgradeError({code: 'answer-rejected', check}, `${expected.item.id}: ${message}`, {cause});
  };
  try {
    verifyChain(facts.der, [...issued.chain, ...expected.trust.intermediates], expected.trust.anchors, {
      date: expected.now,
    });
  } catch (error) {
    const code = (error as {code?: unknown}).code;
    if (code === 'certificate-expired' || code === 'certificate-not-yet-valid') {
      reject('validity', 'is not valid now', error);
    }
    reject('chain', 'does not chain to a configured trust anchor', error);
  }
  if (!publicKeysEqual(facts.publicKey, expected.publicKey))
    reject('public-key', "is not for the card's key");
  const {person} = expected.identity;
  const serialNumber = expected.item.identity === 'hsa-id' ? person.hsaId : person.personnummer;
  if (
    facts.identityKind !== expected.item.identity ||
    facts.purpose !== expected.item.purpose ||
    facts.subjectSerialNumber !== serialNumber
  ) {
    reject('subject', 'is not for the logged-in person, identity and purpose');
  }
  const now = expected.now.getTime();
  if (
    facts.notBefore.getTime() > now + SKEW_MS ||
    facts.notAfter.getTime() < now + MIN_REMAINING_MS ||
    facts.notAfter.getTime() - facts.notBefore.getTime() > MAX_VALIDITY_MS
  ) {
    reject('validity', 'has no sensible validity');
  }
  return facts;
}
