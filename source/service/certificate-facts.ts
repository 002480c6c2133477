import {createHash, X509Certificate} from 'node:crypto';
import type {Identity, Purpose} from '../protocol/common.js';
import {RefusalError} from './errors.js';

/** id-kp-clientAuth (RFC 5280 4.2.1.12). */
const OID_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/** What the service reads from a certificate: names, serial, validity, key, and whose identity it carries. */
export interface CertificateFacts {
  readonly x509: X509Certificate;
  readonly der: Uint8Array;
  /** SHA-256 of the DER, lower-case hex: the store's id. */
  readonly id: string;
  /** Lower-case hex without leading zero bytes. */
  readonly serial: string;
  /** RFC 4514 style, most significant RDN last (CN=..., O=..., C=SE). */
  readonly subject: string;
  readonly issuer: string;
  /** The subject serialNumber (2.5.4.5) and which identity it is, when it is an HSA-id or a personnummer. */
  readonly holder: {readonly identity: Identity; readonly value: string} | undefined;
  /** 'authentication' when the EKU has clientAuth, else 'signature'. */
  readonly purpose: Purpose;
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
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(der);
  } catch (error) {
    throw new RefusalError('certificate-malformed', 'the certificate does not parse as DER X.509', {
      cause: error,
    });
  }
  const publicKey = new Uint8Array(x509.publicKey.export({type: 'spki', format: 'der'}));
  const serialNumber = /^serialNumber=(.*)$/m.exec(x509.subject)?.[1];
  return {
    x509,
    der: new Uint8Array(x509.raw),
    id: sha256Hex(x509.raw),
    serial: normaliseSerial(x509.serialNumber),
    subject: distinguishedName(x509.subject),
    issuer: distinguishedName(x509.issuer),
    holder: serialNumber === undefined ? undefined : holderOf(serialNumber),
    purpose: (x509.keyUsage ?? []).includes(OID_CLIENT_AUTH) ? 'authentication' : 'signature',
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    publicKey,
    publicKeyHash: sha256Hex(publicKey),
  };
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Lower-case hex without leading zero bytes (the API's serial form). */
export function normaliseSerial(hex: string): string {
  return hex.toLowerCase().replace(/^(00)+(?=[0-9a-f]{2})/, '');
}

function holderOf(serialNumber: string): CertificateFacts['holder'] {
  if (/^SE\d{10}-[0-9A-Za-z]{1,31}$/.test(serialNumber)) return {identity: 'hsa-id', value: serialNumber};
  if (/^\d{12}$/.test(serialNumber)) return {identity: 'personnummer', value: serialNumber};
  return undefined;
}

/** node prints names one RDN per line, most significant first; the API shows them RFC 4514 style. */
function distinguishedName(multiline: string): string {
  return multiline.split('\n').reverse().join(', ');
}
