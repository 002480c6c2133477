import {generateKeyPair, randomBytes, type KeyObject} from 'node:crypto';
import {promisify} from 'node:util';
import * as pkijs from 'pkijs';
import {encodeTime, serialInteger} from './der.js';
import {encodeName, type DistinguishedName} from './distinguished-name.js';
import {PkiError} from './errors.js';
import {
  authorityInfoAccessExtension,
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  certificatePoliciesExtension,
  crlDistributionPointExtension,
  decodeSubjectKeyIdentifier,
  extendedKeyUsageExtension,
  extensionOctets,
  keyIdentifier,
  KeyUsage,
  keyUsageExtension,
  subjectAltNameExtension,
  subjectKeyIdentifierExtension,
  type AuthorityInfoAccess,
  type BasicConstraints,
  type SubjectAltName,
} from './extensions.js';
import {OID_SUBJECT_KEY_IDENTIFIER} from './object-identifiers.js';
import {exportPublicKey, importPublicKey, publicKeysEqual} from './public-key.js';
import {algorithmIdentifier, signObject} from './signature.js';
import {keyObjectSigner} from './signer.js';

/** A CA that signs: its certificate (DER) and its private key. */
export interface CertificateAuthorityCredential {
  readonly certificate: Uint8Array;
  readonly privateKey: KeyObject;
}

/**
 * The extensions of a new certificate. subjectKeyIdentifier and authorityKeyIdentifier are always written,
 * derived from the keys (RFC 5280 4.2.1.1, 4.2.1.2 method 1).
 */
export interface CertificateExtensions {
  /** Critical. */
  readonly basicConstraints?: BasicConstraints;
  /** Critical; at least one usage. */
  readonly keyUsage?: readonly KeyUsage[];
  /** Purpose OIDs, e.g. EKU_CLIENT_AUTH. */
  readonly extendedKeyUsage?: readonly string[];
  readonly subjectAltName?: SubjectAltName;
  readonly crlDistributionPoint?: URL;
  readonly authorityInfoAccess?: AuthorityInfoAccess;
  /** Policy OIDs. */
  readonly certificatePolicies?: readonly string[];
}

export interface IssueCertificateOptions {
  readonly subject: DistinguishedName;
  /** SubjectPublicKeyInfo DER of the key the certificate is for. */
  readonly subjectPublicKey: Uint8Array;
  /** The CA that signs, or only a private key for a self-signed certificate (the key must be the subject's). */
  readonly issuer: CertificateAuthorityCredential | {readonly privateKey: KeyObject};
  /** Positive, 1 to 20 octets once leading zeros are dropped (RFC 5280 4.1.2.2). */
  readonly serialNumber: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly extensions?: CertificateExtensions;
}

/**
 * Issues an X.509 v3 certificate, signed with the issuer's key: RSA PKCS#1 v1.5 with SHA-256 for RSA keys, ECDSA
 * with SHA-256 for P-256 and SHA-384 for P-384. Times are written to the whole second. Returns the DER.
 *
 * Throws PkiError 'certificate-malformed' (issuer certificate), 'key-unsupported' (subject or issuer key),
 * 'key-mismatch' (issuer key not the issuer certificate's, or a self-signing key not the subject's),
 * 'serial-number-invalid', 'validity-invalid', 'name-invalid'.
 */
export async function issueCertificate(options: IssueCertificateOptions): Promise<Uint8Array> {
  const {subject, subjectPublicKey, issuer, notBefore, notAfter, extensions = {}} = options;
  importPublicKey(subjectPublicKey);
  const serialNumber = serialInteger(options.serialNumber);
  if (!serialNumber)
    throw new PkiError('serial-number-invalid', 'a serial number is 1 to 20 octets and not zero');
  if (notAfter.getTime() <= notBefore.getTime()) {
    throw new PkiError('validity-invalid', 'notAfter must be after notBefore');
  }
  const signer = keyObjectSigner(issuer.privateKey);
  const subjectName = encodeName(subject);
  const subjectKeyId = keyIdentifier(subjectPublicKey);
  let issuerName = subjectName;
  let authorityKeyId = subjectKeyId;
  if ('certificate' in issuer) {
    const issuerCertificate = parseIssuer(issuer.certificate);
    if (!publicKeysEqual(signer.publicKey, issuerCertificate.subjectPublicKeyInfo)) {
      throw new PkiError('key-mismatch', "the issuer's private key is not the key of the issuer certificate");
    }
    issuerName = issuerCertificate.subject;
    authorityKeyId = issuerCertificate.keyIdentifier;
  } else if (!publicKeysEqual(signer.publicKey, subjectPublicKey)) {
    throw new PkiError('key-mismatch', 'a self-signed certificate must be signed with the key it certifies');
  }

  const certificate = new pkijs.Certificate({
    version: 2,
    serialNumber,
    signature: algorithmIdentifier(signer.algorithm),
    issuer: issuerName,
    notBefore: encodeTime(notBefore),
    notAfter: encodeTime(notAfter),
    subject: subjectName,
    subjectPublicKeyInfo: pkijs.PublicKeyInfo.fromBER(subjectPublicKey),
    extensions: [
      ...(extensions.basicConstraints ? [basicConstraintsExtension(extensions.basicConstraints)] : []),
      ...(extensions.keyUsage?.length ? [keyUsageExtension(extensions.keyUsage)] : []),
      ...(extensions.extendedKeyUsage?.length
        ? [extendedKeyUsageExtension(extensions.extendedKeyUsage)]
        : []),
      subjectKeyIdentifierExtension(subjectKeyId),
      authorityKeyIdentifierExtension(authorityKeyId),
      ...(extensions.subjectAltName
        ? [subjectAltNameExtension(extensions.subjectAltName, subject.length === 0)]
        : []),
      ...(extensions.certificatePolicies?.length
        ? [certificatePoliciesExtension(extensions.certificatePolicies)]
        : []),
      ...(extensions.crlDistributionPoint
        ? [crlDistributionPointExtension(extensions.crlDistributionPoint)]
        : []),
      ...(extensions.authorityInfoAccess?.caIssuers || extensions.authorityInfoAccess?.ocsp
        ? [authorityInfoAccessExtension(extensions.authorityInfoAccess)]
        : []),
    ],
  });
  return signObject(certificate, signer);
}

