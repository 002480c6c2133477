import {gunzipSync, gzipSync} from 'node:zlib';
import {
  concatBytes,
  decodeTlvAt,
  decodeTlvs,
  encodeTlv,
  encodeTlvs,
  findTlv,
  type Tlv,
} from '../../apdu/tlv.js';
import {TlvError} from '../../apdu/errors.js';
import {CardDataError} from '../errors.js';
import {
  ObjectId,
  objectIdBytes,
  TAG_AID,
  TAG_APPLICATION_PROPERTY_TEMPLATE,
  TAG_DATA,
  PIN_USAGE_POLICY_PIV_PIN,
  TAG_ERROR_DETECTION,
  TAG_OBJECT_ID,
  TAG_PIN_USAGE_POLICY,
} from './constants.js';

/**
 * The PIV data objects the session reads and writes (and the virtual card is personalised with), as pure
 * codecs (no I/O): certificate objects, CHUID with its FASC-N, Key History, Discovery and the SELECT answer.
 * Decoders are lenient where cards in the field differ (docs/piv-card.md section 2) and throw CardDataError
 * (`card-data-malformed`) where nothing sensible can be read.
 */

/** Certificate (SP 800-73-4 Part 1 table 10). */
const TAG_CERTIFICATE = 0x70;
/** CertInfo: bit 0 set = the certificate is gzip-compressed (SP 800-73-4 Part 1 table 10). */
const TAG_CERT_INFO = 0x71;
/**
 * CertInfo values: uncompressed, gzip. OpenSC also reads bit 0x80 as compressed (docs/piv-card.md section 2).
 */
const CERT_INFO_UNCOMPRESSED = 0x00;
const CERT_INFO_GZIP = 0x01;
const CERT_INFO_COMPRESSED_MASK = 0x81;
/** First byte of a DER SEQUENCE (a certificate) and the gzip magic number (RFC 1952 section 2.3.1). */
const DER_SEQUENCE = 0x30;
const GZIP_MAGIC = [0x1f, 0x8b] as const;
/**
 * The largest certificate we inflate: PIV objects are at most 65,279 bytes, plus room
 * (docs/piv-card.md section 7).
 */
const MAX_INFLATED_LENGTH = 0x2_0000;

/** CHUID tags (SP 800-73-4 Part 1 table 9). */
const TAG_CHUID_FASCN = 0x30;
const TAG_CHUID_ORGANIZATION_ID = 0x32;
const TAG_CHUID_GUID = 0x34;
const TAG_CHUID_EXPIRY = 0x35;
const TAG_CHUID_CARDHOLDER_UUID = 0x36;
const TAG_CHUID_SIGNATURE = 0x3e;

/** Key History tags (SP 800-73-4 Part 1 table 19). */
const TAG_KEYS_WITH_ON_CARD_CERTS = 0xc1;
const TAG_KEYS_WITH_OFF_CARD_CERTS = 0xc2;
const TAG_OFF_CARD_CERT_URL = 0xf3;

/** Discovery object tags (SP 800-73-4 Part 1 table 18): the object itself; its AID is TAG_AID, its policy TAG_PIN_USAGE_POLICY. */
const TAG_DISCOVERY = ObjectId.Discovery;

/** Elements of the SELECT answer's application property template (SP 800-73-4 Part 2 clause 3.1.1, table 3). */
const TAG_APPLICATION_LABEL = 0x50;
const TAG_ALGORITHMS = 0xac;
const TAG_ALGORITHM_ID = 0x80;

/** A certificate as read from a certificate object, with how it was stored. */
export interface StoredCertificate {
  /** The certificate, DER (inflated when it was stored compressed). */
  readonly certificate: Uint8Array;
  /** Stored gzip-compressed (CertInfo 01, or a bare gzip stream). */
  readonly isCompressed: boolean;
  /** Stored in the standard form 70 { cert } 71 { CertInfo } FE; false for a raw certificate without the 70 wrapper. */
  readonly isWrapped: boolean;
}

/**
 * The value of a GET DATA answer: the contents of its 53 wrapper, or the whole answer when a card sends it
 * without one (then it is taken as the object itself, as yubico-piv-tool does). An empty answer is empty.
 */
