import {sign as nodeSign, type KeyObject} from 'node:crypto';
import {PkiError} from './errors.js';
import {exportPublicKey, keyAlgorithmOf, type KeyAlgorithmInfo} from './public-key.js';

/** The signature algorithms a card key (or a CA key) signs certificates, requests and CRLs with. */
export type SignatureAlgorithm = 'rsa-pkcs1-sha256' | 'ecdsa-sha256' | 'ecdsa-sha384';

/**
 * A private key that signs, wherever it lives: on the card (the PIV session implements this) or in this process
 * (`keyObjectSigner`). `sign` hashes `toBeSigned` itself and returns the signature value as it goes in X.509 and
 * PKCS#10: the PKCS#1 v1.5 signature bytes for RSA, DER SEQUENCE {r, s} for ECDSA.
 */
export interface Signer {
  /** SubjectPublicKeyInfo DER of the key. */
  readonly publicKey: Uint8Array;
  readonly algorithm: SignatureAlgorithm;
  sign(toBeSigned: Uint8Array): Promise<Uint8Array>;
}

/** The hash of each signature algorithm, by node's name. */
export const HASH_OF: Readonly<Record<SignatureAlgorithm, 'sha256' | 'sha384'>> = {
  'rsa-pkcs1-sha256': 'sha256',
  'ecdsa-sha256': 'sha256',
  'ecdsa-sha384': 'sha384',
};

/** The signature algorithm a key of this kind signs with: RSA with SHA-256, P-256 with SHA-256, P-384 with SHA-384. */
export function signatureAlgorithmFor(key: KeyAlgorithmInfo): SignatureAlgorithm {
  if (key.type === 'rsa') return 'rsa-pkcs1-sha256';
  if (key.curve === 'P-256') return 'ecdsa-sha256';
  if (key.curve === 'P-384') return 'ecdsa-sha384';
  throw new PkiError('key-unsupported', `no signature algorithm for EC ${key.curve}`);
}

/** Whether a signature algorithm fits a key: rsa-* for RSA keys, ecdsa-* for EC keys. */
export function isAlgorithmForKey(algorithm: SignatureAlgorithm, key: KeyAlgorithmInfo): boolean {
  return algorithm.startsWith('rsa-') ? key.type === 'rsa' : key.type === 'ec';
}

/**
 * A Signer over a private key held by node (a CA key, or a test's key). Throws PkiError 'key-unsupported' for a
 * key that is not RSA, EC P-256 or EC P-384.
 */
export function keyObjectSigner(privateKey: KeyObject): Signer {
  const algorithm = signatureAlgorithmFor(keyAlgorithmOf(privateKey));
  return {
    publicKey: exportPublicKey(privateKey),
    algorithm,
    sign: (toBeSigned) =>
      Promise.resolve(
        new Uint8Array(nodeSign(HASH_OF[algorithm], toBeSigned, {key: privateKey, dsaEncoding: 'der'})),
      ),
  };
}
