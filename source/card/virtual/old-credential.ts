import {X509Certificate, type KeyObject} from 'node:crypto';
import {KeyUsage} from '../../pki/extensions.js';
import {isHsaId} from '../../pki/identity.js';
import {issueCertificate, randomSerialNumber, type CertificateAuthorityCredential} from '../../pki/issue.js';
import {EKU_CLIENT_AUTH} from '../../pki/object-identifiers.js';
import {exportPublicKey} from '../../pki/public-key.js';
import {Algorithm} from '../piv/constants.js';
import {generatePrivateKey} from './asymmetric-keys.js';
import {VirtualCardError} from './errors.js';

/**
 * The old SITHS credential that both virtual cards' `old-siths` profiles start from, whatever the applet: an
 * authentication and a signature key pair, RSA-2048, made "on the card", with certificates from the old CA.
 */

/** The staff member an `old-siths` card belongs to. */
export interface CardHolder {
  readonly givenName: string;
  readonly surname: string;
  /** The HSA-id, e.g. SE2321000016-1234: the subject serialNumber of both certificates. */
  readonly hsaId: string;
  /** The number printed on the card, 14 digits (where each card keeps it: the PIV CHUID, the EID TokenInfo). */
  readonly cardNumber: string;
  /** The organisation in the certificates' subject; default "Region Demo". */
  readonly organisation?: string;
}

export interface OldCredentialOptions {
  readonly holder: CardHolder;
  /** The "old" CA that issued the credential. */
  readonly issuer: CertificateAuthorityCredential;
  /** Default now. */
  readonly now?: Date;
  /** Validity of both certificates; default from a year ago to a year from now, within the issuer's validity. */
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

export interface OldCredential {
  readonly authenticationKey: KeyObject;
  readonly signatureKey: KeyObject;
  /** DER. */
  readonly authenticationCertificate: Uint8Array;
  readonly signatureCertificate: Uint8Array;
  readonly notAfter: Date;
}

export const PIN_FORM = /^\d{6,8}$/;
const CARD_NUMBER_FORM = /^\d{14}$/;
const YEAR_MS = 365 * 24 * 60 * 60 * 1000;

/**
 * Two new RSA-2048 keys and their certificates from `issuer`: subject C=SE, O=organisation, CN=given name and
 * surname, givenName, surname, serialNumber=HSA-id; the authentication certificate with keyUsage digitalSignature
 * and EKU clientAuth, the signature certificate with keyUsage nonRepudiation; both with the card number in
 * subjectAltName (as the reference service issues). Throws VirtualCardError 'profile-invalid' for a malformed HSA-id
 * or card number, and what issueCertificate throws (PkiError) for an unusable issuer.
 */
export async function issueOldCredential(options: OldCredentialOptions): Promise<OldCredential> {
  const {holder, issuer} = options;
  requireProfile(isHsaId(holder.hsaId), 'the HSA-id is malformed');
  requireProfile(CARD_NUMBER_FORM.test(holder.cardNumber), 'the card number must be 14 digits');
  const now = options.now ?? new Date();
  const issuerValidTo = new Date(new X509Certificate(issuer.certificate).validTo);
  const notBefore = options.notBefore ?? new Date(now.getTime() - YEAR_MS);
  const notAfter = options.notAfter ?? new Date(Math.min(now.getTime() + YEAR_MS, issuerValidTo.getTime()));
  const [authenticationKey, signatureKey] = await Promise.all([
    generatePrivateKey(Algorithm.Rsa2048),
    generatePrivateKey(Algorithm.Rsa2048),
  ]);
  const subject = [
    {type: 'countryName', value: 'SE'},
    {type: 'organizationName', value: holder.organisation ?? 'Region Demo'},
    {type: 'commonName', value: `${holder.givenName} ${holder.surname}`},
    {type: 'givenName', value: holder.givenName},
    {type: 'surname', value: holder.surname},
    {type: 'serialNumber', value: holder.hsaId},
  ] as const;
  const certificate = (key: KeyObject, isAuthentication: boolean) =>
    issueCertificate({
      subject,
      subjectPublicKey: exportPublicKey(key),
      issuer,
      serialNumber: randomSerialNumber(),
      notBefore,
      notAfter,
      extensions: {
        keyUsage: [isAuthentication ? KeyUsage.DigitalSignature : KeyUsage.NonRepudiation],
        ...(isAuthentication && {extendedKeyUsage: [EKU_CLIENT_AUTH]}),
        subjectAltName: {cardNumber: holder.cardNumber},
      },
    });
  const [authenticationCertificate, signatureCertificate] = await Promise.all([
    certificate(authenticationKey, true),
    certificate(signatureKey, false),
  ]);
  return {authenticationKey, signatureKey, authenticationCertificate, signatureCertificate, notAfter};
}

/** Throws VirtualCardError 'profile-invalid' with `message` unless `condition` holds. */
export function requireProfile(condition: boolean, message: string): void {
  if (!condition) throw new VirtualCardError('profile-invalid', message);
}
