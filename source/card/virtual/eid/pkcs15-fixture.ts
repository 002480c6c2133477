import * as asn1js from 'asn1js';
import {concatBytes, encodeTlv, encodeTlvs} from '../../../apdu/tlv.js';

/**
 * The PKCS#15 files our fixture builder writes on a virtual EID card (PKCS#15 v1.1 / ISO/IEC 7816-15, in the DER
 * OpenSC's pkcs15.c, pkcs15-pin.c, pkcs15-prkey.c and pkcs15-cert.c read): EF.DIR, ODF, TokenInfo, AODF, PrKDF
 * and CDF. Only for making cards: the tool's own card session reads PKCS#15 with code of its own, so that OpenSC
 * stays an independent judge of what is on the card.
 */

/** Named bits of the PKCS#15 BIT STRINGs, bit 0 first. */
export type ObjectFlag = 'private' | 'modifiable';
export type PinFlag =
  | 'case-sensitive'
  | 'local'
  | 'change-disabled'
  | 'unblock-disabled'
  | 'initialized'
  | 'needs-padding'
  | 'unblockingPin';
export type KeyUsage = 'sign' | 'nonRepudiation';
export type TokenFlag = 'readonly' | 'loginRequired' | 'prnGeneration' | 'eidCompliant';

const OBJECT_FLAG_BITS: Readonly<Record<ObjectFlag, number>> = {private: 0, modifiable: 1};
const PIN_FLAG_BITS: Readonly<Record<PinFlag, number>> = {
  'case-sensitive': 0,
  local: 1,
  'change-disabled': 2,
  'unblock-disabled': 3,
  initialized: 4,
  'needs-padding': 5,
  unblockingPin: 6,
};
const KEY_USAGE_BITS: Readonly<Record<KeyUsage, number>> = {sign: 2, nonRepudiation: 9};
const TOKEN_FLAG_BITS: Readonly<Record<TokenFlag, number>> = {
  readonly: 0,
  loginRequired: 1,
  prnGeneration: 2,
  eidCompliant: 3,
};
/** KeyAccessFlags of a key made on the card: sensitive, alwaysSensitive, neverExtractable, local. */
const GENERATED_KEY_ACCESS_BITS = [0, 2, 3, 4] as const;
/** PinType ascii-numeric. */
const PIN_TYPE_ASCII_NUMERIC = 1;
/** EF.DIR's application template and its elements (ISO/IEC 7816-4 clause 8.2.1.1, table 7). */
const TAG_APPLICATION_TEMPLATE = 0x61;
const TAG_APPLICATION_IDENTIFIER = 0x4f;
const TAG_APPLICATION_LABEL = 0x50;
const TAG_PATH = 0x51;

export interface PinObject {
  readonly label: string;
  readonly authId: number;
  readonly reference: number;
  readonly flags: readonly PinFlag[];
  readonly objectFlags: readonly ObjectFlag[];
  readonly minLength: number;
  readonly storedLength: number;
  readonly maxLength: number;
  readonly padChar: number;
  /** The authId of the PUK that unblocks it (its CommonObjectAttributes.authId, as OpenSC follows it). */
  readonly pukAuthId?: number;
}

export interface PrivateKeyObject {
  readonly label: string;
  readonly id: number;
  readonly authId: number;
  /** 1: every use needs the PIN again (PKCS#15 v1.1 clause 6.3.1: userConsent). */
  readonly userConsent?: number;
  readonly usage: readonly KeyUsage[];
  readonly keyReference: number;
  /** Absolute path of the key file (3F00...). */
  readonly path: Uint8Array;
  readonly modulusLength: number;
}

export interface CertificateObject {
  readonly label: string;
  readonly id: number;
  readonly isAuthority: boolean;
  readonly path: Uint8Array;
}

/** The directory files of the ODF, by the PKCS15Objects choice tag number (A0 PrKDF, A4 CDF, A5 trusted, A8 AODF). */
export type OdfEntry = {readonly type: 'prkdf' | 'cdf' | 'trusted-cdf' | 'aodf'; readonly path: Uint8Array};
const ODF_CHOICE: Readonly<Record<OdfEntry['type'], number>> = {prkdf: 0, cdf: 4, 'trusted-cdf': 5, aodf: 8};

/** EF.DIR: one application template with the AID, a label and the application's path. */
export function encodeDir(aid: Uint8Array, label: string, path: Uint8Array): Uint8Array {
  return encodeTlv(
    TAG_APPLICATION_TEMPLATE,
    encodeTlvs([
      {tag: TAG_APPLICATION_IDENTIFIER, value: aid},
      {tag: TAG_APPLICATION_LABEL, value: new TextEncoder().encode(label)},
      {tag: TAG_PATH, value: path},
    ]),
  );
}

/** EF.ODF: each directory file's path, under its PKCS15Objects choice. */
export function encodeOdf(entries: readonly OdfEntry[]): Uint8Array {
  return concatBytes(entries.map(({type, path}) => contextConstructed(ODF_CHOICE[type], [pathObject(path)])));
}

/** EF.TokenInfo (PKCS#15 v1.1 clause 6.9): version 0, serial number, manufacturer, label [0], token flags. */
export function encodeTokenInfo(info: {
  readonly serialNumber: Uint8Array;
  readonly manufacturer: string;
  readonly label: string;
  readonly flags: readonly TokenFlag[];
}): Uint8Array {
  return der(
    new asn1js.Sequence({
      value: [
        new asn1js.Integer({value: 0}),
        new asn1js.OctetString({valueHex: info.serialNumber}),
        new asn1js.Utf8String({value: info.manufacturer}),
        contextPrimitive(0, new TextEncoder().encode(info.label)),
        bitString(info.flags.map((flag) => TOKEN_FLAG_BITS[flag])),
      ],
    }),
  );
}

