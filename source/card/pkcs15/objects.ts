import * as asn1js from 'asn1js';
import {concatBytes, decodeTlvAt, decodeTlvs, encodeTlv, encodeTlvs, findTlv} from '../../apdu/tlv.js';
import {CardDataError} from '../errors.js';

/**
 * The PKCS#15 files of a card's PKCS#15 application (PKCS#15 v1.1 / ISO/IEC 7816-15), as pure codecs (no I/O):
 * EF.DIR, the ODF, TokenInfo and the directory files AODF (PIN objects), PrKDF (RSA private keys) and CDF (X.509
 * certificates). Read the way OpenSC 0.23 reads them (pkcs15.c, pkcs15-pin.c, pkcs15-prkey.c, pkcs15-cert.c,
 * asn1.c, dir.c): a file is a concatenation of objects, and a 00 or FF byte where the next object would start ends
 * it (the file's padding up to its size). Decoders throw CardDataError (`card-data-malformed`) for bytes that are
 * not what the specification says, and keep an object of a CHOICE alternative they do not read (an EC key, an
 * authentication key, an attribute certificate, an unknown ODF entry) as an {@link UnknownObject} with its DER, so
 * that a directory rewritten from what was read still holds it. Encoders write DER; what they write decodes back
 * to the same objects, and encodes again to the same bytes. Fields this codec does not model (access control
 * rules, subject names, algorithm references, later TokenInfo fields) are not written back. Encoders throw a
 * RangeError for a number field that is not a 32-bit integer (decoded objects never hold one).
 */

/** An object of a CHOICE alternative this codec does not read, kept whole: its DER, written back as it was. */
export interface UnknownObject {
  readonly type: 'unknown';
  readonly der: Uint8Array;
}

/** CommonObjectAttributes.flags (PKCS#15 v1.1 clause 6.1.8), bit 0 first. */
export type ObjectFlag = 'private' | 'modifiable';
const OBJECT_FLAGS: readonly ObjectFlag[] = ['private', 'modifiable'];

/** TokenInfo.tokenflags (PKCS#15 v1.1 clause 6.9), bit 0 first. */
export type TokenFlag = 'readonly' | 'loginRequired' | 'prnGeneration' | 'eidCompliant';
const TOKEN_FLAGS: readonly TokenFlag[] = ['readonly', 'loginRequired', 'prnGeneration', 'eidCompliant'];

/** PinAttributes.pinFlags (PKCS#15 v1.1 clause 6.8.2), bit 0 first, named as the ASN.1 module names them. */
export type PinFlag =
  | 'case-sensitive'
  | 'local'
  | 'change-disabled'
  | 'unblock-disabled'
  | 'initialized'
  | 'needs-padding'
  | 'unblockingPin'
  | 'soPin'
  | 'disable-allowed'
  | 'integrity-protected'
  | 'confidentiality-protected'
  | 'exchangeRefData';
const PIN_FLAGS: readonly PinFlag[] = [
  'case-sensitive',
  'local',
  'change-disabled',
  'unblock-disabled',
  'initialized',
  'needs-padding',
  'unblockingPin',
  'soPin',
  'disable-allowed',
  'integrity-protected',
  'confidentiality-protected',
  'exchangeRefData',
];

/** CommonKeyAttributes.usage, KeyUsageFlags (PKCS#15 v1.1 clause 6.2.1), bit 0 first. */
export type KeyUsage =
  | 'encrypt'
  | 'decrypt'
  | 'sign'
  | 'signRecover'
  | 'wrap'
  | 'unwrap'
  | 'verify'
  | 'verifyRecover'
  | 'derive'
  | 'nonRepudiation';
const KEY_USAGES: readonly KeyUsage[] = [
  'encrypt',
  'decrypt',
  'sign',
  'signRecover',
  'wrap',
  'unwrap',
  'verify',
  'verifyRecover',
  'derive',
  'nonRepudiation',
];

/** CommonKeyAttributes.accessFlags, KeyAccessFlags (PKCS#15 v1.1 clause 6.2.1), bit 0 first. */
export type KeyAccessFlag = 'sensitive' | 'extractable' | 'alwaysSensitive' | 'neverExtractable' | 'local';
const KEY_ACCESS_FLAGS: readonly KeyAccessFlag[] = [
  'sensitive',
  'extractable',
  'alwaysSensitive',
  'neverExtractable',
  'local',
];

/** PinAttributes.pinType (PKCS#15 v1.1 clause 6.8.2). */
export enum PinType {
  Bcd = 0,
  AsciiNumeric = 1,
  Utf8 = 2,
  HalfNibbleBcd = 3,
  Iso9564_1 = 4,
}

/** The PKCS15Objects choice of an ODF entry (PKCS#15 v1.1 clause 6.5.3): its context tag number. */
export enum DirectoryKind {
  PrivateKeys = 0,
  PublicKeys = 1,
  TrustedPublicKeys = 2,
  SecretKeys = 3,
  Certificates = 4,
  TrustedCertificates = 5,
  UsefulCertificates = 6,
  DataObjects = 7,
  AuthObjects = 8,
}

