import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {TlvError} from '../../source/apdu/errors.js';
import {
  concatBytes,
  decodeSingleTlv,
  decodeTlvAt,
  decodeTlvs,
  encodeLength,
  encodeTag,
  encodeTlv,
  encodeTlvs,
  findTlv,
  type Tlv,
} from '../../source/apdu/tlv.js';
import {mutated} from './mutations.js';
import {hex, toHex} from './transcript-transport.js';

/** Tags as BER-TLV spells them: one byte, or a first byte with its low five bits set and 1-2 more. */
const tagArbitrary: fc.Arbitrary<number> = fc.oneof(
  fc.integer({min: 0, max: 0xff}).filter((byte) => (byte & 0x1f) !== 0x1f),
  fc
    .tuple(fc.integer({min: 0, max: 7}), fc.integer({min: 0, max: 0x7f}))
    .map(([high, last]) => (((high << 5) | 0x1f) << 8) | last),
  fc
    .tuple(fc.integer({min: 0, max: 7}), fc.integer({min: 0x80, max: 0xff}), fc.integer({min: 0, max: 0x7f}))
    .map(([high, middle, last]) => (((high << 5) | 0x1f) << 16) | (middle << 8) | last),
);

const tlvArbitrary: fc.Arbitrary<Tlv> = fc.record({
  tag: tagArbitrary,
  value: fc.oneof({weight: 9, arbitrary: fc.uint8Array({maxLength: 40})}, fc.uint8Array({maxLength: 300})),
});

const encodedTlvs = fc.array(tlvArbitrary, {maxLength: 5}).map((items) => encodeTlvs(items));

