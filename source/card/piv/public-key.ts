import {createPublicKey, type JsonWebKey, type KeyObject} from 'node:crypto';
import {decodeTlvs, findTlv} from '../../apdu/tlv.js';
import {CardDataError, FeatureNotSupportedError} from '../errors.js';
import {Algorithm, TAG_EC_POINT, TAG_RSA_EXPONENT, TAG_RSA_MODULUS} from './constants.js';

/** Uncompressed point marker (SEC 1 clause 2.3.3). */
const EC_POINT_UNCOMPRESSED = 0x04;

/** The curve and coordinate length of each EC algorithm, and the JWK curve name (RFC 7518 section 6.2.1.1). */
const CURVES: ReadonlyMap<Algorithm, {readonly jwk: string; readonly coordinateLength: number}> = new Map([
  [Algorithm.EccP256, {jwk: 'P-256', coordinateLength: 32}],
  [Algorithm.EccP384, {jwk: 'P-384', coordinateLength: 48}],
]);
/** The RSA modulus length in bytes of each RSA algorithm. */
const RSA_MODULUS_BYTES: ReadonlyMap<Algorithm, number> = new Map([
  [Algorithm.Rsa1024, 128],
  [Algorithm.Rsa2048, 256],
  [Algorithm.Rsa3072, 384],
  [Algorithm.Rsa4096, 512],
]);
const ED25519_KEY_LENGTH = 32;

/**
 * SubjectPublicKeyInfo DER of a public key the card sent as 81 modulus / 82 exponent (RSA) or 86 point (EC,
 * Ed25519): the contents of GENERATE's 7F49 template or of F7 metadata tag 04. Built through node:crypto (JWK in,
 * SPKI out), so a malformed key is caught here. Throws CardDataError (`card-data-malformed`) when the template does
 * not fit `algorithm`, FeatureNotSupportedError for an algorithm without a public key form we know.
 */
export function spkiFromTemplate(algorithm: Algorithm, template: Uint8Array): Uint8Array {
  let items;
  try {
    items = decodeTlvs(template);
  } catch (error) {
    throw new CardDataError('the public key template does not parse', {cause: error});
  }
  return toSpki(createKey(jwkFor(algorithm, items)));
}

/** The RSA modulus length in bytes for an RSA algorithm, or undefined. */
export function rsaModulusBytes(algorithm: Algorithm): number | undefined {
  return RSA_MODULUS_BYTES.get(algorithm);
}

/** How a key in a SubjectPublicKeyInfo is used on the card: its PIV algorithm and its X.509 signature algorithm. */
export interface KeyDescription {
  readonly algorithm: Algorithm;
  readonly signatureAlgorithm: 'rsa-pkcs1-sha256' | 'ecdsa-sha256' | 'ecdsa-sha384';
}

/**
 * The PIV algorithm and signature algorithm of an SPKI: RSA 1024-4096 sign PKCS#1 v1.5 with SHA-256, P-256
 * ECDSA with SHA-256, P-384 with SHA-384. Throws FeatureNotSupportedError for other keys, CardDataError when the
 * SPKI does not parse.
 */
export function describeSpki(spki: Uint8Array): KeyDescription {
  let key: KeyObject;
  try {
    key = createPublicKey({key: Buffer.from(spki), format: 'der', type: 'spki'});
  } catch (error) {
    throw new CardDataError('the public key does not parse as SubjectPublicKeyInfo', {cause: error});
  }
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    const bytes = (details.modulusLength ?? 0) / 8;
    const algorithm = [...RSA_MODULUS_BYTES].find(([, length]) => length === bytes)?.[0];
    if (algorithm !== undefined) return {algorithm, signatureAlgorithm: 'rsa-pkcs1-sha256'};
  }
  if (key.asymmetricKeyType === 'ec') {
    if (details.namedCurve === 'prime256v1')
      return {algorithm: Algorithm.EccP256, signatureAlgorithm: 'ecdsa-sha256'};
    if (details.namedCurve === 'secp384r1')
      return {algorithm: Algorithm.EccP384, signatureAlgorithm: 'ecdsa-sha384'};
  }
  throw new FeatureNotSupportedError(`signing with a ${key.asymmetricKeyType ?? 'unknown'} key of this size`);
}

function jwkFor(algorithm: Algorithm, items: ReturnType<typeof decodeTlvs>): JsonWebKey {
  const modulusBytes = RSA_MODULUS_BYTES.get(algorithm);
  if (modulusBytes !== undefined) {
    const modulus = findTlv(items, TAG_RSA_MODULUS);
    const exponent = findTlv(items, TAG_RSA_EXPONENT);
    if (!modulus || !exponent || stripLeadingZeros(modulus).length !== modulusBytes || exponent.length === 0)
      throw new CardDataError(`the RSA public key does not fit algorithm ${hex(algorithm)}`);
    return {kty: 'RSA', n: base64Url(stripLeadingZeros(modulus)), e: base64Url(stripLeadingZeros(exponent))};
  }
  const point = findTlv(items, TAG_EC_POINT);
  const curve = CURVES.get(algorithm);
  if (curve) {
    const length = curve.coordinateLength;
    if (!point || point.length !== 1 + 2 * length || point[0] !== EC_POINT_UNCOMPRESSED)
      throw new CardDataError(`the EC point does not fit algorithm ${hex(algorithm)}`);
    return {
      kty: 'EC',
      crv: curve.jwk,
      x: base64Url(point.subarray(1, 1 + length)),
      y: base64Url(point.subarray(1 + length)),
    };
  }
  if (algorithm === Algorithm.Ed25519) {
    if (!point || point.length !== ED25519_KEY_LENGTH)
      throw new CardDataError('the Ed25519 public key is not 32 bytes');
    return {kty: 'OKP', crv: 'Ed25519', x: base64Url(point)};
  }
  throw new FeatureNotSupportedError(`public keys of algorithm ${hex(algorithm)}`);
}

function createKey(jwk: JsonWebKey): KeyObject {
  try {
    return createPublicKey({key: jwk, format: 'jwk'});
  } catch (error) {
    throw new CardDataError('the card sent a public key that is not valid', {cause: error});
  }
}

function toSpki(key: KeyObject): Uint8Array {
  return new Uint8Array(key.export({type: 'spki', format: 'der'}));
}

function stripLeadingZeros(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return bytes.subarray(start);
}

function base64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

function hex(value: number): string {
  return value.toString(16).toUpperCase().padStart(2, '0');
}