/** ASN.1 tag classes as asn1js numbers them, and the universal tags these files use (X.680 clause 8.4). */
const CLASS_UNIVERSAL = 1;
const CLASS_APPLICATION = 2;
const CLASS_CONTEXT = 3;
const TAG_BOOLEAN = 1;
const TAG_INTEGER = 2;
const TAG_BIT_STRING = 3;
const TAG_OCTET_STRING = 4;
const TAG_ENUMERATED = 10;
const TAG_UTF8_STRING = 12;
const TAG_SEQUENCE = 16;
const TAG_GENERALIZED_TIME = 24;
/** Path.pathExtended's AID (OpenSC asn1.c c_asn1_path_ext): [APPLICATION 15], as in EF.DIR. */
const TAG_NUMBER_PATH_AID = 15;
/** The bytes that end a directory file's objects: its padding (OpenSC asn1.c sc_asn1_read_tag). */
const PADDING_BYTES: ReadonlySet<number> = new Set([0x00, 0xff]);

/**
 * Whether `bytes`, the start of a directory file, already hold all its objects: their TLVs, whole, up to a 00/FF
 * padding byte. False while an object may still go on past the end (or the bytes do not parse: the decoder of the
 * whole file says why).
 */
export function objectsEnded(bytes: Uint8Array): boolean {
  let offset = 0;
  while (offset < bytes.length) {
    if (PADDING_BYTES.has(bytes[offset]!)) return true;
    try {
      offset = decodeTlvAt(bytes, offset).next;
    } catch {
      return false;
    }
  }
  return false;
}

/** The largest INTEGER read, in content octets (OpenSC reads an int). */
const MAX_INTEGER_OCTETS = 4;

// EF.DIR

/** EF.DIR's application template and its elements (ISO/IEC 7816-4 clause 8.2.1.1, table 7). */
const TAG_APPLICATION_TEMPLATE = 0x61;
const TAG_APPLICATION_IDENTIFIER = 0x4f;
const TAG_APPLICATION_LABEL = 0x50;
const TAG_APPLICATION_PATH = 0x51;

/** One application template of EF.DIR. */
export interface DirRecord {
  /** The application identifier (4F). */
  readonly aid: Uint8Array;
  /** The application label (50), when given. */
  readonly label?: string;
  /** The path of the application's DF (51), when given; OpenSC then uses 3F005015. */
  readonly path?: Uint8Array;
}

/**
 * Reads EF.DIR (a transparent file's contents, or records concatenated): its 61 templates in order, until the end
 * or a 00/FF byte. Other elements of a template (a discretionary data object 73, ...) are skipped. Throws
 * CardDataError (`card-data-malformed`) when the BER-TLV does not parse, a template is not 61, or has no AID.
 */
export function decodeDir(bytes: Uint8Array): DirRecord[] {
  const records: DirRecord[] = [];
  let offset = 0;
  while (offset < bytes.length && !PADDING_BYTES.has(bytes[offset]!)) {
    try {
      const {tlv, next} = decodeTlvAt(bytes, offset);
      if (tlv.tag !== TAG_APPLICATION_TEMPLATE)
        throw new CardDataError(`EF.DIR: a ${tlv.tag.toString(16)} where an application template belongs`);
      const items = decodeTlvs(tlv.value);
      const aid = findTlv(items, TAG_APPLICATION_IDENTIFIER);
      if (aid === undefined) throw new CardDataError('EF.DIR: an application template without an AID');
      const label = findTlv(items, TAG_APPLICATION_LABEL);
      const path = findTlv(items, TAG_APPLICATION_PATH);
      records.push({
        aid: aid.slice(),
        ...(label === undefined ? {} : {label: utf8(label)}),
        ...(path === undefined ? {} : {path: path.slice()}),
      });
      offset = next;
    } catch (error) {
      if (error instanceof CardDataError) throw error;
      throw new CardDataError('EF.DIR does not parse as BER-TLV', {cause: error});
    }
  }
  return records;
}

/** Writes EF.DIR: a 61 { 4F AID, 50 label, 51 path } template for each record, in order, without padding. */
export function encodeDir(records: readonly DirRecord[]): Uint8Array {
  return concatBytes(
    records.map((record) =>
      encodeTlv(
        TAG_APPLICATION_TEMPLATE,
        encodeTlvs([
          {tag: TAG_APPLICATION_IDENTIFIER, value: record.aid},
          ...(record.label === undefined
            ? []
            : [{tag: TAG_APPLICATION_LABEL, value: new TextEncoder().encode(record.label)}]),
          ...(record.path === undefined ? [] : [{tag: TAG_APPLICATION_PATH, value: record.path}]),
        ]),
      ),
    ),
  );
}

// Paths

/** The MF's file identifier (ISO/IEC 7816-4 clause 5.3.1.1): a path that begins with it is absolute. */
const MF_PATH = Uint8Array.of(0x3f, 0x00);

/**
 * The absolute path of a path read from a PKCS#15 file, as OpenSC's sc_pkcs15_make_absolute_path makes it: a path
 * beginning with 3F00 as it is, an empty path empty, any other path appended to the application DF's path.
 */
export function resolvePath(applicationPath: Uint8Array, path: Uint8Array): Uint8Array {
  if (path.length === 0 || (path[0] === MF_PATH[0] && path[1] === MF_PATH[1])) return path.slice();
  return concatBytes([applicationPath, path]);
}

// ODF

/** An ODF entry: where one directory file of the application is. */
export type OdfEntry =
  {readonly type: 'directory'; readonly kind: DirectoryKind; readonly path: Uint8Array} | UnknownObject;

/**
 * Reads the ODF: each PKCS15Objects choice with its Path, in order, until the end or 00/FF padding. A choice
 * beyond [8], or one that holds its objects (or protected objects) instead of a Path, is kept as unknown. The
 * paths are as written (absolute, or relative to the application DF); a Path's index and length are not kept.
 * Throws CardDataError (`card-data-malformed`) when the DER does not parse or an entry holds neither.
 */
