import type {CommandApdu} from '../../apdu/command.js';
import {encodeTlv, encodeTlvs, equalBytes, type Tlv} from '../../apdu/tlv.js';
import {CardDataError} from '../errors.js';
import {
  INS_CREATE_FILE,
  INS_GENERATE_KEY_PAIR,
  INS_GET_DATA,
  INS_MANAGE_SECURITY_ENVIRONMENT,
  INS_PERFORM_SECURITY_OPERATION,
} from '../iso7816.js';

/**
 * What is particular to the Setec EID applet (SetCOS EID 2.x, the old SITHS / Telia EID IP5a card) as OpenSC 0.23
 * drives it (card-setcos.c; ../shared/SITHS-CARD.md sections 1.3, 1.5, 1.7, 1.8): how the card is recognised, the
 * MSE algorithm references, the key generation data and its public key answer, and the file control parameters
 * and security attributes of CREATE FILE. Everything else the PKCS#15 session sends is plain ISO/IEC 7816-4/-8/-9.
 * Pure functions and constants; no I/O.
 */

/** A card type the ATR names, from pcsc-tools' smartcard_list.txt. */
export interface KnownAtr {
  readonly atr: Uint8Array;
  readonly name: string;
}

/**
 * The ATRs of the Telia EID IP5a cards (T=0 only: T0 7D gives TA1, TB1, TC1 and 13 historical bytes, no TD1). In no
 * OpenSC table: OpenSC recognises them by the version answer ({@link decodeAppletVersion}). The same ATR ending
 * 00 00 00 is a Handelsbanken BankID card, not this applet.
 */
export const SETEC_EID_ATRS: readonly KnownAtr[] = [
  {atr: bytes('3B 7D 96 00 00 80 31 80 65 B0 A3 11 01 F3 83 00 90 00'), name: 'Telia EID IP5a (eID)'},
  {atr: bytes('3B 7D 96 00 00 80 31 80 65 B0 A3 11 00 C8 83 00 90 00'), name: 'Swedish eID (Telia IP5a)'},
];

/** The entry of {@link SETEC_EID_ATRS} that is exactly `atr`, or undefined. */
export function knownSetecEidAtr(atr: Uint8Array): KnownAtr | undefined {
  return SETEC_EID_ATRS.find((known) => equalBytes(known.atr, atr));
}

/** GET DATA P1 P2 of the applet's version (card-setcos.c setcos_match_card): 5 bytes, "v2.0" or "v2.1" and one. */
const DATA_OBJECT_VERSION = 0xdf30;
const VERSION_ANSWER_LENGTH = 5;
/** GET DATA P1 P2 of the selected key file's public key (card-setcos.c SC_CARDCTL_SETCOS_GETDATA). */
const DATA_OBJECT_PUBLIC_KEY = 0x0101;
/** Le 00: up to 256 bytes; a 2048-bit key's answer (258 bytes) comes in two parts under T=0 (61xx). */
const LE_MAXIMUM_SHORT = 256;

/** The applet versions OpenSC knows (SC_CARD_TYPE_SETCOS_EID_V2_0, _V2_1). */
export type AppletVersion = '2.0' | '2.1';
const VERSION_PREFIXES: ReadonlyMap<string, AppletVersion> = new Map([
  ['v2.0', '2.0'],
  ['v2.1', '2.1'],
]);

/** GET DATA 00 CA DF 30 05: the applet's version, the question OpenSC asks to recognise the card. */
export function getVersionCommand(): CommandApdu {
  return {cla: 0x00, ins: INS_GET_DATA, ...p1p2(DATA_OBJECT_VERSION), le: VERSION_ANSWER_LENGTH};
}

/**
 * The applet version in the answer to {@link getVersionCommand}: exactly 5 bytes beginning "v2.0" or "v2.1" (the
 * fifth byte is not looked at), as OpenSC reads it; undefined for any other answer (another card).
 */
