import * as pkijs from 'pkijs';
import {decodeDer} from './der.js';
import {decodeName, encodeName, type DistinguishedName, type NameView} from './distinguished-name.js';
import {PkiError} from './errors.js';
import {importPublicKey, type KeyAlgorithmInfo} from './public-key.js';
import {isSignedBy, signObject} from './signature.js';
import {isAlgorithmForKey, type Signer} from './signer.js';

/** PKCS#10 version 1 is encoded as 0 (RFC 2986 4.1). */
const REQUEST_VERSION_1 = 0;

/**
 * Builds a PKCS#10 certification request (RFC 2986) for the signer's key: the CertificationRequestInfo DER is handed
 * to `signer.sign`, and the result is checked against the signer's public key before it is returned (a card that
 * signed with another slot's key is caught here). Returns the request DER.
 *
 * Throws PkiError 'key-unsupported' (the signer's public key), 'key-mismatch' (an algorithm that does not fit the
 * key), 'name-invalid', 'request-signature-invalid' (the signature does not verify); errors of `signer.sign` pass
 * through unchanged.
 */
export async function buildCertificateRequest(options: {
  readonly subject: DistinguishedName;
  readonly signer: Signer;
}): Promise<Uint8Array> {
  const {subject, signer} = options;
  const {algorithm} = importPublicKey(signer.publicKey);
  if (!isAlgorithmForKey(signer.algorithm, algorithm)) {
    throw new PkiError(
      'key-mismatch',
      `a ${algorithm.type.toUpperCase()} key cannot sign with ${signer.algorithm}`,
    );
  }
  const request = new pkijs.CertificationRequest({
    version: REQUEST_VERSION_1,
    subject: encodeName(subject),
    subjectPublicKeyInfo: pkijs.PublicKeyInfo.fromBER(signer.publicKey),
    // RFC 2986 4.1: attributes [0] is present, here empty.
    attributes: [],
  });
  const der = await signObject(request, signer);
  if (!isSignedBy(request, signer.publicKey)) {
    throw new PkiError(
      'request-signature-invalid',
      "the signature does not verify with the signer's public key",
    );
  }
  return der;
}

/** A PKCS#10 request whose signature verified: the key's owner asked for it. */
export interface VerifiedCertificateRequest {
  readonly subject: NameView;
  /** SubjectPublicKeyInfo DER, as in the request. */
  readonly publicKey: Uint8Array;
  readonly keyAlgorithm: KeyAlgorithmInfo;
}

/**
 * Parses a PKCS#10 request (DER) and checks its signature with its own key (proof of possession).
 * Throws PkiError 'request-malformed', 'key-unsupported', 'signature-algorithm-unsupported',
 * 'request-signature-invalid'.
 */
export function verifyCertificateRequest(der: Uint8Array): VerifiedCertificateRequest {
  let request: pkijs.CertificationRequest;
  let subject: NameView;
  let publicKey: Uint8Array;
  try {
    const schema = decodeDer(der);
    if (schema === undefined) throw new Error('not one DER element');
    request = new pkijs.CertificationRequest({schema});
    if (request.version !== REQUEST_VERSION_1) throw new Error(`version ${request.version}`);
    subject = decodeName(request.subject);
    publicKey = new Uint8Array(request.subjectPublicKeyInfo.toSchema().toBER(false));
  } catch (error) {
    throw new PkiError('request-malformed', 'the certification request does not parse', {cause: error});
  }
  const {algorithm} = importPublicKey(publicKey);
  if (!isSignedBy(request, publicKey)) {
    throw new PkiError('request-signature-invalid', 'the request is not signed by the key it names');
  }
  return {subject, publicKey, keyAlgorithm: algorithm};
}
