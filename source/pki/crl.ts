import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import {decodeDer, encodeTime, integerHex, serialInteger} from './der.js';
import {decodeName, type NameView} from './distinguished-name.js';
import {PkiError} from './errors.js';
import {authorityKeyIdentifierExtension, extensionOctets} from './extensions.js';
import {parseIssuer, type CertificateAuthorityCredential} from './issue.js';
import {OID_CRL_NUMBER, OID_CRL_REASON} from './object-identifiers.js';
import {publicKeysEqual} from './public-key.js';
import {algorithmIdentifier, isSignedBy, signObject} from './signature.js';
import {keyObjectSigner} from './signer.js';

/** CRLReason codes (RFC 5280 5.3.1); 7 is not used. */
export enum CrlReason {
  Unspecified = 0,
  KeyCompromise = 1,
  CaCompromise = 2,
  AffiliationChanged = 3,
  Superseded = 4,
  CessationOfOperation = 5,
  CertificateHold = 6,
  RemoveFromCrl = 8,
  PrivilegeWithdrawn = 9,
  AaCompromise = 10,
}

/** X.509 CRL v2 is encoded as 1 (RFC 5280 5.1.2.1). */
const CRL_VERSION_2 = 1;
/** A CRL number is at most 20 octets (RFC 5280 5.2.3). */
const MAX_CRL_NUMBER = (1n << 159n) - 1n;

/** One revoked certificate. */
export interface RevokedCertificate {
  /** The certificate's serial number, hex (any case, leading zeros ignored). Parsed: lower-case, no leading zeros. */
  readonly serialNumber: string;
  readonly revokedAt: Date;
  /** Absent (and written absent) for Unspecified, as RFC 5280 5.3.1 asks. */
  readonly reason?: CrlReason;
}

export interface BuildCrlOptions {
  readonly issuer: CertificateAuthorityCredential;
  /** The CRL number: increases with every CRL the issuer publishes. */
  readonly number: number | bigint;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly revoked: readonly RevokedCertificate[];
}

/**
 * Builds a v2 CRL signed by the issuer (same algorithms as issueCertificate), with the authorityKeyIdentifier and
 * CRL number extensions and a reasonCode on each entry whose reason is not Unspecified. Returns the DER.
 *
 * Throws PkiError 'certificate-malformed' (issuer certificate), 'key-unsupported', 'key-mismatch' (issuer key),
 * 'serial-number-invalid' (an entry's serial, or a CRL number outside 0..2^159-1), 'validity-invalid' (nextUpdate
 * not after thisUpdate).
 */
export async function buildCrl(options: BuildCrlOptions): Promise<Uint8Array> {
  const {issuer, thisUpdate, nextUpdate, revoked} = options;
  const number = BigInt(options.number);
  if (number < 0n || number > MAX_CRL_NUMBER) {
    throw new PkiError('serial-number-invalid', 'a CRL number is 0 to 2^159-1');
  }
  if (nextUpdate.getTime() <= thisUpdate.getTime()) {
    throw new PkiError('validity-invalid', 'nextUpdate must be after thisUpdate');
  }
  const signer = keyObjectSigner(issuer.privateKey);
  const issuerCertificate = parseIssuer(issuer.certificate);
  if (!publicKeysEqual(signer.publicKey, issuerCertificate.subjectPublicKeyInfo)) {
    throw new PkiError('key-mismatch', "the issuer's private key is not the key of the issuer certificate");
  }
  const entries = revoked.map(
    (entry) =>
      new pkijs.RevokedCertificate({
        userCertificate: serialFromHex(entry.serialNumber),
        revocationDate: encodeTime(entry.revokedAt),
        ...(entry.reason === undefined || entry.reason === CrlReason.Unspecified
          ? {}
          : {
              crlEntryExtensions: new pkijs.Extensions({
                extensions: [
                  new pkijs.Extension({
                    extnID: OID_CRL_REASON,
                    critical: false,
                    extnValue: new asn1js.Enumerated({value: entry.reason}).toBER(false),
                  }),
                ],
              }),
            }),
      }),
  );
  const crl = new pkijs.CertificateRevocationList({
    version: CRL_VERSION_2,
    signature: algorithmIdentifier(signer.algorithm),
    issuer: issuerCertificate.subject,
    thisUpdate: encodeTime(thisUpdate),
    nextUpdate: encodeTime(nextUpdate),
    // RFC 5280 5.1.2.6: with no revoked certificates the list is absent, not empty.
    ...(entries.length > 0 ? {revokedCertificates: entries} : {}),
    crlExtensions: new pkijs.Extensions({
      extensions: [
        authorityKeyIdentifierExtension(issuerCertificate.keyIdentifier),
        new pkijs.Extension({
          extnID: OID_CRL_NUMBER,
          critical: false,
          extnValue: integerOf(number).toBER(false),
        }),
      ],
    }),
  });
  return signObject(crl, signer);
}

