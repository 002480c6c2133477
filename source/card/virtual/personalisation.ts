import {randomBytes} from 'node:crypto';
import {encodeTlvs} from '../../apdu/tlv.js';

/**
 * The data objects an issuer writes when it personalises a card (what yubico-piv-tool's set-chuid and set-ccc
 * write on a YubiKey), as the values that go inside 53: CHUID with a FASC-N, Card Capability Container, and the
 * certificate object. The PIV session's decoders (source/card/piv/objects.ts) read them back.
 */

/** The fields of a FASC-N (TIG SCEPACS), each a string of its fixed number of digits. */
export interface FascnFields {
  /** 4 digits. */
  readonly agencyCode: string;
  /** 4 digits. */
  readonly systemCode: string;
  /** 6 digits. */
  readonly credentialNumber: string;
  /** 1 digit each. */
  readonly credentialSeries: string;
  readonly individualCredentialIssue: string;
  /** 10 digits. */
  readonly personIdentifier: string;
  /** 1 digit. */
  readonly organizationalCategory: string;
  /** 4 digits. */
  readonly organizationalIdentifier: string;
  /** 1 digit. */
  readonly personOrganizationAssociation: string;
}

/** FASC-N characters that are not digits (TIG SCEPACS table 6): start, field and end sentinels. */
const FASCN_START_SENTINEL = 0x0b;
const FASCN_FIELD_SEPARATOR = 0x0d;
const FASCN_END_SENTINEL = 0x0f;
const FASCN_BYTES = 25;
const FASCN_BITS_PER_CHARACTER = 5;
const FASCN_DIGITS: Readonly<Record<keyof FascnFields, number>> = {
  agencyCode: 4,
  systemCode: 4,
  credentialNumber: 6,
  credentialSeries: 1,
  individualCredentialIssue: 1,
  personIdentifier: 10,
  organizationalCategory: 1,
  organizationalIdentifier: 4,
  personOrganizationAssociation: 1,
};

/** CHUID tags (SP 800-73-4 Part 1 table 9). */
const TAG_CHUID_FASCN = 0x30;
const TAG_CHUID_GUID = 0x34;
const TAG_CHUID_EXPIRY = 0x35;
const TAG_CHUID_SIGNATURE = 0x3e;
const TAG_ERROR_DETECTION = 0xfe;
/** Card Capability Container tags (SP 800-73-4 Part 1 table 8). */
const TAG_CCC_CARD_IDENTIFIER = 0xf0;
const TAG_CCC_CONTAINER_VERSION = 0xf1;
const TAG_CCC_GRAMMAR_VERSION = 0xf2;
const TAG_CCC_APPLICATIONS_URL = 0xf3;
const TAG_CCC_PKCS15 = 0xf4;
const TAG_CCC_DATA_MODEL = 0xf5;
const TAG_CCC_ACCESS_CONTROL_RULE_TABLE = 0xf6;
const TAG_CCC_CARD_APDUS = 0xf7;
const TAG_CCC_REDIRECTION = 0xfa;
const TAG_CCC_CAPABILITY_TUPLES = 0xfb;
const TAG_CCC_STATUS_TUPLES = 0xfc;
const TAG_CCC_NEXT_CCC = 0xfd;
/** CCC values yubico-piv-tool writes: GSC-RID, manufacturer, card type; versions 2.1; data model 10 (PIV). */
const CCC_CARD_IDENTIFIER_PREFIX = [0xa0, 0x00, 0x00, 0x01, 0x16, 0xff, 0x02] as const;
const CCC_CARD_IDENTIFIER_RANDOM_BYTES = 14;
const CCC_VERSION_2_1 = 0x21;
const CCC_PKCS15_NONE = 0x00;
const CCC_DATA_MODEL_PIV = 0x10;
/** Certificate object tags (SP 800-73-4 Part 1 table 10); CertInfo 00: not compressed. */
const TAG_CERTIFICATE = 0x70;
const TAG_CERT_INFO = 0x71;
const CERT_INFO_UNCOMPRESSED = 0x00;

/**
 * A 25-byte FASC-N: SS agency FS system FS credential FS CS FS ICI FS PI OC OI POA ES LRC, 40 characters of 5 bits
 * (4 data bits least significant first, then odd parity), packed most significant bit first. Throws a RangeError
 * for a field that is not its number of digits (the profile checks its inputs first).
 */