export function decodeAppletVersion(answer: Uint8Array): AppletVersion | undefined {
  if (answer.length !== VERSION_ANSWER_LENGTH) return undefined;
  return VERSION_PREFIXES.get(String.fromCharCode(...answer.subarray(0, 4)));
}

/**
 * The algorithm reference of MSE SET (80 01 xx; card-setcos.c setcos_set_security_env2): what the card does to
 * the PSO COMPUTE DIGITAL SIGNATURE data before the RSA operation.
 */
export enum SignatureAlgorithm {
  /** The data is the whole k-byte block, padded by the host. */
  Raw = 0x00,
  /** The data is a DigestInfo (or any short value); the card adds PKCS#1 v1.5 type 1 padding. */
  Pkcs1 = 0x02,
  /** The data is a SHA-1 hash; the card adds the SHA-1 DigestInfo and the PKCS#1 v1.5 padding. */
  Pkcs1Sha1 = 0x12,
}

/** MSE SET for digital signature: P1 41 (set, for computation), P2 B6 (digital signature template; 7816-4 11.5.11). */
const P1_MSE_SET_COMPUTE = 0x41;
const P2_MSE_DIGITAL_SIGNATURE = 0xb6;
/** Control reference template tags (ISO/IEC 7816-4 clause 11.5.11, table 80). */
const TAG_ALGORITHM_REFERENCE = 0x80;
const TAG_FILE_REFERENCE = 0x81;
const TAG_KEY_REFERENCE = 0x84;

/**
 * MSE SET 00 22 41 B6 for a signature with the key file `keyFileId` (in the current DF) and its key reference:
 * 80 01 algorithm, 81 02 file id, 84 01 key reference (left out when not given), as OpenSC sends it. Throws a
 * RangeError for a file id or key reference out of range.
 */
export function setSignatureEnvironmentCommand(options: {
  readonly algorithm: SignatureAlgorithm;
  readonly keyFileId: number;
  readonly keyReference?: number;
}): CommandApdu {
  const items: Tlv[] = [
    {tag: TAG_ALGORITHM_REFERENCE, value: Uint8Array.of(options.algorithm)},
    {tag: TAG_FILE_REFERENCE, value: twoBytes(options.keyFileId, 'key file id')},
  ];
  if (options.keyReference !== undefined)
    items.push({
      tag: TAG_KEY_REFERENCE,
      value: Uint8Array.of(oneByte(options.keyReference, 'key reference')),
    });
  return {
    cla: 0x00,
    ins: INS_MANAGE_SECURITY_ENVIRONMENT,
    p1: P1_MSE_SET_COMPUTE,
    p2: P2_MSE_DIGITAL_SIGNATURE,
    data: encodeTlvs(items),
  };
}

/** The key generation data's first bytes: 92 (generate an RSA CRT key) 00 (card-setcos.c setcos_generate_store_key). */
const KEY_GENERATION_ALGORITHM = 0x92;
/** The public exponent the card is asked for, and the one OpenSC assumes when it reads the key back. */
export const RSA_PUBLIC_EXPONENT = Uint8Array.of(0x01, 0x00, 0x01);

/**
 * GENERATE KEY PAIR 00 46 00 00 into the currently selected key file: 92 00 | modulus bits (2) | exponent bits (2)
 * | exponent (by default 65537, 24 bits). The card answers no data: read the public key with
 * {@link getPublicKeyCommand}. Throws a RangeError for a modulus size that is not a positive multiple of 8 below
 * 65536 or an empty exponent.
 */
export function generateKeyPairCommand(
  modulusBits: number,
  exponent: Uint8Array = RSA_PUBLIC_EXPONENT,
): CommandApdu {
  if (!Number.isInteger(modulusBits) || modulusBits <= 0 || modulusBits % 8 !== 0 || modulusBits > 0xffff)
    throw new RangeError(`an RSA modulus of ${modulusBits} bits cannot be asked for`);
  if (exponent.length === 0 || exponent.length * 8 > 0xffff)
    throw new RangeError('the exponent is empty or too long');
  return {
    cla: 0x00,
    ins: INS_GENERATE_KEY_PAIR,
    p1: 0x00,
    p2: 0x00,
    data: Uint8Array.of(
      KEY_GENERATION_ALGORITHM,
      0x00,
      ...twoBytes(modulusBits, 'modulus bits'),
      ...twoBytes(exponent.length * 8, 'exponent bits'),
      ...exponent,
    ),
  };
}