export function decodeOdf(bytes: Uint8Array): OdfEntry[] {
  return decodeObjects(bytes, 'ODF').map((node): OdfEntry => {
    if (node.tagClass !== CLASS_CONTEXT || !node.isConstructed)
      throw malformed('ODF', 'an entry is not a context-tagged choice');
    if (node.tagNumber > DirectoryKind.AuthObjects) return unknown(node);
    const [value] = node.children;
    if (value === undefined || node.children.length !== 1)
      throw malformed('ODF', 'an entry holds no single Path');
    if (isSequence(value))
      return {type: 'directory', kind: node.tagNumber, path: decodePath(value, 'ODF').path};
    if (value.tagClass !== CLASS_CONTEXT || !value.isConstructed)
      throw malformed('ODF', 'an entry holds neither a Path nor objects');
    return unknown(node);
  });
}

/** Writes the ODF: each entry's [kind] { Path }, or an unknown entry's DER, in order, without padding. */
export function encodeOdf(entries: readonly OdfEntry[]): Uint8Array {
  return concatBytes(
    entries.map((entry) =>
      entry.type === 'unknown'
        ? entry.der
        : der(contextConstructed(entry.kind, [encodePath({path: entry.path})])),
    ),
  );
}

// TokenInfo

/** EF.TokenInfo's fields up to tokenflags (PKCS#15 v1.1 clause 6.9); later optional fields are not read. */
export interface TokenInfo {
  readonly version: number;
  readonly serialNumber?: Uint8Array;
  readonly manufacturerId?: string;
  readonly label?: string;
  readonly flags: readonly TokenFlag[];
}

/**
 * Reads EF.TokenInfo: version, serialNumber, manufacturerID, label [0] (also the explicit [0] { UTF8String } some
 * cards write, as OpenSC accepts), tokenflags; what follows is skipped, and so is padding after the SEQUENCE.
 * Throws CardDataError (`card-data-malformed`) when it is not one such SEQUENCE.
 */
export function decodeTokenInfo(bytes: Uint8Array): TokenInfo {
  const [node, ...rest] = decodeObjects(bytes, 'TokenInfo');
  if (node === undefined || rest.length > 0) throw malformed('TokenInfo', 'not one SEQUENCE');
  const fields = sequenceFields(node, 'TokenInfo');
  const version = readInteger(fields.required(CLASS_UNIVERSAL, TAG_INTEGER, 'version'), 'TokenInfo');
  const serialNumber = fields.optional(CLASS_UNIVERSAL, TAG_OCTET_STRING);
  const manufacturerId = fields.optional(CLASS_UNIVERSAL, TAG_UTF8_STRING);
  const label = fields.optional(CLASS_CONTEXT, 0);
  const flags = fields.required(CLASS_UNIVERSAL, TAG_BIT_STRING, 'tokenflags');
  return {
    version,
    ...(serialNumber && {serialNumber: readOctets(serialNumber, 'TokenInfo')}),
    ...(manufacturerId && {manufacturerId: readUtf8(manufacturerId, 'TokenInfo')}),
    ...(label && {label: readTokenLabel(label)}),
    flags: readBits(flags, TOKEN_FLAGS, 'TokenInfo'),
  };
}

/** Writes EF.TokenInfo: SEQUENCE { version, serialNumber?, manufacturerID?, label [0]?, tokenflags }. */
export function encodeTokenInfo(info: TokenInfo): Uint8Array {
  return der(
    new asn1js.Sequence({
      value: [
        integer(info.version),
        ...(info.serialNumber ? [new asn1js.OctetString({valueHex: info.serialNumber})] : []),
        ...(info.manufacturerId === undefined ? [] : [utf8String(info.manufacturerId)]),
        ...(info.label === undefined ? [] : [contextPrimitive(0, new TextEncoder().encode(info.label))]),
        bitString(info.flags, TOKEN_FLAGS),
      ],
    }),
  );
}

function readTokenLabel(node: DerNode): string {
  if (!node.isConstructed) return utf8(node.content);
  const [inner] = node.children;
  if (inner === undefined || inner.tagClass !== CLASS_UNIVERSAL || inner.tagNumber !== TAG_UTF8_STRING)
    throw malformed('TokenInfo', 'the label [0] holds no UTF8String');
  return readUtf8(inner, 'TokenInfo');
}

// AODF

/** A PIN authentication object (PKCS#15 v1.1 clause 6.8): what VERIFY, CHANGE and RESET RETRY COUNTER need. */
export interface PinObject {
  readonly type: 'pin';
  /** CommonObjectAttributes.label ('' when absent). */
  readonly label: string;
  readonly objectFlags: readonly ObjectFlag[];
  /** CommonObjectAttributes.authId: for a PIN, the authId of the PUK that unblocks it (OpenSC follows it). */
  readonly pukAuthId?: Uint8Array;
  /** CommonAuthenticationObjectAttributes.authId: what keys name in their own authId. */
  readonly authId: Uint8Array;
  readonly flags: readonly PinFlag[];
  readonly pinType: PinType;
  readonly minLength: number;
  readonly storedLength: number;
  readonly maxLength?: number;
  /** The reference data's number, P2 of VERIFY (0x81 also when written negative, 80 01 81, as OpenSC reads it). */
  readonly reference?: number;
  /** The padding byte, for a PIN with `needs-padding`. */
  readonly padChar?: number;
  /** lastPinChange, the GeneralizedTime text as written. */
  readonly lastPinChange?: string;
  /** The DF the PIN belongs to, for a `local` PIN. */
  readonly path?: Uint8Array;
}