export function unwrapDataObject(response: Uint8Array): Uint8Array {
  if (response.length === 0 || response[0] !== TAG_DATA) return response;
  try {
    const {tlv, next} = decodeTlvAt(response, 0);
    return next === response.length ? tlv.value : response;
  } catch {
    return response;
  }
}

/**
 * Reads a certificate object's value (inside 53): the standard 70/71/FE form, CertInfo gzip (01, or 0x80 as
 * OpenSC reads it), a raw DER certificate without the 70 wrapper, or a bare gzip stream. An empty value (53 00)
 * is no certificate: undefined. Throws CardDataError when the value is none of these or does not inflate.
 */
export function decodeCertificateObject(value: Uint8Array): StoredCertificate | undefined {
  if (value.length === 0) return undefined;
  const items = tryDecodeTlvs(value);
  const wrapped = items && findTlv(items, TAG_CERTIFICATE);
  if (items && wrapped !== undefined) {
    if (wrapped.length === 0) return undefined;
    const certInfo = findTlv(items, TAG_CERT_INFO)?.[0] ?? CERT_INFO_UNCOMPRESSED;
    const isCompressed = (certInfo & CERT_INFO_COMPRESSED_MASK) !== 0 || isGzip(wrapped);
    return {certificate: isCompressed ? inflate(wrapped) : wrapped, isCompressed, isWrapped: true};
  }
  if (isGzip(value)) return {certificate: inflate(value), isCompressed: true, isWrapped: false};
  if (value[0] === DER_SEQUENCE)
    return {certificate: certificateAtStart(value), isCompressed: false, isWrapped: false};
  throw new CardDataError('the certificate object holds neither a 70 certificate nor a DER certificate');
}

/**
 * The value of a certificate object (to go inside 53): 70 { DER or gzip } 71 01 { CertInfo } FE 00, as
 * SP 800-73-4 Part 1 table 10 and every PIV reader expect. `isCompressed` stores it gzip-compressed (CertInfo 01).
 */
export function encodeCertificateObject(certificate: Uint8Array, isCompressed = false): Uint8Array {
  const stored = isCompressed ? new Uint8Array(gzipSync(certificate, {level: 9})) : certificate;
  return encodeTlvs([
    {tag: TAG_CERTIFICATE, value: stored},
    {tag: TAG_CERT_INFO, value: Uint8Array.of(isCompressed ? CERT_INFO_GZIP : CERT_INFO_UNCOMPRESSED)},
    {tag: TAG_ERROR_DETECTION, value: new Uint8Array()},
  ]);
}

/** The Card Holder Unique Identifier's fields we read (SP 800-73-4 Part 1 clause 3.1.2, table 9). */
export interface Chuid {
  /** FASC-N, 25 bytes, undecoded: see {@link decodeFascn}. */
  readonly fascn?: Uint8Array;
  /** Organizational identifier (4 bytes) when present. */
  readonly organizationId?: Uint8Array;
  /** GUID, 16 bytes (a card UUID, or all zero when not used). */
  readonly guid?: Uint8Array;
  /** Expiration date as written: YYYYMMDD. */
  readonly expiry?: string;
  /** Cardholder UUID, 16 bytes, when present. */
  readonly cardholderUuid?: Uint8Array;
}

/** Decodes a CHUID object's value (inside 53). Throws CardDataError when its TLVs do not parse. */
export function decodeChuid(value: Uint8Array): Chuid {
  const items = decodeOrThrow(value, 'CHUID');
  const expiry = findTlv(items, TAG_CHUID_EXPIRY);
  return {
    fascn: findTlv(items, TAG_CHUID_FASCN),
    organizationId: findTlv(items, TAG_CHUID_ORGANIZATION_ID),
    guid: findTlv(items, TAG_CHUID_GUID),
    expiry: expiry && new TextDecoder('latin1').decode(expiry),
    cardholderUuid: findTlv(items, TAG_CHUID_CARDHOLDER_UUID),
  };
}

/**
 * A CHUID value (SP 800-73-4 Part 1 clause 3.1.2, to go inside 53): FASC-N, GUID, expiry YYYYMMDD, an empty
 * issuer signature (as yubico-piv-tool writes it: the card is not a federal PIV card) and the empty error
 * detection code.
 */
