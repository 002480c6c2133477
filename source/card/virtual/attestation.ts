import {X509Certificate} from 'node:crypto';
import {KeyUsage} from '../../pki/extensions.js';
import {exportPublicKey} from '../../pki/public-key.js';
import {type CertificateAuthorityCredential, issueCertificate, randomSerialNumber} from '../../pki/issue.js';
import {Algorithm, KeyOrigin, PinPolicy, type Slot, TouchPolicy} from '../piv/constants.js';
import {generatePrivateKey} from './asymmetric-keys.js';
import type {StoredKey} from './state.js';

/**
 * The YubiKey's attestation (Yubico PIV attestation): slot F9 holds a key made at manufacture and object 5FFF01
 * its certificate; ATTEST (F9) issues a certificate for the public key of a key generated on the card, signed by
 * the F9 key, so a relying party can tell the key never left the card. The F9 certificate is signed by the card
 * maker's attestation root (Yubico's PIV root CA on a real YubiKey): here a virtual maker's root (the demo setup
 * makes one, source/service/demo-setup.ts), or, when a card is made without one, the F9 certificate signs itself. The certificates
 * carry no Yubico extensions; the attested slot is in the subject's commonName, as on a YubiKey.
 */

/**
 * The attestation key and its certificate (DER) of a new virtual card: signed by `root` (the maker's attestation
 * root) when given, else by itself.
 */
export async function createAttestationKey(
  serial: number,
  now: Date,
  root?: CertificateAuthorityCredential,
): Promise<{key: StoredKey; certificate: Uint8Array}> {
  const privateKey = await generatePrivateKey(Algorithm.EccP256);
  const certificate = await issueCertificate({
    subject: [{type: 'commonName', value: `Virtual PIV Attestation ${serial}`}],
    subjectPublicKey: exportPublicKey(privateKey),
    issuer: root ?? {privateKey},
    serialNumber: randomSerialNumber(),
    notBefore: now,
    notAfter: new Date(Date.UTC(9999, 11, 31, 23, 59, 59)),
    // A CA certificate, as Yubico's attestation intermediates are: openssl refuses to build a chain through a
    // certificate without cA (X509_V_ERR_INVALID_CA), and with -x509_strict without keyCertSign.
    extensions: {basicConstraints: {isCertificateAuthority: true}, keyUsage: [KeyUsage.KeyCertSign]},
  });
  const key: StoredKey = {
    algorithm: Algorithm.EccP256,
    pinPolicy: PinPolicy.Never,
    touchPolicy: TouchPolicy.Never,
    origin: KeyOrigin.Generated,
    privateKey,
  };
  return {key, certificate};
}

/**
 * The attestation certificate (DER) for the key in `slot`: subject "YubiKey PIV Attestation <slot>", issued by
 * the attestation certificate's subject, valid as long as it. Throws PkiError when the key is of a kind the
 * certificate code does not take (Ed25519, X25519).
 */
export async function attestKey(
  attestation: {readonly key: StoredKey; readonly certificate: Uint8Array},
  slot: Slot,
  key: StoredKey,
): Promise<Uint8Array> {
  const issuer = new X509Certificate(attestation.certificate);
  return issueCertificate({
    subject: [{type: 'commonName', value: `YubiKey PIV Attestation ${slot.toString(16)}`}],
    subjectPublicKey: exportPublicKey(key.privateKey),
    issuer: {certificate: attestation.certificate, privateKey: attestation.key.privateKey},
    serialNumber: randomSerialNumber(),
    notBefore: new Date(issuer.validFrom),
    notAfter: new Date(issuer.validTo),
  });
}
