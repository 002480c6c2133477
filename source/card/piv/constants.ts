/**
 * PIV wire values (NIST SP 800-73-4 Parts 1 and 2, SP 800-78-4; YubiKey extensions per Yubico's PIV extensions
 * page and yubikey-manager yubikit/piv.py): the application identifier, instruction bytes, tags, and the enums
 * of slots, algorithms, policies and data objects, with the mappings between them. Shared by the PIV session
 * (host side) and the virtual card (card side). Pure; no I/O.
 */

/** The PIV application identifier: NIST RID A0 00 00 03 08, PIX 00 00 10 00, version 01 00 (SP 800-73-4 Part 1 clause 2.2). */
export const PIV_AID = Uint8Array.of(0xa0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00);
/** The shortest AID prefix a client may select PIV with: the 5-byte RID (yubico-piv-tool, ykman, piv-go). */
export const PIV_AID_MIN_PREFIX = 5;

/** SELECT (ISO/IEC 7816-4 clause 11.1.1; SP 800-73-4 Part 2 clause 3.1.1). */
export const INS_SELECT = 0xa4;
/** GET DATA (SP 800-73-4 Part 2 clause 3.1.2). */
export const INS_GET_DATA = 0xcb;
/** PUT DATA (SP 800-73-4 Part 2 clause 3.3.2). */
export const INS_PUT_DATA = 0xdb;
/** VERIFY (SP 800-73-4 Part 2 clause 3.2.1). */
export const INS_VERIFY = 0x20;
/** CHANGE REFERENCE DATA (SP 800-73-4 Part 2 clause 3.2.2). */
export const INS_CHANGE_REFERENCE_DATA = 0x24;
/** RESET RETRY COUNTER (SP 800-73-4 Part 2 clause 3.2.3). */
export const INS_RESET_RETRY_COUNTER = 0x2c;
/** GENERAL AUTHENTICATE (SP 800-73-4 Part 2 clause 3.2.4). */
export const INS_GENERAL_AUTHENTICATE = 0x87;
/** GENERATE ASYMMETRIC KEY PAIR (SP 800-73-4 Part 2 clause 3.3.3). */
export const INS_GENERATE_ASYMMETRIC = 0x47;
/** GET RESPONSE (ISO/IEC 7816-4 clause 7.6.1). */
export const INS_GET_RESPONSE = 0xc0;
/** YubiKey: set the management key (P1 FF, P2 FF no touch / FE touch). */
export const INS_SET_MANAGEMENT_KEY = 0xff;
/** YubiKey: import a private key (P1 algorithm, P2 slot). */
export const INS_IMPORT_KEY = 0xfe;
/** YubiKey: firmware version, 3 bytes. */
export const INS_GET_VERSION = 0xfd;
/** YubiKey: reset the PIV application (only with PIN and PUK blocked). */
export const INS_RESET = 0xfb;
/** YubiKey: set PIN (P1) and PUK (P2) retries. */
export const INS_SET_PIN_RETRIES = 0xfa;
/** YubiKey: attestation certificate of a generated key (P1 slot). */
export const INS_ATTEST = 0xf9;
/** YubiKey: serial number, 4 bytes big-endian (firmware 5.0+). */
export const INS_GET_SERIAL = 0xf8;
/** YubiKey: metadata of a key or PIN reference (P2), firmware 5.3+. */
export const INS_GET_METADATA = 0xf7;
/** YubiKey: move (P1 destination) or delete (P1 FF) the key in slot P2, firmware 5.7+. */
export const INS_MOVE_KEY = 0xf6;

