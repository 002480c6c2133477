import {createPublicKey, type KeyObject} from 'node:crypto';
import {PkiError} from './errors.js';

/** EC curves by their JOSE / NIST names. */
export type Curve = 'P-256' | 'P-384' | 'P-521';

/** The algorithm and size of a public key. */
export type KeyAlgorithmInfo =
  {readonly type: 'rsa'; readonly bits: number} | {readonly type: 'ec'; readonly curve: Curve};

const CURVE_BY_NODE_NAME: ReadonlyMap<string, Curve> = new Map([
  ['prime256v1', 'P-256'],
  ['secp384r1', 'P-384'],
  ['secp521r1', 'P-521'],
]);

/**
 * Reads a SubjectPublicKeyInfo (DER) into a node key. Throws PkiError 'key-unsupported' when it does not parse or
 * is neither RSA nor EC on P-256/P-384/P-521.
 */
export function importPublicKey(spki: Uint8Array): {key: KeyObject; algorithm: KeyAlgorithmInfo} {
  let key: KeyObject;
  try {
    key = createPublicKey({key: Buffer.from(spki), format: 'der', type: 'spki'});
  } catch (error) {
    throw new PkiError('key-unsupported', 'the SubjectPublicKeyInfo does not parse', {cause: error});
  }
  return {key, algorithm: keyAlgorithmOf(key)};
}

/** The algorithm of a node key (public or private). Throws PkiError 'key-unsupported'. */
export function keyAlgorithmOf(key: KeyObject): KeyAlgorithmInfo {
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa' && details?.modulusLength !== undefined) {
    return {type: 'rsa', bits: details.modulusLength};
  }
  const curve =
    key.asymmetricKeyType === 'ec' ? CURVE_BY_NODE_NAME.get(details?.namedCurve ?? '') : undefined;
  if (curve !== undefined) return {type: 'ec', curve};
  throw new PkiError(
    'key-unsupported',
    `key type ${key.asymmetricKeyType ?? 'unknown'} ${details?.namedCurve ?? ''} is not RSA or EC P-256/P-384/P-521`.trim(),
  );
}

/** The SubjectPublicKeyInfo DER of a node key, canonical as node exports it. */
export function exportPublicKey(key: KeyObject): Uint8Array {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return new Uint8Array(publicKey.export({type: 'spki', format: 'der'}));
}

/**
 * Whether two SubjectPublicKeyInfo DER encodings hold the same key: the same RSA modulus and exponent, or the same
 * curve and point (so a compressed EC point equals the same point uncompressed). False when either does not parse.
 */
export function publicKeysEqual(spkiA: Uint8Array, spkiB: Uint8Array): boolean {
  try {
    return keyFields(importPublicKey(spkiA).key) === keyFields(importPublicKey(spkiB).key);
  } catch {
    return false;
  }
}

/** The numbers that make a public key, as JWK fields (RFC 7518 6.2.1, 6.3.1) in a fixed order. */
function keyFields(key: KeyObject): string {
  const {kty, crv, x, y, n, e} = key.export({format: 'jwk'});
  return JSON.stringify([kty, crv, x, y, n, e]);
}
