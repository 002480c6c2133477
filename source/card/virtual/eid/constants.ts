/**
 * Wire values of the Setec EID applet (SetCOS EID 2.1) as OpenSC 0.23 drives it (card-setcos.c, iso7816.c,
 * pkcs15-pin.c), as the card side needs them: the ATR of the Telia EID IP5a card, the version data object, PIN
 * references, MSE and key generation values. The instruction bytes, the MSE algorithm references and the public
 * exponent are the host side's (source/card/iso7816.ts, source/card/pkcs15/setec-eid.ts): one byte each, one place.
 */

/**
 * The Telia EID IP5a ATR ("Telia EID IP5a (eID)" in pcsc-tools' smartcard_list.txt): T0 7D gives TA1, TB1, TC1 and
 * 13 historical bytes, no TD1, so T=0 only and no TCK. It is in no OpenSC ATR table: OpenSC's setcos driver
 * recognises the card by GET DATA DF30.
 */
export const TELIA_EID_IP5A_ATR = SETEC_EID_ATRS[0]!.atr;

import {SETEC_EID_ATRS} from '../../pkcs15/setec-eid.js';

export * from '../../iso7816.js';
export {RSA_PUBLIC_EXPONENT as PUBLIC_EXPONENT, SignatureAlgorithm} from '../../pkcs15/setec-eid.js';

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
/** PSO COMPUTE DIGITAL SIGNATURE P1 P2 (ISO/IEC 7816-8 clause 11.4). */
export const P1P2_COMPUTE_DIGITAL_SIGNATURE = 0x9e9a;

/** GENERATE KEY PAIR data (card-setcos.c setcos_generate_store_key): 92 00, modulus bits (2), exponent bits (2), exponent. */
export const KEY_GENERATION_TAG = 0x92;

/** The fixture PINs: Legitimering, Underskrift, and the PUK of both. */
export interface EidCardPins {
  readonly authentication: string;
  readonly signature: string;
  readonly puk: string;
}

export const DEFAULT_EID_PINS: EidCardPins = {authentication: '123456', signature: '654321', puk: '12345678'};