/** The outcome every decode of untrusted bytes must have: TLVs inside the input, or a TlvError. */
function expectDecodesOrTlvError(bytes: Uint8Array): void {
  let items: Tlv[];
  try {
    items = decodeTlvs(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(TlvError);
    return;
  }
  for (const {value} of items) {
    expect(value.buffer).toBe(bytes.buffer);
    expect(value.byteOffset + value.length).toBeLessThanOrEqual(bytes.byteOffset + bytes.length);
    try {
      decodeTlvs(value);
    } catch (error) {
      expect(error).toBeInstanceOf(TlvError);
    }
  }
  expect(decodeTlvs(encodeTlvs(items))).toEqual(items);
}

describe('BER-TLV lengths', () => {
  it.each([
    [0, '00'],
    [0x7f, '7F'],
    [0x80, '81 80'],
    [0xff, '81 FF'],
    [0x100, '82 01 00'],
    [0xffff, '82 FF FF'],
    [0x10000, '83 01 00 00'],
  ])('a value of %i bytes has the length field %s and decodes back', (length, field) => {
    expect(toHex(encodeLength(length))).toBe(field);
    const value = new Uint8Array(length).fill(0xa5);
    if (length > 0) value[length - 1] = 0x5a;
    const encoded = encodeTlv(0x53, value);
    expect(toHex(encoded.subarray(1, 1 + hex(field).length))).toBe(field);
    const [item] = decodeTlvs(encoded);
    expect(item?.tag).toBe(0x53);
    expect(Buffer.from(item!.value).equals(value)).toBe(true);
  });

  it('spells the longest length in the 83 form and refuses one beyond it', () => {
    expect(toHex(encodeLength(0xff_ffff))).toBe('83 FF FF FF');
    expect(() => encodeLength(0x100_0000)).toThrow(TlvError);
  });

  it.each([
    ['53 81 05 01 02 03 04 05', 5],
    ['53 82 00 05 01 02 03 04 05', 5],
    ['53 83 00 00 05 01 02 03 04 05', 5],
  ])('accepts the non-minimal length form in %s as yubico-piv-tool writes it', (bytes, length) => {
    expect(decodeSingleTlv(hex(bytes), 0x53).length).toBe(length);
  });
});

describe('BER-TLV tags', () => {
  it.each([
    [0x53, '53'],
    [0x7e, '7E'],
    [0x5f2f, '5F 2F'],
    [0x7f49, '7F 49'],
    [0x5fc102, '5F C1 02'],
    [0x5fff01, '5F FF 01'],
  ])('tag %s is spelled %s and decodes back', (tag, bytes) => {
    expect(toHex(encodeTag(tag))).toBe(bytes);
    expect(decodeTlvs(encodeTlv(tag, hex('01')))).toEqual([{tag, value: hex('01')}]);
  });

  it.each([
    ['a one-byte tag with all low five bits set', 0x9f],
    ['a two-byte tag whose first byte does not announce more', 0x0102],
    ['a three-byte tag whose middle byte ends the tag', 0x5f2f01],
    ['a two-byte tag whose last byte announces more', 0x5f81],
    ['a negative number', -1],
    ['a number beyond three bytes', 0x100_0000],
  ])('refuses %s', (_what, tag) => {
    expect(() => encodeTag(tag)).toThrow(TlvError);
  });
});

describe('BER-TLV decoding', () => {
  it('decodes nothing from no bytes', () => {
    expect(decodeTlvs(new Uint8Array())).toEqual([]);
  });

  it('decodes a sequence and finds an item by tag', () => {
    const items = decodeTlvs(hex('70 02 30 00  71 01 00  FE 00'));
    expect(items.map(({tag}) => tag)).toEqual([0x70, 0x71, 0xfe]);
    expect(findTlv(items, 0x71)).toEqual(hex('00'));
    expect(findTlv(items, 0x72)).toBeUndefined();
  });

  it('returns values as views into the input, not copies', () => {
    const bytes = hex('53 02 AA BB');
    const value = decodeSingleTlv(bytes, 0x53);
    expect(value.buffer).toBe(bytes.buffer);
    expect(value.byteOffset).toBe(2);
  });

  it('reports where the next item starts', () => {
    expect(decodeTlvAt(hex('01 01 AA 02 00'), 3)).toEqual({tlv: {tag: 2, value: new Uint8Array()}, next: 5});
  });

  it.each([
    ['a tag without a length', '53', 1],
    ['a multi-byte tag cut after its first byte', '5F', 0],
    ['a multi-byte tag cut in its middle', '5F C1', 0],
    ['a tag longer than three bytes', '5F C1 82 02 00', 0],
    ['the indefinite length form', '53 80 00 00', 1],
    ['a length form of four bytes', '53 84 00 00 00 01 AA', 1],
    ['a truncated long length', '53 82 01', 1],
    ['a value shorter than its length', '53 03 01 02', 2],
    ['a value cut right after the length', '53 81 80', 3],
  ])('rejects %s with a TlvError at the offset of the fault', (_what, bytes, offset) => {
    const error = catchError(() => decodeTlvs(hex(bytes)));
    expect(error).toBeInstanceOf(TlvError);
    expect(error).toMatchObject({code: 'tlv-malformed', offset});
  });

  it('rejects a single TLV with another tag or trailing bytes', () => {
    expect(() => decodeSingleTlv(hex('53 00'), 0x7e)).toThrow(TlvError);
    expect(() => decodeSingleTlv(hex('53 00 00'), 0x53)).toThrow(/1 bytes after tag 53/);
  });

  it('rejects a negative or fractional start offset', () => {
    expect(() => decodeTlvAt(hex('53 00'), -1)).toThrow(TlvError);
    expect(() => decodeTlvAt(hex('53 00'), 0.5)).toThrow(TlvError);
  });

  it('concatenates byte arrays in order', () => {
    expect(concatBytes([hex('01'), new Uint8Array(), hex('02 03')])).toEqual(hex('01 02 03'));
  });
});

describe('BER-TLV properties', () => {
  it('decodes every encoded sequence back to the same tags and values', () => {
    fc.assert(
      fc.property(fc.array(tlvArbitrary, {maxLength: 6}), (items) => {
        expect(decodeTlvs(encodeTlvs(items))).toEqual(items);
      }),
      {numRuns: 2_000},
    );
  });

  it('decodes random bytes or throws a TlvError, never reading outside the input', () => {
    fc.assert(fc.property(fc.uint8Array({maxLength: 64}), expectDecodesOrTlvError), {numRuns: 20_000});
  });

  it('decodes mutated encodings (truncated, flipped, length-bumped) or throws a TlvError', () => {
    fc.assert(fc.property(mutated(encodedTlvs), expectDecodesOrTlvError), {numRuns: 30_000});
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