/** GET DATA 00 CA 01 01 00: the public key of the currently selected key file. */
export function getPublicKeyCommand(): CommandApdu {
  return {cla: 0x00, ins: INS_GET_DATA, ...p1p2(DATA_OBJECT_PUBLIC_KEY), le: LE_MAXIMUM_SHORT};
}

/** An RSA public key as the card gives it: the modulus; the exponent is {@link RSA_PUBLIC_EXPONENT}. */
export interface CardRsaPublicKey {
  readonly modulusBits: number;
  /** The modulus, big-endian, modulusBits / 8 bytes (rounded up). */
  readonly modulus: Uint8Array;
}

/**
 * Reads the answer to {@link getPublicKeyCommand}: modulus bits (2 bytes) || modulus. Throws CardDataError
 * (`card-data-malformed`) when the length does not match the bits, or the modulus is zero bits or has its top
 * bit clear (not a key of that size).
 */
export function decodePublicKeyAnswer(answer: Uint8Array): CardRsaPublicKey {
  if (answer.length < 2) throw new CardDataError('the public key answer is shorter than its length field');
  const modulusBits = (answer[0]! << 8) | answer[1]!;
  const modulus = answer.subarray(2);
  if (modulusBits === 0 || modulus.length !== Math.ceil(modulusBits / 8))
    throw new CardDataError(`the public key answer has ${modulus.length} bytes for ${modulusBits} bits`);
  const topBit = (modulusBits - 1) % 8;
  if (modulus[0]! >> topBit !== 1) throw new CardDataError(`the modulus is not ${modulusBits} bits long`);
  return {modulusBits, modulus: modulus.slice()};
}

/** File control parameter tags of CREATE FILE (ISO/IEC 7816-4 clause 5.3.3, table 12). */
const TAG_FCP_TEMPLATE = 0x62;
const TAG_FILE_SIZE = 0x81;
const TAG_FILE_DESCRIPTOR = 0x82;
const TAG_FILE_IDENTIFIER = 0x83;
const TAG_SECURITY_ATTRIBUTES = 0x86;
const TAG_LIFE_CYCLE = 0x8a;
/** Life cycle status: operational, activated (ISO/IEC 7816-4 clause 5.3.3.2, table 13). */
const LIFE_CYCLE_ACTIVATED = 0x07;

/** The file descriptor byte of CREATE FILE (82; card-setcos.c setcos_construct_fci_44). */
export enum FileDescriptor {
  /** A transparent working EF: directory files, certificates. */
  TransparentEf = 0x01,
  /** SetCOS's internal EF for an RSA key: the key never leaves it. */
  KeyFile = 0x11,
}

/**
 * CREATE FILE 00 E0 00 00 in the current DF: 62 { 81 size (2 bytes), 82 descriptor, 83 file id, 86 security
 * attributes, 8A 07 (activated) }. A key file's size is written 00 00, as OpenSC does for the EID applet (the card
 * sizes it). The template is the FCP (62) of ISO/IEC 7816-4 clause 5.3.3; OpenSC's setcos_construct_fci_44 sends
 * the same elements in a 6F, and which of the two a real EID card insists on is not known (the virtual card takes
 * both). Throws a RangeError for a file id or size that does not fit two bytes.
 */
