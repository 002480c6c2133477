import {createHash} from 'node:crypto';
import * as pkijs from 'pkijs';
import {decodeDer, integerHex} from './der.js';
import {decodeName, type NameView} from './distinguished-name.js';
import {PkiError} from './errors.js';
import {
  decodeAuthorityKeyIdentifier,
  decodeBasicConstraints,
  decodeExtendedKeyUsage,
  decodeKeyUsage,
  decodeSubjectAltName,
  decodeSubjectKeyIdentifier,
  extensionOctets,
  KeyUsage,
  type SubjectAltName,
} from './extensions.js';
import {isHsaId, isPersonnummer, parsePersonnummer} from './identity.js';
import {
  EKU_CLIENT_AUTH,
  OID_AUTHORITY_INFO_ACCESS,
  OID_AUTHORITY_KEY_IDENTIFIER,
  OID_BASIC_CONSTRAINTS,
  OID_CERTIFICATE_POLICIES,
  OID_CRL_DISTRIBUTION_POINTS,
  OID_EXTENDED_KEY_USAGE,
  OID_KEY_USAGE,
  OID_SUBJECT_ALT_NAME,
  OID_SUBJECT_KEY_IDENTIFIER,
} from './object-identifiers.js';
import {importPublicKey, type KeyAlgorithmInfo} from './public-key.js';
import {isSignedBy} from './signature.js';

export {publicKeysEqual} from './public-key.js';

/** What a card certificate is for: logging in ("legitimering") or signing ("underskrift"). */
export type CertificatePurpose = 'authentication' | 'signature';

/** A certificate as the screens and the engine use it. */
export interface CertificateDetails {
  readonly der: Uint8Array;
  /** The subject. */
  readonly holder: NameView;
  readonly issuer: NameView;
  /** Lower-case hex, no leading zero octets. */
  readonly serialNumber: string;
  /** The subject serialNumber when it is an HSA-id. */
  readonly hsaId?: string;
  /** The subject serialNumber when it is a valid personnummer or samordningsnummer (twelve digits). */
  readonly personnummer?: string;
  /** From the subjectAltName hardwareModuleName (see SubjectAltName). */
  readonly cardNumber?: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Empty when the certificate has no keyUsage extension. */
  readonly keyUsage: readonly KeyUsage[];
  /** Purpose OIDs; empty when the certificate has no extKeyUsage extension. */
  readonly extendedKeyUsage: readonly string[];
  /**
   * 'signature' when keyUsage has nonRepudiation; else 'authentication' when keyUsage has digitalSignature or the
   * extKeyUsage has clientAuth; else undefined.
   */
  readonly purpose?: CertificatePurpose;
  readonly isCertificateAuthority: boolean;
  readonly pathLength?: number;
  readonly subjectAltName: SubjectAltName;
  /** SubjectPublicKeyInfo DER. */
  readonly subjectPublicKeyInfo: Uint8Array;
  /** Undefined for keys other than RSA and EC P-256/P-384/P-521. */
  readonly keyAlgorithm?: KeyAlgorithmInfo;
  /** SHA-256 of the DER, lower-case hex. */
  readonly fingerprint: string;
}

/** The extensions we read; a critical extension not in this list makes a certificate unusable in a chain. */
const UNDERSTOOD_EXTENSIONS: ReadonlySet<string> = new Set([
  OID_BASIC_CONSTRAINTS,
  OID_KEY_USAGE,
  OID_EXTENDED_KEY_USAGE,
  OID_SUBJECT_ALT_NAME,
  OID_SUBJECT_KEY_IDENTIFIER,
  OID_AUTHORITY_KEY_IDENTIFIER,
  OID_CERTIFICATE_POLICIES,
  OID_CRL_DISTRIBUTION_POINTS,
  OID_AUTHORITY_INFO_ACCESS,
]);

const DER_SEQUENCE = 0x30;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/;

/** A certificate with what chain checks need beside its details. */
interface ParsedCertificate {
  readonly details: CertificateDetails;
  readonly certificate: pkijs.Certificate;
  readonly subjectName: Buffer;
  readonly issuerName: Buffer;
  readonly subjectKeyIdentifier?: Buffer;
  readonly authorityKeyIdentifier?: Buffer;
  readonly criticalUnknown: readonly string[];
  readonly hasSameSignatureAlgorithms: boolean;
}

/**
 * Reads an X.509 certificate: DER bytes, or PEM (as a string or its bytes). Throws PkiError 'certificate-malformed'
 * for anything else, including a certificate with a malformed known extension or one extension twice.
 */
export function parseCertificate(input: Uint8Array | string): CertificateDetails {
  return readCertificate(input).details;
}