function serialFromHex(hex: string): asn1js.Integer {
  const integer = /^[0-9a-f]+$/i.test(hex)
    ? serialInteger(Buffer.from(hex.padStart(hex.length + (hex.length % 2), '0'), 'hex'))
    : undefined;
  if (!integer)
    throw new PkiError(
      'serial-number-invalid',
      `serial number ${JSON.stringify(hex)} is not 1 to 20 octets of hex`,
    );
  return integer;
}

function integerOf(value: bigint): asn1js.Integer {
  const hex = value.toString(16);
  const content = Buffer.from(hex.padStart(hex.length + (hex.length % 2), '0'), 'hex');
  return new asn1js.Integer({
    valueHex: (content[0]! & 0x80) === 0 ? content : Buffer.concat([Buffer.of(0), content]),
  });
}

/** A CRL read back. */
export interface ParsedCrl {
  readonly der: Uint8Array;
  readonly issuer: NameView;
  /** Absent in a CRL without the CRL number extension. */
  readonly number?: bigint;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
  readonly revoked: readonly RevokedCertificate[];
}

/** Parses a DER CRL without checking its signature. Throws PkiError 'crl-malformed'. */
export function parseCrl(der: Uint8Array): ParsedCrl {
  return readCrl(der).parsed;
}

/**
 * Parses a DER CRL and checks that the issuer certificate (DER) signed it. Throws PkiError 'crl-malformed',
 * 'certificate-malformed' (the issuer), 'signature-algorithm-unsupported', 'signature-invalid' (another issuer's
 * name or key, or a wrong signature).
 */
export function verifyCrl(der: Uint8Array, issuerCertificate: Uint8Array): ParsedCrl {
  const {crl, parsed} = readCrl(der);
  const issuer = parseIssuer(issuerCertificate);
  const isSameName = Buffer.from(crl.issuer.toSchema().toBER(false)).equals(
    Buffer.from(issuer.subject.toSchema().toBER(false)),
  );
  if (!isSameName || !isSignedBy(crl, issuer.subjectPublicKeyInfo)) {
    throw new PkiError('signature-invalid', `the CRL of ${parsed.issuer.text} is not signed by this issuer`);
  }
  return parsed;
}

function readCrl(der: Uint8Array): {crl: pkijs.CertificateRevocationList; parsed: ParsedCrl} {
  try {
    const schema = decodeDer(der);
    if (schema === undefined) throw new Error('not one DER element');
    const crl = new pkijs.CertificateRevocationList({schema});
    if (crl.version !== CRL_VERSION_2) throw new Error(`version ${crl.version}`);
    const numberExtension = crl.crlExtensions?.extensions.find(
      (extension) => extension.extnID === OID_CRL_NUMBER,
    );
    const numberValue = numberExtension ? decodeDer(extensionOctets(numberExtension)) : undefined;
    if (numberExtension && !(numberValue instanceof asn1js.Integer))
      throw new Error('CRL number is not an INTEGER');
    const parsed: ParsedCrl = {
      der: new Uint8Array(der),
      issuer: decodeName(crl.issuer),
      number: numberValue instanceof asn1js.Integer ? numberValue.toBigInt() : undefined,
      thisUpdate: crl.thisUpdate.value,
      nextUpdate: crl.nextUpdate?.value,
      revoked: (crl.revokedCertificates ?? []).map(readEntry),
    };
    return {crl, parsed};
  } catch (error) {
    throw new PkiError('crl-malformed', 'the CRL does not parse', {cause: error});
  }
}

function readEntry(entry: pkijs.RevokedCertificate): RevokedCertificate {
  const reasonExtension = entry.crlEntryExtensions?.extensions.find(
    (extension) => extension.extnID === OID_CRL_REASON,
  );
  const reasonValue = reasonExtension ? decodeDer(extensionOctets(reasonExtension)) : undefined;
  if (reasonExtension && !(reasonValue instanceof asn1js.Enumerated))
    throw new Error('reasonCode is not ENUMERATED');
  return {
    serialNumber: integerHex(entry.userCertificate),
    revokedAt: entry.revocationDate.value,
    ...(reasonValue instanceof asn1js.Enumerated
      ? {reason: reasonValue.valueBlock.valueDec as CrlReason}
      : {}),
  };
}
