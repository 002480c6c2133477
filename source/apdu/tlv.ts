import {TlvError} from './errors.js';

/**
 * BER-TLV as used by ISO 7816-4 (clause 5.2.2) and SP 800-73-4 Part 2: tags of one or more bytes (the first
 * byte's low five bits all set means more tag bytes follow, each with bit 8 set but the last), lengths in the
 * short form (0x00-0x7F) or the long forms 81 xx, 82 xx xx and 83 xx xx xx. The indefinite form (80) and longer
 * forms are rejected. Tags are numbers holding the tag bytes big-endian (0x5F2F, 0x7F49).
 */
export interface Tlv {
  readonly tag: number;
  readonly value: Uint8Array;
}

const MAX_TAG_BYTES = 3;
const MAX_LENGTH = 0xff_ffff;

/** Encodes one TLV. Throws a TlvError (`tlv-malformed`) when the value is longer than the 83 form allows. */
export function encodeTlv(tag: number, value: Uint8Array = new Uint8Array()): Uint8Array {
  const tagBytes = encodeTag(tag);
  const lengthBytes = encodeLength(value.length);
  const out = new Uint8Array(tagBytes.length + lengthBytes.length + value.length);
  out.set(tagBytes, 0);
  out.set(lengthBytes, tagBytes.length);
  out.set(value, tagBytes.length + lengthBytes.length);
  return out;
}

/** Encodes a sequence of TLVs, concatenated. */
export function encodeTlvs(items: ReadonlyArray<Tlv>): Uint8Array {
  return concatBytes(items.map(({tag, value}) => encodeTlv(tag, value)));
}

/**
 * The tag bytes of a tag number: 0x7F49 -> [7F 49]. Throws a TlvError (`tlv-malformed`) for a number that is
 * not a tag the decoder would read back: a one-byte tag with its low five bits all set, or a longer tag whose
 * first byte lacks them or whose later bytes break the "bit 8 set on all but the last" rule.
 */
export function encodeTag(tag: number): Uint8Array {
  if (!Number.isInteger(tag) || tag < 0 || tag > 0xff_ffff) throw new TlvError(`tag ${tag} out of range`, 0);
  const bytes =
    tag <= 0xff
      ? Uint8Array.of(tag)
      : tag <= 0xffff
        ? Uint8Array.of(tag >> 8, tag & 0xff)
        : Uint8Array.of(tag >> 16, (tag >> 8) & 0xff, tag & 0xff);
  const hasMore = (bytes[0]! & 0x1f) === 0x1f;
  const isWellFormed =
    bytes.length === 1
      ? !hasMore
      : hasMore &&
        bytes.every((byte, index) => index === 0 || ((byte & 0x80) !== 0) === index < bytes.length - 1);
  if (!isWellFormed) throw new TlvError(`${hexTag(tag)} is not a well-formed tag`, 0);
  return bytes;
}

/** The length bytes of a length: short form up to 0x7F, then 81, 82, 83. */
export function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  if (length <= 0xff) return Uint8Array.of(0x81, length);
  if (length <= 0xffff) return Uint8Array.of(0x82, length >> 8, length & 0xff);
  if (length <= MAX_LENGTH) return Uint8Array.of(0x83, length >> 16, (length >> 8) & 0xff, length & 0xff);
  throw new TlvError(`length ${length} exceeds the 83 form`, 0);
}

/**
 * Decodes a sequence of TLVs that must fill `bytes` exactly. Values are views into `bytes`, not copies.
 * Throws a TlvError (`tlv-malformed`) on a truncated tag, length or value, an unsupported length form, or a tag
 * longer than three bytes; never reads outside `bytes`.
 */
export function decodeTlvs(bytes: Uint8Array): Tlv[] {
  const items: Tlv[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const {tlv, next} = decodeTlvAt(bytes, offset);
    items.push(tlv);
    offset = next;
  }
  return items;
}

/** Decodes exactly one TLV that fills `bytes`, with the given tag. Throws a TlvError otherwise. */
export function decodeSingleTlv(bytes: Uint8Array, tag: number): Uint8Array {
  const {tlv, next} = decodeTlvAt(bytes, 0);
  if (tlv.tag !== tag) throw new TlvError(`expected tag ${hexTag(tag)}, found ${hexTag(tlv.tag)}`, 0);
  if (next !== bytes.length)
    throw new TlvError(`${bytes.length - next} bytes after tag ${hexTag(tag)}`, next);
  return tlv.value;
}

/** Decodes one TLV starting at `offset`; returns it and the offset just after it. */
export function decodeTlvAt(bytes: Uint8Array, offset: number): {tlv: Tlv; next: number} {
  if (!Number.isInteger(offset) || offset < 0) throw new TlvError('bad offset', 0);
  const start = offset;
  if (offset >= bytes.length) throw new TlvError('missing tag', offset);
  let tag = bytes[offset++]!;
  if ((tag & 0x1f) === 0x1f) {
    let tagBytes = 1;
    let more = true;
    while (more) {
      if (offset >= bytes.length) throw new TlvError('truncated tag', start);
      if (++tagBytes > MAX_TAG_BYTES) throw new TlvError('tag longer than three bytes', start);
      const byte = bytes[offset++]!;
      tag = tag * 0x100 + byte;
      more = (byte & 0x80) !== 0;
    }
  }
  if (offset >= bytes.length) throw new TlvError('missing length', offset);
  const first = bytes[offset++]!;
  let length = first;
  if (first >= 0x80) {
    const count = first & 0x7f;
    if (count === 0) throw new TlvError('indefinite length', offset - 1);
    if (count > 3) throw new TlvError(`length form ${hexByte(first)} not supported`, offset - 1);
    if (offset + count > bytes.length) throw new TlvError('truncated length', offset - 1);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 0x100 + bytes[offset++]!;
  }
  if (length > bytes.length - offset) throw new TlvError(`value of ${length} bytes truncated`, offset);
  return {tlv: {tag, value: bytes.subarray(offset, offset + length)}, next: offset + length};
}

/** The value of the first TLV with `tag` in `items`, or undefined. */
export function findTlv(items: ReadonlyArray<Tlv>, tag: number): Uint8Array | undefined {
  return items.find((item) => item.tag === tag)?.value;
}

/** Whether two byte arrays hold the same bytes. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}

/** Concatenates byte arrays. */
export function concatBytes(parts: ReadonlyArray<Uint8Array>): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function hexTag(tag: number): string {
  return tag.toString(16).toUpperCase().padStart(2, '0');
}

function hexByte(byte: number): string {
  return byte.toString(16).toUpperCase().padStart(2, '0');
}