export type AodfEntry = PinObject | UnknownObject;

/**
 * Reads an AODF: its PIN objects, until the end or 00/FF padding; an authentication key, a biometric template or
 * another alternative is kept as unknown. Throws CardDataError (`card-data-malformed`) when the DER does not parse
 * or a PIN object lacks a mandatory field (authId, pinFlags, pinType, minLength, storedLength).
 */
export function decodeAodf(bytes: Uint8Array): AodfEntry[] {
  return decodeObjects(bytes, 'AODF').map((node): AodfEntry => {
    if (!isSequence(node)) return unknownAlternative(node, 'AODF');
    const object = decodeObject(node, 'AODF');
    const authId = readOctets(
      sequenceFields(object.classAttributes, 'AODF').required(CLASS_UNIVERSAL, TAG_OCTET_STRING, 'authId'),
      'AODF',
    );
    const fields = sequenceFields(singleSequence(object.typeAttributes, 'AODF'), 'AODF');
    const flags = readBits(fields.required(CLASS_UNIVERSAL, TAG_BIT_STRING, 'pinFlags'), PIN_FLAGS, 'AODF');
    const pinType = readInteger(fields.required(CLASS_UNIVERSAL, TAG_ENUMERATED, 'pinType'), 'AODF');
    const minLength = readCount(fields.required(CLASS_UNIVERSAL, TAG_INTEGER, 'minLength'), 'AODF');
    const storedLength = readCount(fields.required(CLASS_UNIVERSAL, TAG_INTEGER, 'storedLength'), 'AODF');
    const maxLength = fields.optional(CLASS_UNIVERSAL, TAG_INTEGER);
    const reference = fields.optional(CLASS_CONTEXT, 0);
    const padChar = fields.optional(CLASS_UNIVERSAL, TAG_OCTET_STRING);
    const lastPinChange = fields.optional(CLASS_UNIVERSAL, TAG_GENERALIZED_TIME);
    const path = fields.optional(CLASS_UNIVERSAL, TAG_SEQUENCE);
    if (padChar && padChar.content.length !== 1) throw malformed('AODF', 'padChar is not one byte');
    return {
      type: 'pin',
      label: object.label,
      objectFlags: object.flags,
      ...(object.authId && {pukAuthId: object.authId}),
      authId,
      flags,
      pinType,
      minLength,
      storedLength,
      ...(maxLength && {maxLength: readCount(maxLength, 'AODF')}),
      ...(reference && {reference: readReference(reference, 'AODF')}),
      ...(padChar && {padChar: padChar.content[0]!}),
      ...(lastPinChange && {lastPinChange: latin1(readPrimitive(lastPinChange, 'AODF'))}),
      ...(path && {path: decodePath(path, 'AODF').path}),
    };
  });
}

/**
 * Writes an AODF: each PIN object as SEQUENCE { CommonObjectAttributes, { authId }, [1] { PinAttributes } }, each
 * unknown entry's DER, in order, without padding. The reference is written as a non-negative INTEGER (0x81 as
 * 80 02 00 81).
 */
export function encodeAodf(entries: readonly AodfEntry[]): Uint8Array {
  return concatBytes(
    entries.map((entry) =>
      entry.type === 'unknown'
        ? entry.der
        : der(
            new asn1js.Sequence({
              value: [
                commonObjectAttributes(entry.label, entry.objectFlags, entry.pukAuthId),
                new asn1js.Sequence({value: [new asn1js.OctetString({valueHex: entry.authId})]}),
                contextConstructed(1, [
                  new asn1js.Sequence({
                    value: [
                      bitString(entry.flags, PIN_FLAGS),
                      universalPrimitive(TAG_ENUMERATED, integerContent(entry.pinType)),
                      integer(entry.minLength),
                      integer(entry.storedLength),
                      ...(entry.maxLength === undefined ? [] : [integer(entry.maxLength)]),
                      ...(entry.reference === undefined
                        ? []
                        : [contextPrimitive(0, integerContent(entry.reference))]),
                      ...(entry.padChar === undefined
                        ? []
                        : [new asn1js.OctetString({valueHex: Uint8Array.of(entry.padChar)})]),
                      ...(entry.lastPinChange === undefined
                        ? []
                        : [universalPrimitive(TAG_GENERALIZED_TIME, latin1Bytes(entry.lastPinChange))]),
                      ...(entry.path === undefined ? [] : [encodePath({path: entry.path})]),
                    ],
                  }),
                ]),
              ],
            }),
          ),
    ),
  );
}

// PrKDF

/** A private RSA key object (PKCS#15 v1.1 clause 6.4.1): which key file, which PIN, what for. */
export interface PrivateRsaKeyObject {
  readonly type: 'rsa';
  /** CommonObjectAttributes.label ('' when absent). */
  readonly label: string;
  readonly objectFlags: readonly ObjectFlag[];
  /** CommonObjectAttributes.authId: the authId of the PIN that guards the key. */
  readonly authId?: Uint8Array;
  /** CommonObjectAttributes.userConsent: how many uses one VERIFY allows (1: the PIN again before each). */
  readonly userConsent?: number;
  /** CommonKeyAttributes.iD: the key's identifier, equal to its certificate's. */
  readonly id: Uint8Array;
  readonly usage: readonly KeyUsage[];
  /** CommonKeyAttributes.native (DEFAULT TRUE): the card computes with the key. */
  readonly isNative: boolean;
  readonly accessFlags?: readonly KeyAccessFlag[];
  /** CommonKeyAttributes.keyReference: the key's number for MSE (84); 0x80-0xFF also when written negative. */
  readonly keyReference?: number;
  /** PrivateRSAKeyAttributes.value: the key file's path (empty when the Path is empty). */
  readonly path: Uint8Array;
  readonly modulusLength: number;
}

