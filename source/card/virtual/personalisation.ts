import {randomBytes} from 'node:crypto';
import {encodeTlvs} from '../../apdu/tlv.js';
import {TAG_ERROR_DETECTION} from '../piv/constants.js';

/**
 * The Card Capability Container an issuer writes when it personalises a card (what yubico-piv-tool's set-ccc
 * writes on a YubiKey), as the value that goes inside 53. The CHUID with its FASC-N and the certificate objects
 * come from the PIV codecs (source/card/piv/objects.ts), which also read them back.
 */

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
