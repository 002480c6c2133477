import {expect, it} from 'vitest';
import {decodeDer, encodeTime, integerHex, serialInteger} from '../../source/pki/der.js';

/** The DER of the INTEGER serialInteger makes, as hex; undefined when it refuses. */
const serialDer = (octets: Uint8Array) => {
  const integer = serialInteger(octets);
  return integer && Buffer.from(integer.toBER(false)).toString('hex');
};

it('encodes serial numbers as positive minimal INTEGERs of at most 20 octets', () => {
  expect(serialDer(Uint8Array.of(0x01))).toBe('020101');
  expect(serialDer(Uint8Array.of(0x00, 0x00, 0x7f))).toBe('02017f');
  expect(serialDer(Uint8Array.of(0x80))).toBe('02020080');
  expect(serialDer(new Uint8Array(20).fill(0x7f))).toBe(`0214${'7f'.repeat(20)}`);
  expect(serialDer(new Uint8Array(19).fill(0x80))).toBe(`021400${'80'.repeat(19)}`);
  expect(serialDer(new Uint8Array(20).fill(0x80))).toBeUndefined();
  expect(serialDer(new Uint8Array(21).fill(0x01))).toBeUndefined();
  expect(serialDer(Uint8Array.of(0x00, 0x00))).toBeUndefined();
  expect(serialDer(new Uint8Array())).toBeUndefined();
});

it('gives INTEGER contents as lower-case hex without leading zero octets', () => {
  expect(integerHex(serialInteger(Uint8Array.of(0xff, 0x01))!)).toBe('ff01');
  expect(integerHex(serialInteger(Uint8Array.of(0x00, 0x05))!)).toBe('05');
  const zero = decodeDer(Uint8Array.of(0x02, 0x01, 0x00));
  expect(integerHex(zero as Parameters<typeof integerHex>[0])).toBe('00');
});

it('uses UTCTime for 1950 through 2049 and GeneralizedTime otherwise, dropping fractions of a second', () => {
  const at = (iso: string) => encodeTime(new Date(iso));
  expect(at('1950-01-01T00:00:00Z').type).toBe(0);
  expect(at('2049-12-31T23:59:59.999Z')).toMatchObject({type: 0, value: new Date('2049-12-31T23:59:59Z')});
  expect(at('2050-01-01T00:00:00Z').type).toBe(1);
  expect(at('1949-12-31T23:59:59Z').type).toBe(1);
  expect(Buffer.from(at('2050-01-01T00:00:00.250Z').toSchema().toBER(false)).toString('latin1')).toContain(
    '20500101000000Z',
  );
});

it('decodes exactly one DER element and nothing with trailing or missing bytes', () => {
  expect(Buffer.from(decodeDer(Uint8Array.of(0x05, 0x00))!.toBER(false))).toEqual(Buffer.of(0x05, 0x00));
  expect(decodeDer(Uint8Array.of(0x05, 0x00, 0x00))).toBeUndefined();
  expect(decodeDer(Uint8Array.of(0x04, 0x02, 0x00))).toBeUndefined();
  expect(decodeDer(new Uint8Array())).toBeUndefined();
});
