import {createPublicKey, X509Certificate} from 'node:crypto';
import type {PlanSlot} from '../protocol/common.js';
import type {ServiceSettings} from './config.js';
import {RefusalError} from './errors.js';

/**
 * PIV key attestation (docs/architecture.md, "Key attestation"), the Yubico scheme: the card's ATTEST (INS F9,
 * P1 = slot) answers a certificate for the public key of the key generated in that slot, signed by the card's
 * attestation key (slot F9), whose certificate (object 5FFF01) the card maker's attestation root signed. The
 * attested slot is in the subject's commonName ("YubiKey PIV Attestation 9a"). An imported key gets no such
 * certificate, so a valid one proves that the key was generated on a card of a trusted maker.
 */

/** What an issuance request carries as the proof: both certificates DER. */
export interface KeyAttestation {
  /** The attestation certificate of the slot's key (ATTEST). */
  readonly certificate: Uint8Array;
  /** The card's F9 attestation certificate (object 5FFF01), the certificate's issuer. */
  readonly intermediate: Uint8Array;
}

const ATTESTED_SLOT = /^CN=YubiKey PIV Attestation ([0-9a-f]{2})$/im;

/**
 * Checks that `attestation` proves the key `expected.publicKey` (SPKI DER) was generated on the card in
 * `expected.slot`: the F9 certificate signed by one of the configured attestation roots, the slot's certificate
 * signed by the F9 certificate, both valid at `now`, its key the request's key and its slot the plan item's.
 * Without a proof it passes only when the config turns attestation off (`attestation.isRequired` false).
 * Throws RefusalError 'attestation-missing', 'attestation-malformed', 'attestation-untrusted',
 * 'attestation-key-mismatch', 'attestation-slot-mismatch'.
 */
export function checkKeyAttestation(
  settings: ServiceSettings['attestation'],
  attestation: KeyAttestation | undefined,
  expected: {readonly publicKey: Uint8Array; readonly slot: PlanSlot; readonly now: Date},
): void {
  if (attestation === undefined) {
    if (!settings.isRequired) return;
    throw new RefusalError(
      'attestation-missing',
      'this service issues only for keys a PIV card proves it generated (key attestation); the request has none',
    );
  }
  const certificate = parseAttestationCertificate(attestation.certificate, 'attestation certificate');
  const intermediate = parseAttestationCertificate(attestation.intermediate, 'F9 attestation certificate');
  const roots = settings.roots.map(({certificate: root}) => new X509Certificate(root));
  if (!roots.some((root) => isIssuedBy(intermediate, root, expected.now))) {
    throw new RefusalError(
      'attestation-untrusted',
      'the card’s F9 attestation certificate is not signed by an attestation root this service trusts',
    );
  }
  if (!isIssuedBy(certificate, intermediate, expected.now)) {
    throw new RefusalError(
      'attestation-untrusted',
      'the attestation certificate is not signed by the card’s F9 attestation certificate',
    );
  }
  const requestKey = createPublicKey({key: Buffer.from(expected.publicKey), format: 'der', type: 'spki'});
  if (!certificate.publicKey.equals(requestKey)) {
    throw new RefusalError('attestation-key-mismatch', 'the attested key is not the key of the request');
  }
  const slot = ATTESTED_SLOT.exec(certificate.subject)?.[1]?.toLowerCase();
  if (slot !== expected.slot) {
    throw new RefusalError(
      'attestation-slot-mismatch',
      `the attested key is in slot ${slot ?? '(none named)'}, the plan item's slot is ${expected.slot}`,
    );
  }
}

function parseAttestationCertificate(der: Uint8Array, what: string): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch {
    throw new RefusalError('attestation-malformed', `the ${what} does not parse`);
  }
}

/** `subject` names `issuer` as its issuer, carries its signature, and both are valid at `now`. */
function isIssuedBy(subject: X509Certificate, issuer: X509Certificate, now: Date): boolean {
  try {
    return (
      subject.checkIssued(issuer) &&
      subject.verify(issuer.publicKey) &&
      isValidAt(subject, now) &&
      isValidAt(issuer, now)
    );
  } catch {
    // A key node:crypto cannot verify with is no signature it can check.
    return false;
  }
}

function isValidAt(certificate: X509Certificate, now: Date): boolean {
  return new Date(certificate.validFrom) <= now && now <= new Date(certificate.validTo);
}