export function encodeChuid(options: {fascn: Uint8Array; guid: Uint8Array; expiry: Date}): Uint8Array {
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
 * The fields of a Federal Agency Smart Credential Number (TIG SCEPACS, as referenced by SP 800-73-4 Part 1
 * clause 3.1.2): digits as strings, leading zeros kept.
 */
export interface Fascn {
  readonly agencyCode: string;
  readonly systemCode: string;
  readonly credentialNumber: string;
  readonly credentialSeries: string;
  readonly individualCredentialIssue: string;
  readonly personIdentifier: string;
  readonly organizationalCategory: string;
  readonly organizationalIdentifier: string;
  readonly personOrganizationAssociation: string;
}

/** FASC-N characters that are not digits (TIG SCEPACS table 6): start, field and end sentinels. */
const FASCN_START_SENTINEL = 0x0b;
const FASCN_FIELD_SEPARATOR = 0x0d;
const FASCN_END_SENTINEL = 0x0f;
const FASCN_BYTES = 25;
const FASCN_CHARACTERS = 40;
/** A character's bits: 4 data bits, least significant first, then an odd parity bit. */
const FASCN_BITS_PER_CHARACTER = 5;
const FASCN_DATA_BITS = 4;
/** The layout after the start sentinel: each field's digit count and whether a field separator ends it. */
const FASCN_LAYOUT: ReadonlyArray<readonly [keyof Fascn, number, boolean]> = [
  ['agencyCode', 4, true],
  ['systemCode', 4, true],
  ['credentialNumber', 6, true],
  ['credentialSeries', 1, true],
  ['individualCredentialIssue', 1, true],
  ['personIdentifier', 10, false],
  ['organizationalCategory', 1, false],
  ['organizationalIdentifier', 4, false],
  ['personOrganizationAssociation', 1, false],
];

/**
 * Decodes a 25-byte FASC-N: 40 characters of 5 bits (4 data bits least significant first, then an odd parity
 * bit), packed most significant bit first: SS agency FS system FS credential FS CS FS ICI FS PI OC OI POA ES LRC.
 * Throws CardDataError on a wrong length, a parity error, a misplaced sentinel or a wrong LRC.
 */
export function decodeFascn(bytes: Uint8Array): Fascn {
  if (bytes.length !== FASCN_BYTES)
    throw new CardDataError(`a FASC-N is ${FASCN_BYTES} bytes, not ${bytes.length}`);
  const characters: number[] = [];
  for (let index = 0; index < FASCN_CHARACTERS; index++) {
    let value = 0;
    let ones = 0;
    for (let bit = 0; bit < FASCN_BITS_PER_CHARACTER; bit++) {
      const position = index * FASCN_BITS_PER_CHARACTER + bit;
      const isSet = (bytes[position >> 3]! >> (7 - (position & 7))) & 1;
      ones += isSet;
      if (bit < FASCN_DATA_BITS) value |= isSet << bit;
    }
    if (ones % 2 !== 1) throw new CardDataError(`FASC-N character ${index} fails its parity check`);
    characters.push(value);
  }
  const lrc = characters.slice(0, -1).reduce((sum, value) => sum ^ value, 0);
  if (lrc !== characters[FASCN_CHARACTERS - 1]) throw new CardDataError('FASC-N LRC does not match');
  let cursor = 0;
  const expect = (value: number, what: string) => {
    if (characters[cursor++] !== value)
      throw new CardDataError(`FASC-N ${what} missing at character ${cursor - 1}`);
  };
  expect(FASCN_START_SENTINEL, 'start sentinel');
  const fields: Partial<Record<keyof Fascn, string>> = {};
  for (const [name, digits, hasSeparator] of FASCN_LAYOUT) {
    const field = characters.slice(cursor, cursor + digits);
    if (field.some((value) => value > 9)) throw new CardDataError(`FASC-N ${name} is not all digits`);
    fields[name] = field.join('');
    cursor += digits;
    if (hasSeparator) expect(FASCN_FIELD_SEPARATOR, 'field separator');
  }
  expect(FASCN_END_SENTINEL, 'end sentinel');
  return fields as Fascn;
}

/**
 * Encodes a 25-byte FASC-N in the layout {@link decodeFascn} reads: SS agency FS system FS credential FS CS FS ICI
 * FS PI OC OI POA ES LRC, each character 4 data bits least significant first and an odd parity bit, packed most
 * significant bit first. Throws a RangeError for a field that is not its number of digits (callers check their
 * inputs first).
 */
export function encodeFascn(fields: Fascn): Uint8Array {
  const characters = [FASCN_START_SENTINEL];
  for (const [name, digits, hasSeparator] of FASCN_LAYOUT) {
    const value = fields[name];
    if (!new RegExp(`^\\d{${digits}}$`).test(value))
      throw new RangeError(`FASC-N ${name} must be ${digits} digits`);
    characters.push(...[...value].map(Number));
    if (hasSeparator) characters.push(FASCN_FIELD_SEPARATOR);
  }
  characters.push(FASCN_END_SENTINEL);
  characters.push(characters.reduce((lrc, value) => lrc ^ value, 0));
  const out = new Uint8Array(FASCN_BYTES);
  characters.forEach((value, index) => {
    const bits = Array.from({length: FASCN_DATA_BITS}, (_, bit) => (value >> bit) & 1);
    bits.push(bits.reduce((sum, bit) => sum + bit, 0) % 2 === 0 ? 1 : 0);
    bits.forEach((bit, offset) => {
      const position = index * FASCN_BITS_PER_CHARACTER + offset;
      out[position >> 3]! |= bit << (7 - (position & 7));
    });
  });
  return out;
}

/** The Key History object (SP 800-73-4 Part 1 clause 3.3.3, table 19). */
export interface KeyHistory {
  /** keysWithOnCardCerts: retired keys 82.. whose certificates are on the card (OpenSC reads 82 up to this count). */
  readonly onCardCertificates: number;
  /** keysWithOffCardCerts: retired keys whose certificates are only at `offCardCertificateUrl`. */
  readonly offCardCertificates: number;
  readonly offCardCertificateUrl?: Uint8Array;
}

/** Decodes a Key History value (inside 53); absent counts are 0. Throws CardDataError when it does not parse. */
export function decodeKeyHistory(value: Uint8Array): KeyHistory {
  const items = decodeOrThrow(value, 'Key History');
  return {
    onCardCertificates: findTlv(items, TAG_KEYS_WITH_ON_CARD_CERTS)?.[0] ?? 0,
    offCardCertificates: findTlv(items, TAG_KEYS_WITH_OFF_CARD_CERTS)?.[0] ?? 0,
    offCardCertificateUrl: findTlv(items, TAG_OFF_CARD_CERT_URL),
  };
}

/** Encodes a Key History value (to go inside 53): C1, C2, F3 when there is a URL, FE. */
export function encodeKeyHistory(history: KeyHistory): Uint8Array {
  const items: Tlv[] = [
    {tag: TAG_KEYS_WITH_ON_CARD_CERTS, value: Uint8Array.of(history.onCardCertificates)},
    {tag: TAG_KEYS_WITH_OFF_CARD_CERTS, value: Uint8Array.of(history.offCardCertificates)},
  ];
  if (history.offCardCertificateUrl)
    items.push({tag: TAG_OFF_CARD_CERT_URL, value: history.offCardCertificateUrl});
  items.push({tag: TAG_ERROR_DETECTION, value: new Uint8Array()});
  return encodeTlvs(items);
}

/** The Discovery object (SP 800-73-4 Part 1 clause 3.3.2, table 18). */
export interface Discovery {
  /** The PIV AID the card reports. */
  readonly aid: Uint8Array;
  /** The PIN usage policy, 2 bytes: the first says which PINs satisfy PIV access rules, the second which is primary. */
  readonly pinUsagePolicy: Uint8Array;
  /** The PIV Card Application PIN satisfies the PIV access rules (first byte bit 7). */
  readonly hasPivPin: boolean;
  /** The Global PIN satisfies them too (first byte bit 6). */
  readonly hasGlobalPin: boolean;
  /** The Global PIN is the primary PIN (second byte 0x20). */
  readonly isGlobalPinPrimary: boolean;
}

/** PIN usage policy bits (SP 800-73-4 Part 1 clause 3.3.2); PIV PIN is PIN_USAGE_POLICY_PIV_PIN. */
const POLICY_GLOBAL_PIN = 0x20;
const POLICY_GLOBAL_PIN_PRIMARY = 0x20;

/** Decodes a Discovery answer (7E L { 4F AID, 5F2F policy }, sent bare). Throws CardDataError when it does not parse. */
export function decodeDiscovery(response: Uint8Array): Discovery {
  let value: Uint8Array;
  try {
    const {tlv, next} = decodeTlvAt(response, 0);
    if (next !== response.length || (tlv.tag !== TAG_DISCOVERY && tlv.tag !== TAG_DATA))
      throw new TlvError('not a Discovery object', 0);
    value = tlv.value;
  } catch (error) {
    throw new CardDataError('the Discovery object does not parse', {cause: error});
  }
  const items = decodeOrThrow(value, 'Discovery');
  const policy = findTlv(items, TAG_PIN_USAGE_POLICY) ?? new Uint8Array(2);
  return {
    aid: findTlv(items, TAG_AID) ?? new Uint8Array(),
    pinUsagePolicy: policy,
    hasPivPin: ((policy[0] ?? 0) & PIN_USAGE_POLICY_PIV_PIN) !== 0,
    hasGlobalPin: ((policy[0] ?? 0) & POLICY_GLOBAL_PIN) !== 0,
    isGlobalPinPrimary: (policy[1] ?? 0) === POLICY_GLOBAL_PIN_PRIMARY,
  };
}

/** What the SELECT answer says about the application (SP 800-73-4 Part 2 clause 3.1.1). */
export interface ApplicationProperties {
  /** The AID or PIX with version (4F). */
  readonly aid: Uint8Array;
  /** The application label (50) when given. */
  readonly label?: string;
  /** Algorithm identifiers the card lists (AC { 80 .. }); empty when it lists none. */
  readonly algorithms: readonly number[];
}

/** Decodes the SELECT answer (61 { 4F, 79, 50, AC, .. }). An empty answer gives empty properties. Throws CardDataError otherwise. */
export function decodeApplicationProperties(response: Uint8Array): ApplicationProperties {
  if (response.length === 0) return {aid: new Uint8Array(), algorithms: []};
  const outer = decodeOrThrow(response, 'SELECT answer');
  const items = decodeOrThrow(findTlv(outer, TAG_APPLICATION_PROPERTY_TEMPLATE) ?? response, 'SELECT answer');
  const label = findTlv(items, TAG_APPLICATION_LABEL);
  const algorithms = findTlv(items, TAG_ALGORITHMS);
  return {
    aid: findTlv(items, TAG_AID) ?? new Uint8Array(),
    label: label && new TextDecoder('latin1').decode(label),
    algorithms: algorithms
      ? decodeOrThrow(algorithms, 'SELECT algorithms')
          .filter((item) => item.tag === TAG_ALGORITHM_ID && item.value.length === 1)
          .map((item) => item.value[0]!)
      : [],
  };
}

/** GET DATA's command data for an object: 5C { object id } (SP 800-73-4 Part 2 clause 3.1.2). */
export function objectSelector(objectId: ObjectId): Uint8Array {
  return encodeTlv(TAG_OBJECT_ID, objectIdBytes(objectId));
}

/** PUT DATA's command data for an object: 5C { object id } 53 { value } (SP 800-73-4 Part 2 clause 3.3.2). */
export function putDataBody(objectId: ObjectId, value: Uint8Array): Uint8Array {
  return concatBytes([objectSelector(objectId), encodeTlv(TAG_DATA, value)]);
}

function tryDecodeTlvs(bytes: Uint8Array): Tlv[] | undefined {
  try {
    return decodeTlvs(bytes);
  } catch {
    return undefined;
  }
}

function decodeOrThrow(bytes: Uint8Array, what: string): Tlv[] {
  try {
    return decodeTlvs(bytes);
  } catch (error) {
    throw new CardDataError(`the ${what} does not parse`, {cause: error});
  }
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
}

function inflate(bytes: Uint8Array): Uint8Array {
  try {
    return new Uint8Array(gunzipSync(bytes, {maxOutputLength: MAX_INFLATED_LENGTH}));
  } catch (error) {
    throw new CardDataError('the compressed certificate does not inflate', {cause: error});
  }
}

/** A raw certificate may be followed by padding or trailing TLVs: keep the DER SEQUENCE only. */
function certificateAtStart(value: Uint8Array): Uint8Array {
  try {
    const {next} = decodeTlvAt(value, 0);
    return value.subarray(0, next);
  } catch (error) {
    throw new CardDataError('the raw certificate does not parse as DER', {cause: error});
  }
}