export type PrkdfEntry = PrivateRsaKeyObject | UnknownObject;

/**
 * Reads a PrKDF: its private RSA key objects, until the end or 00/FF padding; an EC, DH, DSA, KEA or other key is
 * kept as unknown. The subclass attributes [0] (subjectName) are skipped. Throws CardDataError
 * (`card-data-malformed`) when the DER does not parse or an RSA key object lacks iD, usage, its Path or
 * modulusLength.
 */
export function decodePrkdf(bytes: Uint8Array): PrkdfEntry[] {
  return decodeObjects(bytes, 'PrKDF').map((node): PrkdfEntry => {
    if (!isSequence(node)) return unknownAlternative(node, 'PrKDF');
    const object = decodeObject(node, 'PrKDF');
    const key = sequenceFields(object.classAttributes, 'PrKDF');
    const id = readOctets(key.required(CLASS_UNIVERSAL, TAG_OCTET_STRING, 'iD'), 'PrKDF');
    const usage = readBits(key.required(CLASS_UNIVERSAL, TAG_BIT_STRING, 'usage'), KEY_USAGES, 'PrKDF');
    const native = key.optional(CLASS_UNIVERSAL, TAG_BOOLEAN);
    const accessFlags = key.optional(CLASS_UNIVERSAL, TAG_BIT_STRING);
    const keyReference = key.optional(CLASS_UNIVERSAL, TAG_INTEGER);
    const rsa = sequenceFields(singleSequence(object.typeAttributes, 'PrKDF'), 'PrKDF');
    const path = decodePath(rsa.required(CLASS_UNIVERSAL, TAG_SEQUENCE, 'value'), 'PrKDF').path;
    const modulusLength = readCount(rsa.required(CLASS_UNIVERSAL, TAG_INTEGER, 'modulusLength'), 'PrKDF');
    return {
      type: 'rsa',
      label: object.label,
      objectFlags: object.flags,
      ...(object.authId && {authId: object.authId}),
      ...(object.userConsent !== undefined && {userConsent: object.userConsent}),
      id,
      usage,
      isNative: native ? readBoolean(native, 'PrKDF') : true,
      ...(accessFlags && {accessFlags: readBits(accessFlags, KEY_ACCESS_FLAGS, 'PrKDF')}),
      ...(keyReference && {keyReference: readReference(keyReference, 'PrKDF')}),
      path,
      modulusLength,
    };
  });
}

/**
 * Writes a PrKDF: each RSA key as SEQUENCE { CommonObjectAttributes, CommonKeyAttributes, [1] {
 * PrivateRSAKeyAttributes { Path, modulusLength } } } (native left out when true, its DER default), each unknown
 * entry's DER, in order, without padding.
 */
export function encodePrkdf(entries: readonly PrkdfEntry[]): Uint8Array {
  return concatBytes(
    entries.map((entry) =>
      entry.type === 'unknown'
        ? entry.der
        : der(
            new asn1js.Sequence({
              value: [
                commonObjectAttributes(entry.label, entry.objectFlags, entry.authId, entry.userConsent),
                new asn1js.Sequence({
                  value: [
                    new asn1js.OctetString({valueHex: entry.id}),
                    bitString(entry.usage, KEY_USAGES),
                    ...(entry.isNative ? [] : [new asn1js.Boolean({value: false})]),
                    ...(entry.accessFlags ? [bitString(entry.accessFlags, KEY_ACCESS_FLAGS)] : []),
                    ...(entry.keyReference === undefined ? [] : [integer(entry.keyReference)]),
                  ],
                }),
                contextConstructed(1, [
                  new asn1js.Sequence({
                    value: [encodePath({path: entry.path}), integer(entry.modulusLength)],
                  }),
                ]),
              ],
            }),
          ),
    ),
  );
}

// CDF

/** An X.509 certificate object (PKCS#15 v1.1 clause 6.6.1). */
export interface X509CertificateObject {
  readonly type: 'x509';
  /** CommonObjectAttributes.label ('' when absent). */
  readonly label: string;
  readonly objectFlags: readonly ObjectFlag[];
  readonly authId?: Uint8Array;
  /** CommonCertificateAttributes.iD: equal to its private key's. */
  readonly id: Uint8Array;
  /** CommonCertificateAttributes.authority (DEFAULT FALSE): a CA certificate. */
  readonly isAuthority: boolean;
  /** X509CertificateAttributes.value: the certificate file's path. */
  readonly path: Uint8Array;
  /** The part of the file that holds the certificate, when the Path gives index and length. */
  readonly range?: PathRange;
}

/** Path.index and Path.length: where in the file an object's value is. */
export interface PathRange {
  readonly index: number;
  readonly length: number;
}

export type CdfEntry = X509CertificateObject | UnknownObject;

/**
 * Reads a CDF (or a trusted or useful CDF): its X.509 certificate objects, until the end or 00/FF padding; an
 * attribute, SPKI, PGP, WTLS, X9.68 or CV certificate, or an X.509 certificate held in the CDF itself rather than
 * at a Path, is kept as unknown. Throws CardDataError (`card-data-malformed`) when the DER does not parse or a
 * certificate object lacks its iD or value.
 */
