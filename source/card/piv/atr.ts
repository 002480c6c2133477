/**
 * What the ATR says about the card's APDU abilities (ISO/IEC 7816-3:2006 clause 8.2 for the ATR layout,
 * ISO/IEC 7816-4:2005 clause 8.1.1 for the historical bytes). Pure; never throws: an ATR that does not parse
 * promises nothing.
 */

/** T0 / TDi: bits 5-8 say which of TAi, TBi, TCi, TDi follow (ISO/IEC 7816-3 clause 8.2.2). */
const INTERFACE_BYTE_FLAGS = [0x10, 0x20, 0x40, 0x80] as const;
const TD_PRESENT = 0x80;
/** Historical bytes category indicators (ISO/IEC 7816-4 clause 8.1.1.1, table 82). */
const CATEGORY_COMPACT_TLV_WITH_STATUS = 0x00;
const CATEGORY_COMPACT_TLV = 0x80;
const STATUS_INDICATOR_LENGTH = 3;
/** Compact-TLV tag of the card capabilities (ISO/IEC 7816-4 clause 8.1.1.2.7). */
const TAG_CARD_CAPABILITIES = 0x7;
/** Third software function byte, b7: the card takes extended Lc and Le fields (ISO/IEC 7816-4 table 87). */
const EXTENDED_LENGTH_BIT = 0x40;

/** The historical bytes of an ATR, or undefined when the ATR is too short for what T0 and TDi announce. */
export function historicalBytes(atr: Uint8Array): Uint8Array | undefined {
  if (atr.length < 2) return undefined;
  const count = atr[1]! & 0x0f;
  let offset = 2;
  let flags = atr[1]!;
  for (;;) {
    const present = INTERFACE_BYTE_FLAGS.filter((flag) => (flags & flag) !== 0).length;
    const td = (flags & TD_PRESENT) !== 0 ? atr[offset + present - 1] : undefined;
    offset += present;
    if (offset > atr.length) return undefined;
    if (td === undefined) break;
    flags = td;
  }
  return offset + count <= atr.length ? atr.subarray(offset, offset + count) : undefined;
}

/**
 * Whether the card says, in the card capabilities of its historical bytes, that it takes extended-length APDUs
 * (ISO/IEC 7816-4 clause 8.1.1.2.7, third software function byte, b7). A YubiKey 5 says so (73 C0 21 C0); cards
 * that do not carry card capabilities are taken to take short APDUs only.
 */
export function hasExtendedLength(atr: Uint8Array): boolean {
  const capabilities = compactTlv(historicalBytes(atr), TAG_CARD_CAPABILITIES);
  return (
    capabilities !== undefined && capabilities.length >= 3 && (capabilities[2]! & EXTENDED_LENGTH_BIT) !== 0
  );
}

function compactTlv(historical: Uint8Array | undefined, tag: number): Uint8Array | undefined {
  if (!historical || historical.length === 0) return undefined;
  const category = historical[0];
  let end: number;
  if (category === CATEGORY_COMPACT_TLV) end = historical.length;
  else if (category === CATEGORY_COMPACT_TLV_WITH_STATUS) end = historical.length - STATUS_INDICATOR_LENGTH;
  else return undefined;
  let offset = 1;
  while (offset < end) {
    const header = historical[offset]!;
    const length = header & 0x0f;
    if (offset + 1 + length > end) return undefined;
    if (header >> 4 === tag) return historical.subarray(offset + 1, offset + 1 + length);
    offset += 1 + length;
  }
  return undefined;
}
