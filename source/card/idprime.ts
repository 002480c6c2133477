import {ApduProtocol} from '../apdu/protocol.js';
import {StatusWord} from '../apdu/status-word.js';
import type {Transport} from '../apdu/transports/transport.js';

/**
 * The new SITHS eID cards (issued from 2020): Thales IDPrime cards, which need no upgrade. Recognised as OpenSC
 * 0.23's card-idprime.c (idprime_match_card) recognises them: the ATR under its mask, then the IDPrime
 * application answering SELECT. docs/siths-eid-card.md, "The new SITHS eID cards".
 */

/** The IDPrime ATR and mask of card-idprime.c: bytes 2 and 10 to 13 vary between models (840, 940, 3930...). */
export const IDPRIME_ATR = Uint8Array.of(
  ...[0x3b, 0x7f, 0x96, 0x00, 0x00, 0x80, 0x31, 0x80, 0x65, 0xb0],
  ...[0x84, 0x41, 0x3d, 0xf6, 0x12, 0x0f, 0xfe, 0x82, 0x90, 0x00],
);
const IDPRIME_ATR_MASK = Uint8Array.of(
  ...[0xff, 0xff, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
  ...[0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
);
/** The IDPrime application (card-idprime.c IDPRIME_AID). */
export const IDPRIME_AID = Uint8Array.of(0xa0, 0x00, 0x00, 0x00, 0x18, 0x80, 0x00, 0x00, 0x00, 0x06, 0x62);
const INS_SELECT = 0xa4;
const P1_SELECT_BY_NAME = 0x04;
const P2_SELECT_NO_RESPONSE = 0x0c;

/** Whether `atr` is an IDPrime ATR under card-idprime.c's mask. */
export function isIdPrimeAtr(atr: Uint8Array): boolean {
  return (
    atr.length === IDPRIME_ATR.length &&
    atr.every((byte, index) => ((byte ^ IDPRIME_ATR[index]!) & IDPRIME_ATR_MASK[index]!) === 0)
  );
}

/** Whether the card behind `transport` is an IDPrime card: its ATR, and its application answering SELECT. */
export async function isIdPrimeCard(transport: Transport): Promise<boolean> {
  if (!isIdPrimeAtr(transport.atr)) return false;
  const protocol = new ApduProtocol(transport);
  const {sw} = await transport.exclusive(() =>
    protocol.transmit({
      cla: 0,
      ins: INS_SELECT,
      p1: P1_SELECT_BY_NAME,
      p2: P2_SELECT_NO_RESPONSE,
      data: IDPRIME_AID,
    }),
  );
  return sw === StatusWord.Success;
}