export function createFileCommand(options: {
  readonly fileId: number;
  readonly descriptor: FileDescriptor;
  /** The EF's size in bytes; ignored for a key file. */
  readonly size?: number;
  /** The tag-86 value: {@link transparentFileAttributes} or {@link keyFileAttributes}. */
  readonly securityAttributes: Uint8Array;
}): CommandApdu {
  const size = options.descriptor === FileDescriptor.KeyFile ? 0 : (options.size ?? 0);
  return {
    cla: 0x00,
    ins: INS_CREATE_FILE,
    p1: 0x00,
    p2: 0x00,
    data: encodeTlv(
      TAG_FCP_TEMPLATE,
      encodeTlvs([
        {tag: TAG_FILE_SIZE, value: twoBytes(size, 'file size')},
        {tag: TAG_FILE_DESCRIPTOR, value: Uint8Array.of(options.descriptor)},
        {tag: TAG_FILE_IDENTIFIER, value: twoBytes(options.fileId, 'file id')},
        {tag: TAG_SECURITY_ATTRIBUTES, value: options.securityAttributes},
        {tag: TAG_LIFE_CYCLE, value: Uint8Array.of(LIFE_CYCLE_ACTIVATED)},
      ]),
    ),
  };
}

/** Who may do an operation: anyone, or after VERIFY of the PIN with this reference (0x81, 0x82, ...). */
export type AccessCondition = {readonly type: 'always'} | {readonly type: 'pin'; readonly reference: number};

/**
 * The SetCOS 4.4 security attribute coding (tag 86; card-setcos.c setcos_create_file_44, parse_sec_attr_44):
 * simple sub-fields `01 bb` (the operations of bitmap bb always allowed) and `02 bb pp` (after PIN pp, the whole
 * reference byte on the EID applet), and the adaptive sub-field `83 01 2A pp` (PSO after PIN pp). Operations no
 * sub-field names are never allowed. The adaptive field carries the whole reference too (0x82), as the virtual
 * card reads it; OpenSC's pkcs15-init writes `pp & 07` there, for SetCOS 4.4 PIN numbers.
 */
const SIMPLE_ALWAYS = 0x01;
const SIMPLE_PIN = 0x02;
const ADAPTIVE_PIN = 0x83;
const ADAPTIVE_ALWAYS = 0x82;
/** The adaptive sub-field's access mode byte: the instruction follows, no P1/P2 (SetCOS 4.4). */
const ADAPTIVE_INSTRUCTION = 0x01;

/**
 * Bits of a working EF's bitmap (bit 0 first: READ, UPDATE, WRITE, INVALIDATE, REHABILITATE, -, ERASE): what
 * each operation of {@link TransparentFileAccess} sets. Update sets UPDATE and WRITE, as pkcs15-init does.
 */
const EF_BITS = {read: 0x01, update: 0x02 | 0x04, delete: 0x40} as const;
/**
 * Bits of a key file's bitmap (READ, ERASE, UPDATE, INVALIDATE, REHABILITATE, -, ERASE): reading the public key,
 * generating into the file (UPDATE) and deleting it (both ERASE bits, as pkcs15-init writes 46).
 */
const KEY_FILE_BITS = {readPublicKey: 0x01, generate: 0x04, delete: 0x02 | 0x40} as const;

/** The conditions of a transparent EF's operations; an operation left out is never allowed. */
export interface TransparentFileAccess {
  readonly read?: AccessCondition;
  readonly update?: AccessCondition;
  readonly delete?: AccessCondition;
}

/** The conditions of a key file's operations; an operation left out is never allowed. */
export interface KeyFileAccess {
  readonly readPublicKey?: AccessCondition;
  readonly generate?: AccessCondition;
  readonly delete?: AccessCondition;
  /** PSO (COMPUTE DIGITAL SIGNATURE) with the key. */
  readonly sign?: AccessCondition;
}

/**
 * The tag-86 bytes for a transparent EF: one simple sub-field per condition, "always" first, then the PINs in the
 * order of their references. E.g. read always, update and delete after PIN 81: `01 01 02 46 81`.
 */
export function transparentFileAttributes(access: TransparentFileAccess): Uint8Array {
  return simpleSubFields(access, EF_BITS);
}