export function encodeFascn(fields: FascnFields): Uint8Array {
  const digits = (name: keyof FascnFields): number[] => {
    const value = fields[name];
    if (!new RegExp(`^\\d{${FASCN_DIGITS[name]}}$`).test(value))
      throw new RangeError(`FASC-N ${name} must be ${FASCN_DIGITS[name]} digits`);
    return [...value].map(Number);
  };
  const characters = [
    FASCN_START_SENTINEL,
    ...digits('agencyCode'),
    FASCN_FIELD_SEPARATOR,
    ...digits('systemCode'),
    FASCN_FIELD_SEPARATOR,
    ...digits('credentialNumber'),
    FASCN_FIELD_SEPARATOR,
    ...digits('credentialSeries'),
    FASCN_FIELD_SEPARATOR,
    ...digits('individualCredentialIssue'),
    FASCN_FIELD_SEPARATOR,
    ...digits('personIdentifier'),
    ...digits('organizationalCategory'),
    ...digits('organizationalIdentifier'),
    ...digits('personOrganizationAssociation'),
    FASCN_END_SENTINEL,
  ];
  characters.push(characters.reduce((lrc, value) => lrc ^ value, 0));
  const out = new Uint8Array(FASCN_BYTES);
  characters.forEach((value, index) => {
    const bits = [0, 1, 2, 3].map((bit) => (value >> bit) & 1);
    bits.push(bits.reduce((sum, bit) => sum + bit, 0) % 2 === 0 ? 1 : 0);
    bits.forEach((bit, offset) => {
      const position = index * FASCN_BITS_PER_CHARACTER + offset;
      out[position >> 3]! |= bit << (7 - (position & 7));
    });
  });
  return out;
}

/**
 * A CHUID value (SP 800-73-4 Part 1 clause 3.1.2): FASC-N, GUID, expiry YYYYMMDD, an empty issuer signature (as
 * yubico-piv-tool writes it: the card is not a federal PIV card) and the empty error detection code.
 */
export function chuidValue(options: {fascn: Uint8Array; guid: Uint8Array; expiry: Date}): Uint8Array {
  const expiry = options.expiry.toISOString().slice(0, 10).replaceAll('-', '');
  return encodeTlvs([
    {tag: TAG_CHUID_FASCN, value: options.fascn},
    {tag: TAG_CHUID_GUID, value: options.guid},
    {tag: TAG_CHUID_EXPIRY, value: new TextEncoder().encode(expiry)},
    {tag: TAG_CHUID_SIGNATURE, value: new Uint8Array()},
    {tag: TAG_ERROR_DETECTION, value: new Uint8Array()},
  ]);
}

/**
 * A Card Capability Container value (SP 800-73-4 Part 1 clause 3.1.1, table 8) as yubico-piv-tool's set-ccc
 * writes it: card identifier (GSC-RID A0 00 00 01 16, manufacturer FF, card type 02 and 14 random bytes), container
 * version 21, grammar version 21, data model 10, the other elements empty.
 */
export function capabilityContainerValue(): Uint8Array {
  const cardIdentifier = Uint8Array.of(
    ...CCC_CARD_IDENTIFIER_PREFIX,
    ...randomBytes(CCC_CARD_IDENTIFIER_RANDOM_BYTES),
  );
  const empty = new Uint8Array();
  return encodeTlvs([
    {tag: TAG_CCC_CARD_IDENTIFIER, value: cardIdentifier},
    {tag: TAG_CCC_CONTAINER_VERSION, value: Uint8Array.of(CCC_VERSION_2_1)},
    {tag: TAG_CCC_GRAMMAR_VERSION, value: Uint8Array.of(CCC_VERSION_2_1)},
    {tag: TAG_CCC_APPLICATIONS_URL, value: empty},
    {tag: TAG_CCC_PKCS15, value: Uint8Array.of(CCC_PKCS15_NONE)},
    {tag: TAG_CCC_DATA_MODEL, value: Uint8Array.of(CCC_DATA_MODEL_PIV)},
    {tag: TAG_CCC_ACCESS_CONTROL_RULE_TABLE, value: empty},
    {tag: TAG_CCC_CARD_APDUS, value: empty},
    {tag: TAG_CCC_REDIRECTION, value: empty},
    {tag: TAG_CCC_CAPABILITY_TUPLES, value: empty},
    {tag: TAG_CCC_STATUS_TUPLES, value: empty},
    {tag: TAG_CCC_NEXT_CCC, value: empty},
    {tag: TAG_ERROR_DETECTION, value: empty},
  ]);
}

/** A certificate object's value: 70 { DER } 71 01 00 FE 00 (SP 800-73-4 Part 1 table 10). */
export function certificateObjectValue(certificate: Uint8Array): Uint8Array {
  return encodeTlvs([
    {tag: TAG_CERTIFICATE, value: certificate},
    {tag: TAG_CERT_INFO, value: Uint8Array.of(CERT_INFO_UNCOMPRESSED)},
    {tag: TAG_ERROR_DETECTION, value: new Uint8Array()},
  ]);
}