export function decodeCdf(bytes: Uint8Array): CdfEntry[] {
  return decodeObjects(bytes, 'CDF').map((node): CdfEntry => {
    if (!isSequence(node)) return unknownAlternative(node, 'CDF');
    const object = decodeObject(node, 'CDF');
    const certificate = sequenceFields(object.classAttributes, 'CDF');
    const id = readOctets(certificate.required(CLASS_UNIVERSAL, TAG_OCTET_STRING, 'iD'), 'CDF');
    const authority = certificate.optional(CLASS_UNIVERSAL, TAG_BOOLEAN);
    const [value] = sequenceFields(singleSequence(object.typeAttributes, 'CDF'), 'CDF').rest();
    if (value === undefined) throw malformed('CDF', 'X509CertificateAttributes has no value');
    if (!isSequence(value)) return unknown(node);
    const {path, range} = decodePath(value, 'CDF');
    return {
      type: 'x509',
      label: object.label,
      objectFlags: object.flags,
      ...(object.authId && {authId: object.authId}),
      id,
      isAuthority: authority ? readBoolean(authority, 'CDF') : false,
      path,
      ...(range && {range}),
    };
  });
}

/**
 * Writes a CDF: each certificate as SEQUENCE { CommonObjectAttributes, CommonCertificateAttributes { iD,
 * authority when true }, [1] { X509CertificateAttributes { Path } } }, each unknown entry's DER, in order, without
 * padding.
 */
export function encodeCdf(entries: readonly CdfEntry[]): Uint8Array {
  return concatBytes(
    entries.map((entry) =>
      entry.type === 'unknown'
        ? entry.der
        : der(
            new asn1js.Sequence({
              value: [
                commonObjectAttributes(entry.label, entry.objectFlags, entry.authId),
                new asn1js.Sequence({
                  value: [
                    new asn1js.OctetString({valueHex: entry.id}),
                    ...(entry.isAuthority ? [new asn1js.Boolean({value: true})] : []),
                  ],
                }),
                contextConstructed(1, [
                  new asn1js.Sequence({value: [encodePath({path: entry.path, range: entry.range})]}),
                ]),
              ],
            }),
          ),
    ),
  );
}

// The shared structures: PKCS15Object, CommonObjectAttributes, Path

/** A PKCS15Object (PKCS#15 v1.1 clause 6.1.7): its common attributes read, the rest as nodes. */
interface Pkcs15Object {
  readonly label: string;
  readonly flags: readonly ObjectFlag[];
  readonly authId?: Uint8Array;
  readonly userConsent?: number;
  readonly classAttributes: DerNode;
  /** The content of typeAttributes [1]. */
  readonly typeAttributes: DerNode;
}

/**
 * SEQUENCE { commonObjectAttributes, classAttributes, subClassAttributes [0] OPTIONAL, typeAttributes [1] }, as
 * OpenSC's asn1_decode_p15_object reads it; CommonObjectAttributes' accessControlRules are skipped.
 */
function decodeObject(node: DerNode, file: string): Pkcs15Object {
  const fields = sequenceFields(node, file);
  const common = sequenceFields(
    fields.required(CLASS_UNIVERSAL, TAG_SEQUENCE, 'commonObjectAttributes'),
    file,
  );
  const classAttributes = fields.required(CLASS_UNIVERSAL, TAG_SEQUENCE, 'classAttributes');
  fields.optional(CLASS_CONTEXT, 0);
  const typeAttributes = fields.required(CLASS_CONTEXT, 1, 'typeAttributes');
  if (!typeAttributes.isConstructed) throw malformed(file, 'typeAttributes [1] is not constructed');
  const label = common.optional(CLASS_UNIVERSAL, TAG_UTF8_STRING);
  const flags = common.optional(CLASS_UNIVERSAL, TAG_BIT_STRING);
  const authId = common.optional(CLASS_UNIVERSAL, TAG_OCTET_STRING);
  const userConsent = common.optional(CLASS_UNIVERSAL, TAG_INTEGER);
  return {
    label: label ? readUtf8(label, file) : '',
    flags: flags ? readBits(flags, OBJECT_FLAGS, file) : [],
    ...(authId && {authId: readOctets(authId, file)}),
    ...(userConsent && {userConsent: readCount(userConsent, file)}),
    classAttributes,
    typeAttributes,
  };
}

/** CommonObjectAttributes with the fields given: label when not empty, flags when any, authId, userConsent. */
function commonObjectAttributes(
  label: string,
  flags: readonly ObjectFlag[],
  authId?: Uint8Array,
  userConsent?: number,
): asn1js.Sequence {
  return new asn1js.Sequence({
    value: [
      ...(label === '' ? [] : [utf8String(label)]),
      ...(flags.length === 0 ? [] : [bitString(flags, OBJECT_FLAGS)]),
      ...(authId ? [new asn1js.OctetString({valueHex: authId})] : []),
      ...(userConsent === undefined ? [] : [integer(userConsent)]),
    ],
  });
}

/**
 * A Path (PKCS#15 v1.1 clause 6.1.5; OpenSC asn1.c asn1_decode_path): SEQUENCE { path OCTET STRING, index
 * INTEGER, length [0] INTEGER, all optional }, or OpenSC's pathExtended [1] { aid [APPLICATION 15], path }, whose
 * path is taken. An empty SEQUENCE is an empty path; index without length (or length without index) is ignored.
 */
