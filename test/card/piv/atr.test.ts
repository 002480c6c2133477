import {describe, expect, it} from 'vitest';
import {hasExtendedLength, historicalBytes} from '../../../source/card/piv/atr.js';
import {hex} from '../../apdu/transcript-transport.js';

/** A YubiKey 5 NFC's ATR: T=1, historical bytes 80 73 C0 21 C0 57 59 75 62 69 4B 65 79 ("YubiKey"), TCK 40. */
const YUBIKEY_5_ATR = hex('3B FD 13 00 00 81 31 FE 15 80 73 C0 21 C0 57 59 75 62 69 4B 65 79 40');
/** vsmartcard's default vpcd ATR: no historical bytes. */
const VPCD_ATR = hex('3B 80 80 01 01');

describe('historicalBytes', () => {
  it('skips the interface bytes that T0 and each TDi announce', () => {
    expect(historicalBytes(YUBIKEY_5_ATR)).toEqual(hex('80 73 C0 21 C0 57 59 75 62 69 4B 65 79'));
  });

  it('is empty for an ATR without historical bytes', () => {
    expect(historicalBytes(VPCD_ATR)).toEqual(new Uint8Array());
  });

  it('is undefined for an ATR shorter than it announces', () => {
    expect(historicalBytes(hex('3B FD 13 00'))).toBeUndefined();
    expect(historicalBytes(hex('3B'))).toBeUndefined();
  });
});

describe('hasExtendedLength', () => {
  it.each([
    {card: 'a YubiKey 5 (card capabilities 73 C0 21 C0)', atr: YUBIKEY_5_ATR, isExtended: true},
    {
      card: 'a card whose capabilities lack b7 (73 00 00 80)',
      atr: hex('3B 05 80 73 00 00 80'),
      isExtended: false,
    },
    {
      card: 'a card with a status indicator after its capabilities',
      atr: hex('3B 08 00 73 00 00 40 00 90 00'),
      isExtended: true,
    },
    {card: 'a card without historical bytes', atr: VPCD_ATR, isExtended: false},
    {card: 'a card with two-byte capabilities', atr: hex('3B 03 80 72 00 00'), isExtended: false},
    {card: 'a card with a DIR reference (category 10)', atr: hex('3B 02 10 40'), isExtended: false},
    {card: 'a card with a truncated compact-TLV', atr: hex('3B 04 80 73 C0 21'), isExtended: false},
  ])('says whether $card takes extended APDUs ($isExtended)', ({atr, isExtended}) => {
    expect(hasExtendedLength(atr)).toBe(isExtended);
  });
});
