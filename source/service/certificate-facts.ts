import {createHash, X509Certificate} from 'node:crypto';
import {parseCertificate} from '../pki/certificate.js';
import type {Identity, Purpose} from '../protocol/common.js';
import {RefusalError} from './errors.js';
import type {CertificateRecord} from './store/certificates.js';

/** What the service reads from a certificate: names, serial, validity, key, and whose identity it carries. */
export interface CertificateFacts {
  /** node's view, for finding which of our CAs signed it. */
  readonly x509: X509Certificate;
  readonly der: Uint8Array;
  /** SHA-256 of the DER, lower-case hex: the store's id. */
  readonly id: string;
  /** Lower-case hex without leading zero bytes. */
  readonly serial: string;
  /** RFC 4514. */
  readonly subject: string;
  readonly issuer: string;
  /** The subject serialNumber and which identity it is, when it is a valid HSA-id or personnummer. */
  readonly holder: {readonly identity: Identity; readonly value: string} | undefined;
  /** From keyUsage / extKeyUsage (source/pki parseCertificate); undefined when neither says. */
  readonly purpose: Purpose | undefined;
  /** The card number in the subjectAltName, when there is one. */
  readonly cardNumber: string | undefined;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** SubjectPublicKeyInfo DER. */
  readonly publicKey: Uint8Array;
  /** SHA-256 of the SubjectPublicKeyInfo DER, lower-case hex. */
  readonly publicKeyHash: string;
}

/**
 * Reads a DER certificate. Throws RefusalError 'certificate-malformed' when it does not parse.
 */
export function inspectCertificate(der: Uint8Array): CertificateFacts {
  let details: ReturnType<typeof parseCertificate>;
  let x509: X509Certificate;
  try {
    details = parseCertificate(der);
    x509 = new X509Certificate(details.der);
  } catch (error) {
    throw new RefusalError('certificate-malformed', 'the certificate does not parse as DER X.509', {
      cause: error,
    });
  }
  return {
    x509,
    der: details.der,
    id: details.fingerprint,
    serial: details.serialNumber,
    subject: details.holder.text,
    issuer: details.issuer.text,
    holder:
      details.hsaId !== undefined
        ? {identity: 'hsa-id', value: details.hsaId}
        : details.personnummer !== undefined
          ? {identity: 'personnummer', value: details.personnummer}
          : undefined,
    purpose: details.purpose,
    cardNumber: details.cardNumber,
    notBefore: details.notBefore,
    notAfter: details.notAfter,
    publicKey: details.subjectPublicKeyInfo,
    publicKeyHash: sha256Hex(details.subjectPublicKeyInfo),
  };
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The store record of a certificate that was on the card before this service issued anything for it (an old
 * credential, seen at login or declared before the upgrade): origin 'previous', installed now.
 */
export function previousCertificateRecord(
  facts: CertificateFacts,
  owner: {
    readonly authority: string;
    readonly hsaId: string;
    readonly cardNumber: string;
    readonly identity: Identity;
    readonly purpose: Purpose;
  },
  now: Date,
): CertificateRecord {
  return {
    id: facts.id,
    ...owner,
    serial: facts.serial,
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
  };
}
