import {verify as nodeVerify} from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import {PkiError} from './errors.js';
import {
  OID_ECDSA_WITH_SHA256,
  OID_ECDSA_WITH_SHA384,
  OID_ECDSA_WITH_SHA512,
  OID_SHA256_WITH_RSA,
  OID_SHA384_WITH_RSA,
  OID_SHA512_WITH_RSA,
} from './object-identifiers.js';
import {importPublicKey} from './public-key.js';
import type {SignatureAlgorithm, Signer} from './signer.js';

/**
 * Signatures are made and checked with node:crypto over the exact DER bytes signed. PKI.js only encodes and
 * decodes here: its global WebCrypto engine is never used, so nothing depends on how it was set up.
 */

const OID_OF: Readonly<Record<SignatureAlgorithm, string>> = {
  'rsa-pkcs1-sha256': OID_SHA256_WITH_RSA,
  'ecdsa-sha256': OID_ECDSA_WITH_SHA256,
  'ecdsa-sha384': OID_ECDSA_WITH_SHA384,
};

/** The signature algorithms we verify: the hash node uses and the key type they need. */
const VERIFIABLE: ReadonlyMap<string, {readonly hash: string; readonly keyType: 'rsa' | 'ec'}> = new Map([
  [OID_SHA256_WITH_RSA, {hash: 'sha256', keyType: 'rsa'}],
  [OID_SHA384_WITH_RSA, {hash: 'sha384', keyType: 'rsa'}],
  [OID_SHA512_WITH_RSA, {hash: 'sha512', keyType: 'rsa'}],
  [OID_ECDSA_WITH_SHA256, {hash: 'sha256', keyType: 'ec'}],
  [OID_ECDSA_WITH_SHA384, {hash: 'sha384', keyType: 'ec'}],
  [OID_ECDSA_WITH_SHA512, {hash: 'sha512', keyType: 'ec'}],
]);

/**
 * The AlgorithmIdentifier of a signature algorithm: RSA with NULL parameters (RFC 4055 5), ECDSA with the
 * parameters absent (RFC 5758 3.2).
 */
export function algorithmIdentifier(algorithm: SignatureAlgorithm): pkijs.AlgorithmIdentifier {
  return new pkijs.AlgorithmIdentifier({
    algorithmId: OID_OF[algorithm],
    ...(algorithm.startsWith('rsa-') ? {algorithmParams: new asn1js.Null()} : {}),
  });
}

/**
 * Whether `signature` over `data` verifies with the SubjectPublicKeyInfo `publicKey` under the algorithm `oid`.
 * False for a wrong signature, a key of the wrong type, or a key that does not parse. Throws PkiError
 * 'signature-algorithm-unsupported' for an algorithm other than RSA PKCS#1 v1.5 or ECDSA with SHA-2.
 */
export function verifySignature(
  oid: string,
  publicKey: Uint8Array,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  const algorithm = VERIFIABLE.get(oid);
  if (algorithm === undefined) {
    throw new PkiError('signature-algorithm-unsupported', `signature algorithm ${oid}`);
  }
  try {
    const {key} = importPublicKey(publicKey);
    if (key.asymmetricKeyType !== algorithm.keyType) return false;
    return nodeVerify(algorithm.hash, data, {key, dsaEncoding: 'der'}, signature);
  } catch {
    return false;
  }
}

/** A certificate, request or CRL as PKI.js holds them: a to-be-signed part, its signature and algorithm. */
interface SignedObject {
  tbsView: Uint8Array;
  signatureAlgorithm: pkijs.AlgorithmIdentifier;
  signatureValue: asn1js.BitString;
  toSchema(encodeFlag?: boolean): asn1js.Sequence;
}

/**
 * Encodes the to-be-signed part of `object`, has `signer` sign exactly those DER bytes, and returns the whole
 * signed object as DER. For certificates and CRLs, set the inner signature AlgorithmIdentifier first. Errors of the
 * signer (a card that refuses) pass through unchanged.
 */
export async function signObject(object: SignedObject, signer: Signer): Promise<Uint8Array> {
  // toSchema(true) encodes the to-be-signed part afresh; it is the first element of the outer SEQUENCE.
  const toBeSigned = new Uint8Array(object.toSchema(true).valueBlock.value[0]!.toBER(false));
  const signature = await signer.sign(toBeSigned);
  object.tbsView = toBeSigned;
  object.signatureAlgorithm = algorithmIdentifier(signer.algorithm);
  object.signatureValue = new asn1js.BitString({valueHex: signature});
  return new Uint8Array(object.toSchema(false).toBER(false));
}

/**
 * Whether the signature of a parsed certificate, request or CRL verifies with `publicKey` (SubjectPublicKeyInfo
 * DER). Throws PkiError 'signature-algorithm-unsupported'.
 */
export function isSignedBy(
  object: Pick<SignedObject, 'tbsView' | 'signatureAlgorithm' | 'signatureValue'>,
  publicKey: Uint8Array,
): boolean {
  const signatureValue = object.signatureValue;
  if (signatureValue.valueBlock.unusedBits !== 0) return false;
  return verifySignature(
    object.signatureAlgorithm.algorithmId,
    publicKey,
    object.tbsView,
    signatureValue.valueBlock.valueHexView,
  );
}
