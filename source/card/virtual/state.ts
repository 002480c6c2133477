import type {KeyObject} from 'node:crypto';
import {encodeTlvs} from '../../apdu/tlv.js';
import {
  Algorithm,
  type KeyOrigin,
  ObjectId,
  PIN_USAGE_POLICY_PIV_PIN,
  PIV_AID,
  type PinPolicy,
  Slot,
  TAG_AID,
  TAG_PIN_USAGE_POLICY,
  TouchPolicy,
} from '../piv/constants.js';
import {REFERENCE_DATA_LENGTH, REFERENCE_DATA_PADDING} from '../piv/pin.js';
import type {FirmwareVersion} from '../piv/session.js';

/**
 * What the virtual card keeps across power cycles (its EEPROM): PIN, PUK, management key, keys and data objects.
 * The card mutates it only after a command has been checked in full, then saves it (see state-file.ts), so a
 * command either took effect or did not.
 */
export interface CardState {
  readonly firmware: FirmwareVersion;
  /** The YubiKey serial number (GET SERIAL), 32 bits. */
  readonly serial: number;
  readonly pin: ReferenceData;
  readonly puk: ReferenceData;
  managementKey: ManagementKeyState;
  /** Private keys by slot (9A, 9C, 9D, 9E, 82..95, and F9 for attestation). */
  readonly keys: Map<Slot, StoredKey>;
  /** Data objects by object id; the value is what goes inside 53 (or 7E / 7F61 for the bare objects). */
  readonly objects: Map<number, Uint8Array>;
}

/** A PIN or PUK: its 8-byte padded value and its retry counter. */
export interface ReferenceData {
  /** 8 bytes: the characters followed by FF padding (SP 800-73-4 Part 2 clause 2.4.3). */
  value: Uint8Array;
  totalRetries: number;
  remainingRetries: number;
}

export interface ManagementKeyState {
  readonly algorithm: Algorithm;
  readonly key: Uint8Array;
  readonly touchPolicy: TouchPolicy;
}

/** A private key in a slot, with the policies it was generated or imported with (never Default: resolved). */
export interface StoredKey {
  readonly algorithm: Algorithm;
  readonly pinPolicy: PinPolicy;
  readonly touchPolicy: TouchPolicy;
  readonly origin: KeyOrigin;
  readonly privateKey: KeyObject;
}

/** Firmware a new virtual card reports: YubiKey 5.7 (AES-192 default management key, move/delete, RSA 3072/4096). */
export const DEFAULT_FIRMWARE: FirmwareVersion = {major: 5, minor: 7, patch: 2};
/** Factory PIN and PUK of a YubiKey (and PivApplet). */
export const DEFAULT_PIN = '123456';
export const DEFAULT_PUK = '12345678';
/** Factory retry counters of a YubiKey. */
const DEFAULT_RETRIES = 3;
/** Factory management key: 01..08 three times (3DES before firmware 5.7, AES-192 from 5.7). */
export const DEFAULT_MANAGEMENT_KEY = Uint8Array.of(
  ...[1, 2, 3, 4, 5, 6, 7, 8],
  ...[1, 2, 3, 4, 5, 6, 7, 8],
  ...[1, 2, 3, 4, 5, 6, 7, 8],
);
/** PIN usage policy of the Discovery object: PIV PIN only, no global PIN (SP 800-73-4 Part 1 table 18). */
const PIN_USAGE_POLICY_PIV_ONLY = Uint8Array.of(PIN_USAGE_POLICY_PIV_PIN, 0x00);

/** Whether `firmware` is at least major.minor.patch. */
export function isAtLeast(firmware: FirmwareVersion, major: number, minor: number, patch = 0): boolean {
  if (firmware.major !== major) return firmware.major > major;
  if (firmware.minor !== minor) return firmware.minor > minor;
  return firmware.patch >= patch;
}

/** The 8-byte reference data of a PIN or PUK given as ASCII text: the characters, then FF padding. */
export function padReferenceData(text: string): Uint8Array {
  const out = new Uint8Array(REFERENCE_DATA_LENGTH).fill(REFERENCE_DATA_PADDING);
  out.set(new TextEncoder().encode(text).subarray(0, REFERENCE_DATA_LENGTH));
  return out;
}

/** The management key algorithm of a factory-fresh card with this firmware. */
function defaultManagementKeyAlgorithm(firmware: FirmwareVersion): Algorithm {
  return isAtLeast(firmware, 5, 7) ? Algorithm.Aes192 : Algorithm.TripleDes;
}

/** The Discovery object's value (SP 800-73-4 Part 1 table 18): the full AID and "PIV PIN only". */
function discoveryValue(): Uint8Array {
  return encodeTlvs([
    {tag: TAG_AID, value: PIV_AID},
    {tag: TAG_PIN_USAGE_POLICY, value: PIN_USAGE_POLICY_PIV_ONLY},
  ]);
}

/**
 * A card as it leaves the factory (a YubiKey after `ykman piv reset`): PIN 123456, PUK 12345678, retries 3/3, the
 * default management key, no keys, and only the Discovery object. `serial` is a 32-bit number.
 */
export function factoryState(options: {firmware?: FirmwareVersion; serial: number}): CardState {
  const firmware = options.firmware ?? DEFAULT_FIRMWARE;
  return {
    firmware,
    serial: options.serial >>> 0,
    pin: {
      value: padReferenceData(DEFAULT_PIN),
      totalRetries: DEFAULT_RETRIES,
      remainingRetries: DEFAULT_RETRIES,
    },
    puk: {
      value: padReferenceData(DEFAULT_PUK),
      totalRetries: DEFAULT_RETRIES,
      remainingRetries: DEFAULT_RETRIES,
    },
    managementKey: {
      algorithm: defaultManagementKeyAlgorithm(firmware),
      key: Uint8Array.from(DEFAULT_MANAGEMENT_KEY),
      touchPolicy: TouchPolicy.Never,
    },
    keys: new Map(),
    objects: new Map([[ObjectId.Discovery, discoveryValue()]]),
  };
}

/**
 * Puts `state` back to factory state in place (YubiKey RESET): keeps firmware, serial, and the attestation key and
 * certificate (slot F9 survives a reset).
 */
export function resetToFactory(state: CardState): void {
  const fresh = factoryState({firmware: state.firmware, serial: state.serial});
  Object.assign(state.pin, fresh.pin);
  Object.assign(state.puk, fresh.puk);
  state.managementKey = fresh.managementKey;
  const attestation = state.keys.get(Slot.Attestation);
  const attestationCertificate = state.objects.get(ObjectId.Attestation);
  state.keys.clear();
  if (attestation) state.keys.set(Slot.Attestation, attestation);
  state.objects.clear();
  for (const [id, value] of fresh.objects) state.objects.set(id, value);
  if (attestationCertificate) state.objects.set(ObjectId.Attestation, attestationCertificate);
}
