import {SithsError} from '../errors.js';

/** What went wrong building, reading or checking certificates, requests and CRLs. */
export type PkiErrorCode =
  /** Bytes that are not a DER (or PEM) X.509 certificate. */
  | 'certificate-malformed'
  /** Bytes that are not a DER PKCS#10 certification request. */
  | 'request-malformed'
  /** Bytes that are not a DER X.509 CRL. */
  | 'crl-malformed'
  /** A PKCS#10 request whose signature does not verify with its own key: no proof of possession. */
  | 'request-signature-invalid'
  /** A certificate or CRL whose signature does not verify with its issuer's key. */
  | 'signature-invalid'
  /** No path from the certificate to a trust anchor through the given intermediates and CA certificates. */
  | 'chain-untrusted'
  /** A certificate of the path is past its notAfter at the date checked. */
  | 'certificate-expired'
  /** A certificate of the path is before its notBefore at the date checked. */
  | 'certificate-not-yet-valid'
  /** A key algorithm or curve we do not issue for or sign with (RSA and EC P-256/P-384/P-521 only). */
  | 'key-unsupported'
  /** A signature algorithm we do not verify (RSA PKCS#1 v1.5 and ECDSA with SHA-2 only). */
  | 'signature-algorithm-unsupported'
  /** A signer whose algorithm does not fit its key, or an issuer key that is not the issuer certificate's. */
  | 'key-mismatch'
  /** A certificate or CRL serial number that is empty, longer than 20 octets or not hex (RFC 5280 4.1.2.2). */
  | 'serial-number-invalid'
  /** A name attribute whose value cannot be encoded (countryName not two letters, serialNumber not printable). */
  | 'name-invalid'
  /** notAfter before notBefore, or nextUpdate before thisUpdate. */
  | 'validity-invalid'
  /** A master secret too short, or an empty card identifier, for the management-key derivation. */
  | 'derivation-input-invalid';

/** A PKI failure. Messages name fields and values of public data, never key material. */
export class PkiError extends SithsError<PkiErrorCode> {
  override readonly name = 'PkiError';
}

/** What is wrong with an HSA-id or a personnummer. */
export type IdentityErrorCode =
  /** Not "SE", ten digits, "-", then 1 or more letters A-Z/a-z or digits, at most 31 characters in all. */
  | 'hsa-id-malformed'
  /** Not twelve digits YYYYMMDDNNNC (a hyphen before NNNC is accepted). */
  | 'personnummer-malformed'
  /** The date part is not a calendar date (for a samordningsnummer, the day minus 60). */
  | 'personnummer-date'
  /** The last digit is not the Luhn check digit over the ten digits YYMMDDNNN. */
  | 'personnummer-checksum';

/** An identity string that is not a valid HSA-id or personnummer. The message quotes no more than the value's length. */
export class IdentityError extends SithsError<IdentityErrorCode> {
  override readonly name = 'IdentityError';
}