/** P1 P2 of GET DATA and PUT DATA: the current DF (SP 800-73-4 Part 2 clauses 3.1.2, 3.3.2). */
export const P1_DATA = 0x3f;
export const P2_DATA = 0xff;
/** P1 of SELECT by DF name (ISO/IEC 7816-4 clause 11.1.1, table 39). */
export const P1_SELECT_BY_NAME = 0x04;
/** P1 of VERIFY that resets the verified state of the PIN (SP 800-73-4 Part 2 clause 3.2.1). */
export const P1_VERIFY_LOGOUT = 0xff;
/** P1 of MOVE KEY that deletes the key instead (YubiKey 5.7). */
export const P1_MOVE_KEY_DELETE = 0xff;
/** P1 P2 of SET MANAGEMENT KEY: P2 FE requires touch, FF does not (YubiKey). */
export const P1_SET_MANAGEMENT_KEY = 0xff;
export const P2_SET_MANAGEMENT_KEY_NO_TOUCH = 0xff;
export const P2_SET_MANAGEMENT_KEY_TOUCH = 0xfe;

/** Application property template of the SELECT answer (SP 800-73-4 Part 2 clause 3.1.1, table 3). */
export const TAG_APPLICATION_PROPERTY_TEMPLATE = 0x61;
/** Application identifier inside the APT and the Discovery object. */
export const TAG_AID = 0x4f;
/** Coexistent tag allocation authority template of the APT. */
export const TAG_ALLOCATION_AUTHORITY = 0x79;
/** PIN usage policy inside the Discovery object, 2 bytes (SP 800-73-4 Part 1 clause 3.3.2, table 18). */
export const TAG_PIN_USAGE_POLICY = 0x5f2f;
/** First PIN usage policy byte: the PIV Card Application PIN satisfies the PIV access rules (bit 7). */
export const PIN_USAGE_POLICY_PIV_PIN = 0x40;
/** Error detection code, last in every PIV data object and always empty (SP 800-73-4 Part 1 tables 8 to 10). */
export const TAG_ERROR_DETECTION = 0xfe;
/** Tag list of GET DATA (SP 800-73-4 Part 2 clause 3.1.2). */
export const TAG_OBJECT_ID = 0x5c;
/** Data field of a PIV data object on GET DATA / PUT DATA (SP 800-73-4 Part 2 clause 3.1.2). */
export const TAG_DATA = 0x53;
/** Dynamic authentication template of GENERAL AUTHENTICATE (SP 800-73-4 Part 2 table 7). */
export const TAG_DYNAMIC_AUTHENTICATION = 0x7c;
/** 7C elements: witness, challenge, response, exponentiation (SP 800-73-4 Part 2 table 7). */
export const TAG_AUTH_WITNESS = 0x80;
export const TAG_AUTH_CHALLENGE = 0x81;
export const TAG_AUTH_RESPONSE = 0x82;
export const TAG_AUTH_EXPONENTIATION = 0x85;
/** Control reference template of GENERATE (SP 800-73-4 Part 2 table 12) and its algorithm element. */
export const TAG_GENERATE_TEMPLATE = 0xac;
export const TAG_GENERATE_ALGORITHM = 0x80;
/** YubiKey: PIN and touch policy elements of GENERATE and IMPORT. */
export const TAG_PIN_POLICY = 0xaa;
export const TAG_TOUCH_POLICY = 0xab;
/** Public key template of the GENERATE answer (SP 800-73-4 Part 2 table 14) and its elements. */
export const TAG_PUBLIC_KEY_TEMPLATE = 0x7f49;
export const TAG_RSA_MODULUS = 0x81;
export const TAG_RSA_EXPONENT = 0x82;
export const TAG_EC_POINT = 0x86;
/** YubiKey IMPORT KEY elements: RSA CRT parts and the EC / Ed25519 private value. */
export const TAG_IMPORT_RSA_P = 0x01;
export const TAG_IMPORT_RSA_Q = 0x02;
export const TAG_IMPORT_RSA_DP = 0x03;
export const TAG_IMPORT_RSA_DQ = 0x04;
export const TAG_IMPORT_RSA_QINV = 0x05;
export const TAG_IMPORT_EC_PRIVATE = 0x06;
export const TAG_IMPORT_ED25519_PRIVATE = 0x07;
export const TAG_IMPORT_X25519_PRIVATE = 0x08;
/** YubiKey GET METADATA elements. */
export const TAG_METADATA_ALGORITHM = 0x01;
export const TAG_METADATA_POLICY = 0x02;
export const TAG_METADATA_ORIGIN = 0x03;
export const TAG_METADATA_PUBLIC_KEY = 0x04;
export const TAG_METADATA_IS_DEFAULT = 0x05;
export const TAG_METADATA_RETRIES = 0x06;
/** The algorithm byte GET METADATA reports for PIN and PUK. */
export const METADATA_ALGORITHM_PIN = 0xff;
/** Management key element of SET MANAGEMENT KEY: 9B L key (YubiKey). */
export const TAG_SET_MANAGEMENT_KEY = 0x9b;