function decodePath(node: DerNode, file: string): {path: Uint8Array; range?: PathRange} {
  if (!isSequence(node)) throw malformed(file, 'a Path is not a SEQUENCE');
  const fields = sequenceFields(node, file);
  const path = fields.optional(CLASS_UNIVERSAL, TAG_OCTET_STRING);
  const index = fields.optional(CLASS_UNIVERSAL, TAG_INTEGER);
  const length = fields.optional(CLASS_CONTEXT, 0);
  const extended = fields.optional(CLASS_CONTEXT, 1);
  const range =
    index && length ? {index: readCount(index, file), length: readCount(length, file)} : undefined;
  if (path) return {path: readOctets(path, file), ...(range && {range})};
  if (extended) {
    const inner = new Fields(extended.isConstructed ? extended.children : [], file);
    inner.required(CLASS_APPLICATION, TAG_NUMBER_PATH_AID, 'aid');
    return {path: readOctets(inner.required(CLASS_UNIVERSAL, TAG_OCTET_STRING, 'path'), file)};
  }
  return {path: new Uint8Array()};
}

function encodePath({path, range}: {path: Uint8Array; range?: PathRange}): asn1js.Sequence {
  return new asn1js.Sequence({
    value: [
      new asn1js.OctetString({valueHex: path}),
      ...(range ? [integer(range.index), contextPrimitive(0, integerContent(range.length))] : []),
    ],
  });
}

// DER reading over asn1js

/** A decoded DER element: its tag, its content (primitive) or children (constructed), and its whole encoding. */
interface DerNode {
  readonly tagClass: number;
  readonly tagNumber: number;
  readonly isConstructed: boolean;
  readonly content: Uint8Array;
  readonly children: readonly DerNode[];
  readonly der: Uint8Array;
}

/** The objects of a file: DER elements one after another, until the end or a 00/FF byte where one would start. */
function decodeObjects(bytes: Uint8Array, file: string): DerNode[] {
  const nodes: DerNode[] = [];
  let offset = 0;
  while (offset < bytes.length && !PADDING_BYTES.has(bytes[offset]!)) {
    const rest = bytes.subarray(offset);
    let decoded: ReturnType<typeof asn1js.fromBER>;
    try {
      decoded = asn1js.fromBER(rest);
    } catch (error) {
      throw malformed(file, 'the DER does not parse', error);
    }
    if (decoded.offset <= 0 || decoded.offset > rest.length || decoded.result.error !== '')
      throw malformed(file, `the DER does not parse at byte ${offset}`);
    nodes.push(toNode(decoded.result, file));
    offset += decoded.offset;
  }
  return nodes;
}

function toNode(block: asn1js.AsnType, file: string): DerNode {
  const base = block as asn1js.BaseBlock;
  if (base.error !== '' || base.lenBlock.isIndefiniteForm)
    throw malformed(file, 'an element is not DER (indefinite length or a bad encoding)');
  const der = new Uint8Array(base.valueBeforeDecodeView);
  const headerLength = base.idBlock.blockLength + base.lenBlock.blockLength;
  if (headerLength > der.length) throw malformed(file, 'an element is truncated');
  const {tagClass, tagNumber, isConstructed} = base.idBlock;
  if (!isConstructed)
    return {tagClass, tagNumber, isConstructed, content: der.subarray(headerLength), children: [], der};
  const value = (base.valueBlock as {value?: unknown}).value;
  if (!Array.isArray(value)) throw malformed(file, 'a constructed element does not parse');
  return {
    tagClass,
    tagNumber,
    isConstructed,
    content: new Uint8Array(),
    children: (value as asn1js.AsnType[]).map((child) => toNode(child, file)),
    der,
  };
}

/** A SEQUENCE's elements read in order: each optional field taken when its tag is next, unknown ones left. */
class Fields {
  private index = 0;
  constructor(
    private readonly nodes: readonly DerNode[],
    private readonly file: string,
  ) {}

  optional(tagClass: number, tagNumber: number): DerNode | undefined {
    const node = this.nodes[this.index];
    if (node === undefined || node.tagClass !== tagClass || node.tagNumber !== tagNumber) return undefined;
    this.index += 1;
    return node;
  }

  required(tagClass: number, tagNumber: number, name: string): DerNode {
    const node = this.optional(tagClass, tagNumber);
    if (node === undefined) throw malformed(this.file, `${name} is missing`);
    return node;
  }

  rest(): readonly DerNode[] {
    return this.nodes.slice(this.index);
  }
}

function sequenceFields(node: DerNode, file: string): Fields {
  if (!isSequence(node)) throw malformed(file, 'a SEQUENCE is expected');
  return new Fields(node.children, file);
}

/** The one SEQUENCE inside an explicit tag (typeAttributes [1] { XAttributes }). */
function singleSequence(node: DerNode, file: string): DerNode {
  const [inner] = node.children;
  if (inner === undefined || !isSequence(inner)) throw malformed(file, 'typeAttributes holds no SEQUENCE');
  return inner;
}

function isSequence(node: DerNode): boolean {
  return node.tagClass === CLASS_UNIVERSAL && node.tagNumber === TAG_SEQUENCE && node.isConstructed;
}

/** A context-tagged alternative of a directory's CHOICE is kept as unknown; anything else is malformed. */
function unknownAlternative(node: DerNode, file: string): UnknownObject {
  if (node.tagClass !== CLASS_CONTEXT || !node.isConstructed)
    throw malformed(file, 'an object is neither a SEQUENCE nor a context-tagged alternative');
  return unknown(node);
}