function toDer(input: Uint8Array | string): Uint8Array {
  // DER certificates begin with a SEQUENCE tag; anything else is read as PEM text.
  if (typeof input !== 'string' && input[0] === DER_SEQUENCE) return input;
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  const body = PEM_CERTIFICATE.exec(text)?.[1];
  if (body === undefined)
    throw new PkiError('certificate-malformed', 'neither DER nor a PEM CERTIFICATE block');
  return new Uint8Array(Buffer.from(body.replace(/\s+/g, ''), 'base64'));
}

function readCertificate(input: Uint8Array | string): ParsedCertificate {
  const der = toDer(input);
  try {
    return readDer(der);
  } catch (error) {
    if (error instanceof PkiError) throw error;
    throw new PkiError('certificate-malformed', 'the certificate does not parse', {cause: error});
  }
}

function readDer(der: Uint8Array): ParsedCertificate {
  const schema = decodeDer(der);
  if (schema === undefined) throw new PkiError('certificate-malformed', 'not one DER element');
  const certificate = new pkijs.Certificate({schema});
  if (certificate.version < 0 || certificate.version > 2) {
    throw new PkiError('certificate-malformed', `version ${certificate.version}`);
  }
  const extensions = new Map<string, pkijs.Extension>();
  for (const extension of certificate.extensions ?? []) {
    if (extensions.has(extension.extnID)) {
      throw new PkiError('certificate-malformed', `extension ${extension.extnID} appears twice`);
    }
    extensions.set(extension.extnID, extension);
  }
  const octets = (oid: string) => {
    const extension = extensions.get(oid);
    return extension ? extensionOctets(extension) : undefined;
  };
  const read = <T>(oid: string, decode: (value: Uint8Array) => T): T | undefined => {
    const value = octets(oid);
    return value === undefined ? undefined : decode(value);
  };
  const keyUsage = read(OID_KEY_USAGE, decodeKeyUsage) ?? [];
  const extendedKeyUsage = read(OID_EXTENDED_KEY_USAGE, decodeExtendedKeyUsage) ?? [];
  const basicConstraints = read(OID_BASIC_CONSTRAINTS, decodeBasicConstraints);
  const subjectAltName = read(OID_SUBJECT_ALT_NAME, decodeSubjectAltName) ?? {};
  const subjectKeyIdentifier = read(OID_SUBJECT_KEY_IDENTIFIER, decodeSubjectKeyIdentifier);
  const authorityKeyIdentifier = read(OID_AUTHORITY_KEY_IDENTIFIER, decodeAuthorityKeyIdentifier);

  const holder = decodeName(certificate.subject);
  const subjectPublicKeyInfo = new Uint8Array(certificate.subjectPublicKeyInfo.toSchema().toBER(false));
  let keyAlgorithm: KeyAlgorithmInfo | undefined;
  try {
    keyAlgorithm = importPublicKey(subjectPublicKeyInfo).algorithm;
  } catch {
    keyAlgorithm = undefined;
  }
  const identity = holder.serialNumber;
  const details: CertificateDetails = {
    der: new Uint8Array(der),
    holder,
    issuer: decodeName(certificate.issuer),
    serialNumber: integerHex(certificate.serialNumber),
    hsaId: identity !== undefined && isHsaId(identity) ? identity : undefined,
    personnummer:
      identity !== undefined && isPersonnummer(identity) ? parsePersonnummer(identity).value : undefined,
    cardNumber: subjectAltName.cardNumber,
    notBefore: certificate.notBefore.value,
    notAfter: certificate.notAfter.value,
    keyUsage,
    extendedKeyUsage,
    purpose: purposeOf(keyUsage, extendedKeyUsage),
    isCertificateAuthority: basicConstraints?.isCertificateAuthority ?? false,
    pathLength: basicConstraints?.pathLength,
    subjectAltName,
    subjectPublicKeyInfo,
    keyAlgorithm,
    fingerprint: createHash('sha256').update(der).digest('hex'),
  };
  return {
    details,
    certificate,
    subjectName: Buffer.from(certificate.subject.toSchema().toBER(false)),
    issuerName: Buffer.from(certificate.issuer.toSchema().toBER(false)),
    subjectKeyIdentifier: subjectKeyIdentifier && Buffer.from(subjectKeyIdentifier),
    authorityKeyIdentifier: authorityKeyIdentifier && Buffer.from(authorityKeyIdentifier),
    criticalUnknown: [...extensions.values()]
      .filter((extension) => extension.critical && !UNDERSTOOD_EXTENSIONS.has(extension.extnID))
      .map((extension) => extension.extnID),
    hasSameSignatureAlgorithms: Buffer.from(certificate.signature.toSchema().toBER(false)).equals(
      Buffer.from(certificate.signatureAlgorithm.toSchema().toBER(false)),
    ),
  };
}

function purposeOf(keyUsage: readonly KeyUsage[], extendedKeyUsage: readonly string[]) {
  if (keyUsage.includes(KeyUsage.NonRepudiation)) return 'signature';
  if (keyUsage.includes(KeyUsage.DigitalSignature) || extendedKeyUsage.includes(EKU_CLIENT_AUTH)) {
    return 'authentication';
  }
  return undefined;
}