/**
 * Key references (SP 800-73-4 Part 1 table 4b; YubiKey F9). `Slot[0x9a]` gives the name, for logs.
 * Retired key management slots 82..95 hold earlier key management keys; this tool uses them for extra keys.
 */
export enum Slot {
  Authentication = 0x9a,
  CardManagement = 0x9b,
  Signature = 0x9c,
  KeyManagement = 0x9d,
  CardAuthentication = 0x9e,
  Retired1 = 0x82,
  Retired2 = 0x83,
  Retired3 = 0x84,
  Retired4 = 0x85,
  Retired5 = 0x86,
  Retired6 = 0x87,
  Retired7 = 0x88,
  Retired8 = 0x89,
  Retired9 = 0x8a,
  Retired10 = 0x8b,
  Retired11 = 0x8c,
  Retired12 = 0x8d,
  Retired13 = 0x8e,
  Retired14 = 0x8f,
  Retired15 = 0x90,
  Retired16 = 0x91,
  Retired17 = 0x92,
  Retired18 = 0x93,
  Retired19 = 0x94,
  Retired20 = 0x95,
  /** YubiKey attestation key (signs attestation certificates). */
  Attestation = 0xf9,
}

/** The first and last retired key management slot. */
export const RETIRED_SLOT_FIRST = Slot.Retired1;
export const RETIRED_SLOT_LAST = Slot.Retired20;

/** Whether `slot` is a key slot holding an asymmetric key and certificate: 9A, 9C, 9D, 9E or 82..95. */
export function isAsymmetricSlot(slot: number): slot is Slot {
  return (
    slot === Slot.Authentication ||
    slot === Slot.Signature ||
    slot === Slot.KeyManagement ||
    slot === Slot.CardAuthentication ||
    (slot >= RETIRED_SLOT_FIRST && slot <= RETIRED_SLOT_LAST)
  );
}

/** PIN references (SP 800-73-4 Part 1 table 4b). */
export enum PinReference {
  GlobalPin = 0x00,
  Pin = 0x80,
  Puk = 0x81,
}

/**
 * Algorithm identifiers (SP 800-78-4 table 6-2; YubiKey 5.7 for RSA 3072/4096, Ed25519, X25519).
 * 0x00 is also accepted by cards for 3DES (OpenSC sends it).
 */
export enum Algorithm {
  TripleDes = 0x03,
  Aes128 = 0x08,
  Aes192 = 0x0a,
  Aes256 = 0x0c,
  Rsa1024 = 0x06,
  Rsa2048 = 0x07,
  Rsa3072 = 0x05,
  Rsa4096 = 0x16,
  EccP256 = 0x11,
  EccP384 = 0x14,
  Ed25519 = 0xe0,
  X25519 = 0xe1,
}

/** The algorithm id that OpenSC sends for the 3DES management key (PivApplet maps it to {@link Algorithm.TripleDes}). */
export const ALGORITHM_TRIPLE_DES_LEGACY = 0x00;

/** YubiKey PIN policy of a key (GENERATE / IMPORT tag AA). */
export enum PinPolicy {
  Default = 0x00,
  Never = 0x01,
  Once = 0x02,
  Always = 0x03,
}

/** YubiKey touch policy of a key (GENERATE / IMPORT tag AB) or the management key (SET MANAGEMENT KEY P2). */
export enum TouchPolicy {
  Default = 0x00,
  Never = 0x01,
  Always = 0x02,
  Cached = 0x03,
}

/** YubiKey GET METADATA origin of a key (tag 03). */
export enum KeyOrigin {
  Generated = 0x01,
  Imported = 0x02,
}

