/**
 * Wire values of the Setec EID applet (SetCOS EID 2.1) as OpenSC 0.23 drives it (card-setcos.c, iso7816.c,
 * pkcs15-pin.c): the ATR of the Telia EID IP5a card, the instructions (ISO/IEC 7816-4, -8, -9) and what is
 * particular to this card (the version data object, the MSE algorithm references, the key generation data).
 */

/**
 * The Telia EID IP5a ATR ("Telia EID IP5a (eID)" in pcsc-tools' smartcard_list.txt): T0 7D gives TA1, TB1, TC1 and
 * 13 historical bytes, no TD1, so T=0 only and no TCK. It is in no OpenSC ATR table: OpenSC's setcos driver
 * recognises the card by GET DATA DF30.
 */
export const TELIA_EID_IP5A_ATR = Uint8Array.of(
  ...[0x3b, 0x7d, 0x96, 0x00, 0x00],
  ...[0x80, 0x31, 0x80, 0x65, 0xb0, 0xa3, 0x11, 0x01, 0xf3, 0x83, 0x00, 0x90, 0x00],
);

/** Instructions (ISO/IEC 7816-4 clause 11, 7816-8, 7816-9). */
export const INS_SELECT = 0xa4;
export const INS_READ_BINARY = 0xb0;
export const INS_UPDATE_BINARY = 0xd6;
export const INS_CREATE_FILE = 0xe0;
export const INS_DELETE_FILE = 0xe4;
export const INS_ACTIVATE_FILE = 0x44;
export const INS_VERIFY = 0x20;
export const INS_CHANGE_REFERENCE_DATA = 0x24;
export const INS_RESET_RETRY_COUNTER = 0x2c;
export const INS_MANAGE_SECURITY_ENVIRONMENT = 0x22;
export const INS_PERFORM_SECURITY_OPERATION = 0x2a;
export const INS_GENERATE_KEY_PAIR = 0x46;
export const INS_GET_DATA = 0xca;
export const INS_GET_CHALLENGE = 0x84;

/** GET DATA P1 P2 of the EID applet's version (card-setcos.c setcos_match_card): 5 bytes, "v2.1" and one more. */
export const DATA_OBJECT_VERSION = 0xdf30;
/** The version answer: "v2.1" makes OpenSC's type SETCOS_EID_V2_1; the fifth byte's value on real cards is unknown. */
export const EID_VERSION = Uint8Array.of(0x76, 0x32, 0x2e, 0x31, 0x00);
/** GET DATA P1 P2 of the selected key file's public key (card-setcos.c SETCOS_GETDATA): modulus bits (2) || modulus. */
export const DATA_OBJECT_PUBLIC_KEY = 0x0101;

/** The PKCS#15 application identifier (PKCS#15 v1.1 clause 5.4.1): RID A0 00 00 00 63, "PKCS-15". */
export const PKCS15_AID = Uint8Array.of(
  0xa0,
  0x00,
  0x00,
  0x00,
  0x63,
  0x50,
  0x4b,
  0x43,
  0x53,
  0x2d,
  0x31,
  0x35,
);

/** The reference data the AODF names: the Legitimering and Underskrift PINs and their shared PUK. */
export const PIN_REFERENCE_AUTHENTICATION = 0x81;
export const PIN_REFERENCE_SIGNATURE = 0x82;
export const PIN_REFERENCE_PUK = 0x83;
/** Every PIN and the PUK is stored as 8 bytes: the ASCII digits, padded with 00 (the AODF's storedLength, padChar). */
export const REFERENCE_DATA_LENGTH = 8;
export const REFERENCE_DATA_PADDING = 0x00;

/** MANAGE SECURITY ENVIRONMENT P1 P2: SET for computation (41), digital signature template (B6) or confidentiality (B8). */
export const P1_MSE_SET_COMPUTE = 0x41;
export const P2_MSE_DIGITAL_SIGNATURE = 0xb6;
export const P2_MSE_CONFIDENTIALITY = 0xb8;
/** MSE control reference tags (ISO/IEC 7816-8 clause 5.2, table 1): algorithm, file reference, key reference. */
export const TAG_ALGORITHM_REFERENCE = 0x80;
export const TAG_FILE_REFERENCE = 0x81;
export const TAG_KEY_REFERENCE = 0x84;
/**
 * The algorithm references OpenSC sends to SetCOS 4.4 / EID (card-setcos.c setcos_set_security_env): 00 raw RSA on
 * a block of the modulus length, 02 the card adds PKCS#1 v1.5 padding, 12 the card also adds the SHA-1 DigestInfo.
 */
export enum SignatureAlgorithm {
  Raw = 0x00,
  Pkcs1 = 0x02,
  Pkcs1Sha1 = 0x12,
}
/** PSO COMPUTE DIGITAL SIGNATURE P1 P2 (ISO/IEC 7816-8 clause 11.4). */
export const P1P2_COMPUTE_DIGITAL_SIGNATURE = 0x9e9a;

/** GENERATE KEY PAIR data (card-setcos.c setcos_generate_store_key): 92 00, modulus bits (2), exponent bits (2), exponent. */
export const KEY_GENERATION_TAG = 0x92;
/** The public exponent the card generates with: 65537. */
export const PUBLIC_EXPONENT = Uint8Array.of(0x01, 0x00, 0x01);