/**
 * The tag-86 bytes for a key file: the simple sub-fields for reading the public key, generating and deleting, then
 * `83 01 2A pp` (or `82 01 2A` for always) for signing. E.g. public key readable by all, generate and delete after
 * PIN 81, sign after PIN 82: `01 01 02 46 81 83 01 2A 82`.
 */
export function keyFileAttributes(access: KeyFileAccess): Uint8Array {
  const {sign, ...simple} = access;
  const signField =
    sign === undefined
      ? []
      : sign.type === 'always'
        ? [ADAPTIVE_ALWAYS, ADAPTIVE_INSTRUCTION, INS_PERFORM_SECURITY_OPERATION]
        : [ADAPTIVE_PIN, ADAPTIVE_INSTRUCTION, INS_PERFORM_SECURITY_OPERATION, pinReference(sign)];
  return Uint8Array.of(...simpleSubFields(simple, KEY_FILE_BITS), ...signField);
}

function simpleSubFields<Operation extends string>(
  access: Partial<Record<Operation, AccessCondition>>,
  bits: Readonly<Record<Operation, number>>,
): Uint8Array {
  const bitmaps = new Map<number | 'always', number>();
  for (const [operation, condition] of Object.entries(access) as [Operation, AccessCondition | undefined][]) {
    if (condition === undefined) continue;
    const key = condition.type === 'always' ? 'always' : pinReference(condition);
    bitmaps.set(key, (bitmaps.get(key) ?? 0) | bits[operation]);
  }
  const out: number[] = [];
  const always = bitmaps.get('always');
  if (always !== undefined) out.push(SIMPLE_ALWAYS, always);
  const pins = [...bitmaps.keys()].filter((key): key is number => key !== 'always').sort((a, b) => a - b);
  for (const reference of pins) out.push(SIMPLE_PIN, bitmaps.get(reference)!, reference);
  return Uint8Array.from(out);
}

function pinReference(condition: {readonly reference: number}): number {
  return oneByte(condition.reference, 'PIN reference');
}

function p1p2(value: number): {p1: number; p2: number} {
  return {p1: value >> 8, p2: value & 0xff};
}

function twoBytes(value: number, what: string): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff)
    throw new RangeError(`${what} ${value} does not fit two bytes`);
  return Uint8Array.of(value >> 8, value & 0xff);
}

function oneByte(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xff)
    throw new RangeError(`${what} ${value} does not fit a byte`);
  return value;
}

function bytes(text: string): Uint8Array {
  return Uint8Array.from(text.split(' '), (byte) => Number.parseInt(byte, 16));
}

/**
 * The condition of PSO (signing) in a key file's tag-86 bytes: the adaptive sub-field `83 01 2A pp` (after PIN
 * pp) or `82 01 2A` (always); undefined when no sub-field names PSO (never) or the bytes do not parse.
 */
export function signConditionOf(attributes: Uint8Array): AccessCondition | undefined {
  let offset = 0;
  while (offset < attributes.length) {
    const header = attributes[offset]!;
    const field = attributes.subarray(offset + 1, offset + 1 + (header & 0x0f));
    offset += 1 + (header & 0x0f);
    const isSign = field[0] === ADAPTIVE_INSTRUCTION && field[1] === INS_PERFORM_SECURITY_OPERATION;
    if (header === ADAPTIVE_ALWAYS && isSign) return {type: 'always'};
    if (header === ADAPTIVE_PIN && isSign && field[2] !== undefined)
      return {type: 'pin', reference: field[2]};
  }
  return undefined;
}

/**
 * The key file identifier of a key reference: the applet names a key by the low byte of its file's identifier (MSE
 * 84 is the key file's low byte), so a key reference's file is `highByte || reference`, with the high byte the
 * card's other key files share. Throws a RangeError for a reference or high byte out of range.
 */
export function keyFileIdOf(highByte: number, keyReference: number): number {
  return (oneByte(highByte, 'key file id high byte') << 8) | oneByte(keyReference, 'key reference');
}