/**
 * Data object identifiers (SP 800-73-4 Part 1 table 3; YubiKey vendor objects 5FFFxx). Discovery and the
 * biometric group template have short tags; every other object is 5FC1xx or 5FFFxx.
 */
export enum ObjectId {
  CardCapabilityContainer = 0x5fc107,
  Chuid = 0x5fc102,
  AuthenticationCertificate = 0x5fc105,
  Fingerprints = 0x5fc103,
  SecurityObject = 0x5fc106,
  FacialImage = 0x5fc108,
  PrintedInformation = 0x5fc109,
  SignatureCertificate = 0x5fc10a,
  KeyManagementCertificate = 0x5fc10b,
  CardAuthenticationCertificate = 0x5fc101,
  KeyHistory = 0x5fc10c,
  Retired1Certificate = 0x5fc10d,
  Retired2Certificate = 0x5fc10e,
  Retired3Certificate = 0x5fc10f,
  Retired4Certificate = 0x5fc110,
  Retired5Certificate = 0x5fc111,
  Retired6Certificate = 0x5fc112,
  Retired7Certificate = 0x5fc113,
  Retired8Certificate = 0x5fc114,
  Retired9Certificate = 0x5fc115,
  Retired10Certificate = 0x5fc116,
  Retired11Certificate = 0x5fc117,
  Retired12Certificate = 0x5fc118,
  Retired13Certificate = 0x5fc119,
  Retired14Certificate = 0x5fc11a,
  Retired15Certificate = 0x5fc11b,
  Retired16Certificate = 0x5fc11c,
  Retired17Certificate = 0x5fc11d,
  Retired18Certificate = 0x5fc11e,
  Retired19Certificate = 0x5fc11f,
  Retired20Certificate = 0x5fc120,
  Iris = 0x5fc121,
  Discovery = 0x7e,
  BiometricGroupTemplate = 0x7f61,
  /** YubiKey: PIN-protected admin data (ykman's protected management key flag). */
  AdminData = 0x5fff00,
  /** YubiKey: the attestation certificate of slot F9. */
  Attestation = 0x5fff01,
  /** YubiKey / Microsoft minidriver: container map file and root certificates. */
  MsCmapFile = 0x5fff10,
  MsRoots1 = 0x5fff11,
  MsRoots2 = 0x5fff12,
  MsRoots3 = 0x5fff13,
  MsRoots4 = 0x5fff14,
  MsRoots5 = 0x5fff15,
}

/**
 * The certificate object of each key slot: 9A, 9C, 9D, 9E, F9 (YubiKey) and retired 82..95 in order (SP 800-73-4
 * Part 1 table 4b). Throws a RangeError for 9B, which holds no certificate: a programming error, not a card state.
 */
export function objectIdForSlot(slot: Slot): ObjectId {
  switch (slot) {
    case Slot.Authentication:
      return ObjectId.AuthenticationCertificate;
    case Slot.Signature:
      return ObjectId.SignatureCertificate;
    case Slot.KeyManagement:
      return ObjectId.KeyManagementCertificate;
    case Slot.CardAuthentication:
      return ObjectId.CardAuthenticationCertificate;
    case Slot.Attestation:
      return ObjectId.Attestation;
    default:
      if (slot >= RETIRED_SLOT_FIRST && slot <= RETIRED_SLOT_LAST)
        return ObjectId.Retired1Certificate + (slot - RETIRED_SLOT_FIRST);
      throw new RangeError(`slot ${Slot[slot] ?? slot} holds no certificate`);
  }
}

/** The encoded tag bytes of an object id as sent in the 5C tag list: 5FC105 -> [5F C1 05], 7E -> [7E]. */
export function objectIdBytes(id: ObjectId | number): Uint8Array {
  if (id <= 0xff) return Uint8Array.of(id);
  if (id <= 0xffff) return Uint8Array.of(id >> 8, id & 0xff);
  return Uint8Array.of(id >> 16, (id >> 8) & 0xff, id & 0xff);
}