/** EF.AODF: a PIN authentication object (PKCS#15 v1.1 clause 6.8) for each of `pins`. */
export function encodeAodf(pins: readonly PinObject[]): Uint8Array {
  return concatBytes(
    pins.map((pin) =>
      der(
        new asn1js.Sequence({
          value: [
            commonObjectAttributes(pin.label, pin.objectFlags, pin.pukAuthId),
            new asn1js.Sequence({value: [identifier(pin.authId)]}),
            new asn1js.Constructed({
              idBlock: {tagClass: 3, tagNumber: 1},
              value: [
                new asn1js.Sequence({
                  value: [
                    bitString(pin.flags.map((flag) => PIN_FLAG_BITS[flag])),
                    new asn1js.Enumerated({value: PIN_TYPE_ASCII_NUMERIC}),
                    new asn1js.Integer({value: pin.minLength}),
                    new asn1js.Integer({value: pin.storedLength}),
                    new asn1js.Integer({value: pin.maxLength}),
                    contextPrimitive(0, positiveInteger(pin.reference)),
                    new asn1js.OctetString({valueHex: Uint8Array.of(pin.padChar)}),
                  ],
                }),
              ],
            }),
          ],
        }),
      ),
    ),
  );
}

/** EF.PrKDF: a private RSA key object (PKCS#15 v1.1 clause 6.4.1) for each of `keys`. */
export function encodePrkdf(keys: readonly PrivateKeyObject[]): Uint8Array {
  return concatBytes(
    keys.map((key) =>
      der(
        new asn1js.Sequence({
          value: [
            commonObjectAttributes(key.label, ['private'], key.authId, key.userConsent),
            new asn1js.Sequence({
              value: [
                identifier(key.id),
                bitString(key.usage.map((usage) => KEY_USAGE_BITS[usage])),
                new asn1js.Boolean({value: true}),
                bitString([...GENERATED_KEY_ACCESS_BITS]),
                new asn1js.Integer({value: key.keyReference}),
              ],
            }),
            new asn1js.Constructed({
              idBlock: {tagClass: 3, tagNumber: 1},
              value: [
                new asn1js.Sequence({
                  value: [pathObject(key.path), new asn1js.Integer({value: key.modulusLength})],
                }),
              ],
            }),
          ],
        }),
      ),
    ),
  );
}

/** EF.CDF: an X.509 certificate object (PKCS#15 v1.1 clause 6.6.1) for each of `certificates`. */
export function encodeCdf(certificates: readonly CertificateObject[]): Uint8Array {
  return concatBytes(
    certificates.map((certificate) =>
      der(
        new asn1js.Sequence({
          value: [
            commonObjectAttributes(certificate.label, []),
            new asn1js.Sequence({
              value: [
                identifier(certificate.id),
                ...(certificate.isAuthority ? [new asn1js.Boolean({value: true})] : []),
              ],
            }),
            new asn1js.Constructed({
              idBlock: {tagClass: 3, tagNumber: 1},
              value: [new asn1js.Sequence({value: [pathObject(certificate.path)]})],
            }),
          ],
        }),
      ),
    ),
  );
}

function commonObjectAttributes(
  label: string,
  flags: readonly ObjectFlag[],
  authId?: number,
  userConsent?: number,
): asn1js.Sequence {
  return new asn1js.Sequence({
    value: [
      new asn1js.Utf8String({value: label}),
      bitString(flags.map((flag) => OBJECT_FLAG_BITS[flag])),
      ...(authId === undefined ? [] : [identifier(authId)]),
      ...(userConsent === undefined ? [] : [new asn1js.Integer({value: userConsent})]),
    ],
  });
}

/** A Path (PKCS#15 v1.1 clause 6.1.5): SEQUENCE { path OCTET STRING }. */
function pathObject(path: Uint8Array): asn1js.Sequence {
  return new asn1js.Sequence({value: [new asn1js.OctetString({valueHex: path})]});
}

/** An Identifier: one byte in an OCTET STRING. */
function identifier(id: number): asn1js.OctetString {
  return new asn1js.OctetString({valueHex: Uint8Array.of(id)});
}

/** A DER BIT STRING with the given bits set (bit 0 is the first bit), trailing zero bits left out. */
function bitString(bits: readonly number[]): asn1js.BitString {
  if (bits.length === 0) return new asn1js.BitString({valueHex: new Uint8Array(), unusedBits: 0});
  const length = Math.max(...bits) + 1;
  const bytes = new Uint8Array(Math.ceil(length / 8));
  for (const bit of bits) bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  return new asn1js.BitString({valueHex: bytes, unusedBits: bytes.length * 8 - length});
}

/** The content octets of a non-negative INTEGER (a leading 00 when the top bit is set). */
function positiveInteger(value: number): Uint8Array {
  const bytes: number[] = [];
  do {
    bytes.unshift(value & 0xff);
    value >>= 8;
  } while (value > 0);
  return Uint8Array.from(bytes[0]! & 0x80 ? [0, ...bytes] : bytes);
}

function contextPrimitive(tagNumber: number, value: Uint8Array): asn1js.Primitive {
  return new asn1js.Primitive({idBlock: {tagClass: 3, tagNumber}, valueHex: value});
}

function contextConstructed(tagNumber: number, value: asn1js.AsnType[]): Uint8Array {
  return der(new asn1js.Constructed({idBlock: {tagClass: 3, tagNumber}, value}));
}

function der(value: asn1js.AsnType): Uint8Array {
  return new Uint8Array(value.toBER(false));
}
