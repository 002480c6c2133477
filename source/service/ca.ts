import {X509Certificate} from 'node:crypto';
import {buildCrl, CrlReason} from '../pki/crl.js';
import {PkiError} from '../pki/errors.js';
import {verifyCertificateRequest} from '../pki/csr.js';
import {issueCertificate, type CertificateAuthorityCredential} from '../pki/issue.js';
import {EKU_CLIENT_AUTH} from '../pki/object-identifiers.js';
import {KeyUsage} from '../pki/extensions.js';
import type {KeyAlgorithmInfo} from '../pki/public-key.js';
import type {RevocationReason} from '../protocol/common.js';
import type {PlanItemSettings, DirectoryPerson} from './config.js';
import type {ServiceContext} from './context.js';
import {fullName, identityValue} from './directory.js';
import {RefusalError} from './errors.js';

/** What the service takes from a certification request: the key, and the serialNumber it names if any. */
export interface CheckedRequest {
  readonly publicKey: Uint8Array;
  readonly keyAlgorithm: KeyAlgorithmInfo;
  readonly subjectSerialNumber: string | undefined;
}

/**
 * Parses a PKCS#10 request and checks its signature with its own key (proof of possession).
 * Throws RefusalError 'request-malformed', 'request-signature-invalid', 'key-algorithm-mismatch' (a key type
 * the service does not issue for).
 */
export function checkCertificateRequest(der: Uint8Array): CheckedRequest {
  try {
    const request = verifyCertificateRequest(der);
    return {
      publicKey: request.publicKey,
      keyAlgorithm: request.keyAlgorithm,
      subjectSerialNumber: request.subject.serialNumber,
    };
  } catch (error) {
    if (!(error instanceof PkiError)) throw error;
    if (error.code === 'request-signature-invalid') {
      throw new RefusalError('request-signature-invalid', 'the request is not signed by the key it names', {
        cause: error,
      });
    }
    if (error.code === 'key-unsupported') {
      throw new RefusalError(
        'key-algorithm-mismatch',
        'the request holds a key type the service does not issue for',
        {
          cause: error,
        },
      );
    }
    throw new RefusalError('request-malformed', 'the certification request does not parse', {cause: error});
  }
}

/**
 * Issues a SITHS-like end-entity certificate for a plan item (the profile):
 * - subject C=SE, O=organisation, CN=given name and surname, givenName, surname, serialNumber = HSA-id or
 *   personnummer, all from the directory;
 * - keyUsage digitalSignature and EKU clientAuth for authentication, keyUsage nonRepudiation for signature;
 * - subjectAltName with the card number (RFC 4108 hardwareModuleName, as source/pki writes it);
 * - CRL distribution point {publicUrl}/v1/crl/{issuer}.crl and AIA caIssuers {publicUrl}/v1/authorities/{issuer}.cer;
 * - valid from `notBefore` for certificateValidityDays, never past the issuer's own notAfter.
 */
export function issueLeafCertificate(
  context: ServiceContext,
  options: {
    issuer: {id: string} & CertificateAuthorityCredential;
    person: DirectoryPerson;
    cardNumber: string;
    item: PlanItemSettings;
    publicKey: Uint8Array;
    serial: Uint8Array;
    notBefore: Date;
  },
): Promise<Uint8Array> {
  const {issuer, person, item, notBefore} = options;
  const base = context.publicUrl();
  const issuerNotAfter = new Date(new X509Certificate(issuer.certificate).validTo);
  const notAfter = new Date(
    Math.min(
      notBefore.getTime() + context.settings.certificateValidityDays * 86_400_000,
      issuerNotAfter.getTime(),
    ),
  );
  const isAuthentication = item.purpose === 'authentication';
  return issueCertificate({
    subject: [
      {type: 'countryName', value: 'SE'},
      {type: 'organizationName', value: person.organisation},
      {type: 'commonName', value: fullName(person)},
      {type: 'givenName', value: person.givenName},
      {type: 'surname', value: person.surname},
      {type: 'serialNumber', value: identityValue(person, item.identity)},
    ],
    subjectPublicKey: options.publicKey,
    issuer: {certificate: issuer.certificate, privateKey: issuer.privateKey},
    serialNumber: options.serial,
    notBefore,
    notAfter,
    extensions: {
      keyUsage: [isAuthentication ? KeyUsage.DigitalSignature : KeyUsage.NonRepudiation],
      ...(isAuthentication && {extendedKeyUsage: [EKU_CLIENT_AUTH]}),
      subjectAltName: {cardNumber: options.cardNumber},
      crlDistributionPoint: new URL(`${base}/v1/crl/${issuer.id}.crl`),
      authorityInfoAccess: {caIssuers: new URL(`${base}/v1/authorities/${issuer.id}.cer`)},
    },
  });
}

/** The CRL reason code of each API revocation reason (RFC 5280 5.3.1). */
const CRL_REASON: Readonly<Record<RevocationReason, CrlReason>> = {
  unspecified: CrlReason.Unspecified,
  'key-compromise': CrlReason.KeyCompromise,
  superseded: CrlReason.Superseded,
  'cessation-of-operation': CrlReason.CessationOfOperation,
};

/** Signs a v2 CRL of `issuer` listing `revoked` (serials as lower-case hex), with CRL number and reason codes. */
export function signCrl(options: {
  issuer: CertificateAuthorityCredential;
  number: number;
  thisUpdate: Date;
  nextUpdate: Date;
  revoked: readonly {serial: string; revokedAt: Date; reason: RevocationReason}[];
}): Promise<Uint8Array> {
  return buildCrl({
    issuer: {certificate: options.issuer.certificate, privateKey: options.issuer.privateKey},
    number: options.number,
    thisUpdate: options.thisUpdate,
    nextUpdate: options.nextUpdate,
    revoked: options.revoked.map((entry) => ({
      serialNumber: entry.serial,
      revokedAt: entry.revokedAt,
      reason: CRL_REASON[entry.reason],
    })),
  });
}
