import {createHash, randomInt} from 'node:crypto';
import {Algorithm, KeyOrigin, ObjectId, PinPolicy, Slot, TouchPolicy} from '../piv/constants.js';
import type {CertificateAuthorityCredential} from '../../pki/issue.js';
import {managementKeyCipher} from '../piv/management-key.js';
import {encodeCertificateObject, encodeChuid, encodeFascn} from '../piv/objects.js';
import type {FirmwareVersion} from '../piv/session.js';
import {createAttestationKey} from './attestation.js';
import {issueOldCredential, type OldCredentialOptions, PIN_FORM, requireProfile} from './old-credential.js';
import {capabilityContainerValue} from './personalisation.js';
import {DEFAULT_PUK, factoryState, padReferenceData, type CardState, type StoredKey} from './state.js';

/**
 * Ready-made virtual cards: `blank` (a YubiKey as it leaves the factory) and `old-siths` (a staff card holding an
 * old credential, the starting point of an upgrade). Each returns a CardState to give to a VirtualPivCard.
 */

export type {CardHolder} from './old-credential.js';

export interface BlankCardOptions {
  /** The YubiKey serial number; default a random 8-digit number. */
  readonly serial?: number;
  /** Default DEFAULT_FIRMWARE (5.7.2). */
  readonly firmware?: FirmwareVersion;
  /** The attestation certificate's notBefore; default now. */
  readonly now?: Date;
  /** The card maker's attestation root that signs the F9 certificate; without it the F9 certificate is self-signed. */
  readonly attestationRoot?: CertificateAuthorityCredential;
}

/** Serial numbers of the YubiKey 5 series are 8 digits. */
const SERIAL_MIN = 10_000_000;
const SERIAL_MAX = 40_000_000;

/**
 * The `blank` profile: factory state (PIN 123456, PUK 12345678, management key 010203..08 three times, AES-192 at
 * firmware 5.7 and 3DES before, retries 3/3, no CHUID, no keys) with an attestation key in F9 and its
 * certificate in 5FFF01 (signed by `attestationRoot`, else self-signed), as every YubiKey has.
 */
export async function blankCard(options: BlankCardOptions = {}): Promise<CardState> {
  const serial = options.serial ?? randomInt(SERIAL_MIN, SERIAL_MAX);
  const state = factoryState({firmware: options.firmware, serial});
  const attestation = await createAttestationKey(serial, options.now ?? new Date(), options.attestationRoot);
  state.keys.set(Slot.Attestation, attestation.key);
  state.objects.set(ObjectId.Attestation, attestation.certificate);
  return state;
}

export interface OldSithsCardOptions extends BlankCardOptions, OldCredentialOptions {
  /** The card's PIN, 6 to 8 digits. */
  readonly pin: string;
  /** The card's PUK, 6 to 8 ASCII characters; default 12345678. */
  readonly puk?: string;
  /** The card's own management key (e.g. from deriveManagementKey): 24 bytes for AES-192. */
  readonly managementKey: Uint8Array;
  /** Default Algorithm.Aes192. */
  readonly managementKeyAlgorithm?: Algorithm;
}

const PUK_FORM = /^[\x20-\x7e]{6,8}$/;
const GUID_BYTES = 16;

/**
 * The `old-siths` profile: a staff card holding an old credential. RSA-2048 keys generated on the card in 9A
 * (authentication, PIN once) and 9C (signature, PIN always), with certificates from `issuer` (issueOldCredential in
 * old-credential.ts). A CHUID with a FASC-N carrying the card number and a GUID, a CCC, the given
 * PIN, PUK and management key. Throws VirtualCardError 'profile-invalid' for a malformed PIN, PUK, HSA-id, card
 * number or management key, and what issueCertificate throws (PkiError) for an unusable issuer.
 */
export async function oldSithsCard(options: OldSithsCardOptions): Promise<CardState> {
  const {holder, pin, puk = DEFAULT_PUK, managementKey} = options;
  const managementKeyAlgorithm = options.managementKeyAlgorithm ?? Algorithm.Aes192;
  requireProfile(PIN_FORM.test(pin), 'the PIN must be 6 to 8 digits');
  requireProfile(PUK_FORM.test(puk), 'the PUK must be 6 to 8 ASCII characters');
  requireProfile(
    managementKeyCipher(managementKeyAlgorithm)?.keyLength === managementKey.length,
    'the management key does not fit its algorithm',
  );
  const {authenticationKey, signatureKey, authenticationCertificate, signatureCertificate, notAfter} =
    await issueOldCredential(options);
  const state = await blankCard(options);

  const onCard = (privateKey: typeof authenticationKey, pinPolicy: PinPolicy): StoredKey => ({
    algorithm: Algorithm.Rsa2048,
    pinPolicy,
    touchPolicy: TouchPolicy.Never,
    origin: KeyOrigin.Generated,
    privateKey,
  });
  state.keys.set(Slot.Authentication, onCard(authenticationKey, PinPolicy.Once));
  state.keys.set(Slot.Signature, onCard(signatureKey, PinPolicy.Always));
  state.objects.set(ObjectId.AuthenticationCertificate, encodeCertificateObject(authenticationCertificate));
  state.objects.set(ObjectId.SignatureCertificate, encodeCertificateObject(signatureCertificate));
  state.objects.set(
    ObjectId.Chuid,
    encodeChuid({
      fascn: encodeFascn({
        agencyCode: holder.cardNumber.slice(0, 4),
        systemCode: holder.cardNumber.slice(4, 8),
        credentialNumber: holder.cardNumber.slice(8, 14),
        credentialSeries: '1',
        individualCredentialIssue: '1',
        personIdentifier: '0000000000',
        organizationalCategory: '1',
        organizationalIdentifier: '0000',
        personOrganizationAssociation: '1',
      }),
      guid: cardGuid(holder.cardNumber),
      expiry: notAfter,
    }),
  );
  state.objects.set(ObjectId.CardCapabilityContainer, capabilityContainerValue());
  state.pin.value = padReferenceData(pin);
  state.puk.value = padReferenceData(puk);
  state.managementKey = {
    algorithm: managementKeyAlgorithm,
    key: Uint8Array.from(managementKey),
    touchPolicy: TouchPolicy.Never,
  };
  return state;
}

/** A stable GUID for the card (SP 800-73-4 Part 1 clause 3.1.2): a name-based UUID of the card number. */
function cardGuid(cardNumber: string): Uint8Array {
  const guid = new Uint8Array(createHash('sha256').update(`siths-card:${cardNumber}`).digest()).subarray(
    0,
    GUID_BYTES,
  );
  // RFC 9562 version 8 (custom), variant 10.
  guid[6] = (guid[6]! & 0x0f) | 0x80;
  guid[8] = (guid[8]! & 0x3f) | 0x80;
  return guid;
}