/** What signing under an issuer certificate needs: its exact subject name, its key, and its key identifier. */
export function parseIssuer(der: Uint8Array): {
  subject: pkijs.RelativeDistinguishedNames;
  subjectPublicKeyInfo: Uint8Array;
  keyIdentifier: Uint8Array;
} {
  let certificate: pkijs.Certificate;
  try {
    certificate = pkijs.Certificate.fromBER(der);
  } catch (error) {
    throw new PkiError('certificate-malformed', 'the issuer certificate does not parse', {cause: error});
  }
  const subjectPublicKeyInfo = new Uint8Array(certificate.subjectPublicKeyInfo.toSchema().toBER(false));
  const ski = certificate.extensions?.find((extension) => extension.extnID === OID_SUBJECT_KEY_IDENTIFIER);
  return {
    subject: certificate.subject,
    subjectPublicKeyInfo,
    keyIdentifier: ski
      ? decodeSubjectKeyIdentifier(extensionOctets(ski))
      : keyIdentifier(subjectPublicKeyInfo),
  };
}

/** The key algorithms we generate CA (and test) keys with. */
export type GeneratedKeyAlgorithm = 'rsa-2048' | 'rsa-3072' | 'rsa-4096' | 'ecc-p256' | 'ecc-p384';

const generate = promisify(generateKeyPair);

/** Generates a private key in this process (public exponent 65537 for RSA). */
export async function generatePrivateKey(algorithm: GeneratedKeyAlgorithm): Promise<KeyObject> {
  const {privateKey} = algorithm.startsWith('rsa-')
    ? await generate('rsa', {modulusLength: Number(algorithm.slice(4)), publicExponent: 0x10001})
    : await generate('ec', {namedCurve: algorithm === 'ecc-p256' ? 'P-256' : 'P-384'});
  return privateKey;
}

/** 16 random octets with the high bit clear and the first octet non-zero: a positive 128-bit serial number. */
export function randomSerialNumber(): Uint8Array {
  const serial = new Uint8Array(randomBytes(16));
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  return serial;
}

export interface CreateCertificateAuthorityOptions {
  readonly name: DistinguishedName;
  readonly keyAlgorithm: GeneratedKeyAlgorithm;
  /** The CA that signs the new CA's certificate; absent for a self-signed root. */
  readonly parent?: CertificateAuthorityCredential;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The most CA certificates allowed below this one; absent for no limit. */
  readonly pathLength?: number;
  readonly crlDistributionPoint?: URL;
  readonly authorityInfoAccess?: AuthorityInfoAccess;
  readonly certificatePolicies?: readonly string[];
}

/**
 * Creates a CA: a new key and its certificate (basicConstraints cA, keyUsage keyCertSign and cRLSign), self-signed
 * or signed by `parent`. Throws what issueCertificate throws.
 */
export async function createCertificateAuthority(
  options: CreateCertificateAuthorityOptions,
): Promise<CertificateAuthorityCredential> {
  const privateKey = await generatePrivateKey(options.keyAlgorithm);
  const certificate = await issueCertificate({
    subject: options.name,
    subjectPublicKey: exportPublicKey(privateKey),
    issuer: options.parent ?? {privateKey},
    serialNumber: randomSerialNumber(),
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    extensions: {
      basicConstraints: {isCertificateAuthority: true, pathLength: options.pathLength},
      keyUsage: [KeyUsage.KeyCertSign, KeyUsage.CrlSign],
      crlDistributionPoint: options.crlDistributionPoint,
      authorityInfoAccess: options.authorityInfoAccess,
      certificatePolicies: options.certificatePolicies,
    },
  });
  return {certificate, privateKey};
}