function unknown(node: DerNode): UnknownObject {
  return {type: 'unknown', der: node.der.slice()};
}

function readPrimitive(node: DerNode, file: string): Uint8Array {
  if (node.isConstructed) throw malformed(file, 'a constructed encoding where DER has a primitive one');
  return node.content;
}

function readOctets(node: DerNode, file: string): Uint8Array {
  return readPrimitive(node, file).slice();
}

function readUtf8(node: DerNode, file: string): string {
  return utf8(readPrimitive(node, file));
}

function readBoolean(node: DerNode, file: string): boolean {
  const content = readPrimitive(node, file);
  if (content.length !== 1) throw malformed(file, 'a BOOLEAN is not one byte');
  return content[0] !== 0;
}

/** A two's-complement INTEGER (or ENUMERATED) of at most four octets. */
function readInteger(node: DerNode, file: string): number {
  const content = readPrimitive(node, file);
  if (content.length === 0 || content.length > MAX_INTEGER_OCTETS)
    throw malformed(file, `an INTEGER of ${content.length} octets`);
  let value = (content[0]! & 0x80) === 0 ? 0 : -1;
  for (const byte of content) value = value * 0x100 + byte;
  return value;
}

/** A length or count: a non-negative INTEGER. */
function readCount(node: DerNode, file: string): number {
  const value = readInteger(node, file);
  if (value < 0) throw malformed(file, 'a negative length or count');
  return value;
}

/**
 * A PIN or key reference: a non-negative INTEGER, or one byte written negative (80 01 81 for 0x81), which OpenSC
 * reads as 256 plus the value (pkcs15-pin.c, pkcs15-prkey.c: "OpenSC 0.11.4 and older encoded ... negative").
 */
function readReference(node: DerNode, file: string): number {
  const value = readInteger(node, file);
  if (value >= 0) return value;
  if (value >= -0x80) return value + 0x100;
  throw malformed(file, 'a negative reference');
}

/** The named bits set in a BIT STRING (bit 0 is the first bit); bits without a name are left out. */
function readBits<Name extends string>(node: DerNode, names: readonly Name[], file: string): Name[] {
  const content = readPrimitive(node, file);
  const unusedBits = content[0];
  if (unusedBits === undefined || unusedBits > 7 || (content.length === 1 && unusedBits !== 0))
    throw malformed(file, 'a BIT STRING with a bad unused-bits count');
  const bitCount = (content.length - 1) * 8 - unusedBits;
  return names.filter(
    (_, bit) => bit < bitCount && ((content[1 + (bit >> 3)]! >> (7 - (bit & 7))) & 1) === 1,
  );
}

function malformed(file: string, what: string, cause?: unknown): CardDataError {
  return new CardDataError(`PKCS#15 ${file}: ${what}`, cause === undefined ? undefined : {cause});
}

function utf8(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes);
}

function latin1(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

function latin1Bytes(text: string): Uint8Array {
  return Uint8Array.from(text, (character) => character.charCodeAt(0) & 0xff);
}

// DER writing with asn1js

/** A DER BIT STRING of the named bits set (bit 0 first), trailing zero bits left out (X.690 clause 11.2.2). */
function bitString<Name extends string>(set: readonly Name[], names: readonly Name[]): asn1js.BitString {
  const bits = names.flatMap((name, bit) => (set.includes(name) ? [bit] : []));
  if (bits.length === 0) return new asn1js.BitString({valueHex: new Uint8Array(), unusedBits: 0});
  const length = Math.max(...bits) + 1;
  const bytes = new Uint8Array(Math.ceil(length / 8));
  for (const bit of bits) bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  return new asn1js.BitString({valueHex: bytes, unusedBits: bytes.length * 8 - length});
}

function integer(value: number): asn1js.Primitive {
  return universalPrimitive(TAG_INTEGER, integerContent(value));
}

/**
 * The content octets of an INTEGER: minimal two's complement (0x81 is 00 81). Throws a RangeError for a value
 * that is not a 32-bit integer (callers pass what was read, or small numbers of their own).
 */
function integerContent(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < -0x8000_0000 || value > 0x7fff_ffff)
    throw new RangeError(`${value} is not a 32-bit INTEGER`);
  const bytes = [value & 0xff];
  let rest = Math.floor(value / 0x100);
  while (!(rest === 0 && (bytes[0]! & 0x80) === 0) && !(rest === -1 && (bytes[0]! & 0x80) !== 0)) {
    bytes.unshift(rest & 0xff);
    rest = Math.floor(rest / 0x100);
  }
  return Uint8Array.from(bytes);
}

function utf8String(text: string): asn1js.Primitive {
  return universalPrimitive(TAG_UTF8_STRING, new TextEncoder().encode(text));
}

function universalPrimitive(tagNumber: number, value: Uint8Array): asn1js.Primitive {
  return new asn1js.Primitive({idBlock: {tagClass: CLASS_UNIVERSAL, tagNumber}, valueHex: value});
}

function contextPrimitive(tagNumber: number, value: Uint8Array): asn1js.Primitive {
  return new asn1js.Primitive({idBlock: {tagClass: CLASS_CONTEXT, tagNumber}, valueHex: value});
}

function contextConstructed(tagNumber: number, value: asn1js.AsnType[]): asn1js.Constructed {
  return new asn1js.Constructed({idBlock: {tagClass: CLASS_CONTEXT, tagNumber}, value});
}

function der(value: asn1js.AsnType): Uint8Array {
  return new Uint8Array(value.toBER(false));
}