/** Paths longer than this (leaf, CAs, anchor) are not followed. */
const MAX_PATH_LENGTH = 10;

/**
 * Checks that `leaf` chains to one of `trustAnchors` through `intermediates` (all DER or PEM), at `date`: each
 * certificate of the path is valid at the date, each issuer's name is the subject's issuer name (and its key
 * identifier the subject's authority key identifier, when both are there), each issuer is a CA (basicConstraints
 * cA, keyCertSign when keyUsage is present, pathLenConstraint respected) whose key verifies the signature, and no
 * certificate has a critical extension we do not understand. Trust anchors are checked like the rest. A leaf that
 * is itself a trust anchor is trusted. Returns the path, leaf first, anchor last.
 *
 * Throws PkiError 'certificate-malformed', 'certificate-expired', 'certificate-not-yet-valid', 'signature-invalid'
 * (an issuer by name whose key does not verify the signature), 'signature-algorithm-unsupported', 'chain-untrusted'
 * (no issuer, an issuer that may not issue, or an unknown critical extension).
 */
export function verifyChain(
  leaf: Uint8Array | string,
  intermediates: readonly (Uint8Array | string)[],
  trustAnchors: readonly (Uint8Array | string)[],
  options: {readonly date: Date},
): CertificateDetails[] {
  const anchors = trustAnchors.map(readCertificate);
  const candidates = [...anchors, ...intermediates.map(readCertificate)];
  const isAnchor = (certificate: ParsedCertificate) => anchors.includes(certificate);
  const isSameCertificate = (a: ParsedCertificate, b: ParsedCertificate) =>
    a.details.fingerprint === b.details.fingerprint;

  let current = readCertificate(leaf);
  const path: ParsedCertificate[] = [];
  for (;;) {
    checkUsable(current, options.date);
    path.push(current);
    if (anchors.some((anchor) => isSameCertificate(anchor, current))) break;
    if (path.length >= MAX_PATH_LENGTH) {
      throw new PkiError('chain-untrusted', `no trust anchor within ${MAX_PATH_LENGTH} certificates`);
    }
    const subject = current;
    const byName = candidates.filter(
      (candidate) =>
        candidate.subjectName.equals(subject.issuerName) &&
        !path.some((inPath) => isSameCertificate(inPath, candidate)) &&
        (candidate.subjectKeyIdentifier === undefined ||
          subject.authorityKeyIdentifier === undefined ||
          candidate.subjectKeyIdentifier.equals(subject.authorityKeyIdentifier)),
    );
    if (byName.length === 0) {
      throw new PkiError('chain-untrusted', `no trusted issuer for ${label(subject.details)}`);
    }
    const signers = byName.filter(
      (candidate) =>
        subject.hasSameSignatureAlgorithms &&
        isSignedBy(subject.certificate, candidate.details.subjectPublicKeyInfo),
    );
    if (signers.length === 0) {
      throw new PkiError('signature-invalid', `the signature of ${label(subject.details)} does not verify`);
    }
    const intermediateCount = path.length - 1;
    const issuers = signers.filter((candidate) => mayIssue(candidate.details, intermediateCount));
    const issuer = issuers.find(isAnchor) ?? issuers[0];
    if (issuer === undefined) {
      throw new PkiError(
        'chain-untrusted',
        `the issuer of ${label(subject.details)} is not a CA allowed to issue at this depth`,
      );
    }
    current = issuer;
  }
  return path.map((certificate) => certificate.details);
}

function checkUsable(certificate: ParsedCertificate, date: Date): void {
  const {details} = certificate;
  if (date.getTime() > details.notAfter.getTime()) {
    throw new PkiError('certificate-expired', `${label(details)} expired ${details.notAfter.toISOString()}`);
  }
  if (date.getTime() < details.notBefore.getTime()) {
    throw new PkiError(
      'certificate-not-yet-valid',
      `${label(details)} is valid from ${details.notBefore.toISOString()}`,
    );
  }
  if (certificate.criticalUnknown.length > 0) {
    throw new PkiError(
      'chain-untrusted',
      `${label(details)} has critical extensions we do not understand: ${certificate.criticalUnknown.join(', ')}`,
    );
  }
}

function mayIssue(issuer: CertificateDetails, intermediatesBelow: number): boolean {
  if (!issuer.isCertificateAuthority) return false;
  if (issuer.keyUsage.length > 0 && !issuer.keyUsage.includes(KeyUsage.KeyCertSign)) return false;
  return issuer.pathLength === undefined || intermediatesBelow <= issuer.pathLength;
}

/** How messages name a certificate: its common name and serial, not the whole subject (which holds identities). */
function label(details: CertificateDetails): string {
  return `"${details.holder.commonName ?? ''}" (serial ${details.serialNumber})`;
}
