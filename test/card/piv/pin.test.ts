import {describe, expect, it} from 'vitest';
import {PinFormatError} from '../../../source/card/errors.js';
import {isWellFormed, withReferenceData} from '../../../source/card/piv/pin.js';
import {hex} from '../../apdu/transcript-transport.js';

describe('isWellFormed', () => {
  it.each([
    ['123456', true],
    ['12345678', true],
    ['12345', false],
    ['123456789', false],
    ['12345a', false],
    ['１２３４５６', false],
    ['', false],
  ])('takes PIN %j: %s', (pin, expected) => {
    expect(isWellFormed('pin', pin)).toBe(expected);
    expect(isWellFormed('pin', new TextEncoder().encode(pin))).toBe(expected);
  });

  it('takes a PUK of printable ASCII, not control characters', () => {
    expect(isWellFormed('puk', 'abcd1234')).toBe(true);
    expect(isWellFormed('puk', 'abc\u0000de')).toBe(false);
  });
});

describe('withReferenceData', () => {
  it('pads each secret with FF to 8 bytes and zeroes the copies afterwards', async () => {
    let seen: Uint8Array[] = [];
    await withReferenceData(
      [
        ['pin', '123456'],
        ['puk', new TextEncoder().encode('12345678')],
      ],
      async (blocks) => {
        seen = blocks;
        expect(blocks.map((block) => Buffer.from(block).toString('hex'))).toEqual([
          Buffer.from(hex('31 32 33 34 35 36 FF FF')).toString('hex'),
          Buffer.from(hex('31 32 33 34 35 36 37 38')).toString('hex'),
        ]);
      },
    );
    expect(seen.every((block) => block.every((byte) => byte === 0))).toBe(true);
  });

  it('zeroes the copies when the work fails', async () => {
    let seen: Uint8Array[] = [];
    const failing = withReferenceData([['pin', '123456']], async (blocks) => {
      seen = blocks;
      throw new Error('card gone');
    });
    await expect(failing).rejects.toThrow('card gone');
    expect(seen[0]).toEqual(new Uint8Array(8));
  });

  it('refuses a malformed PIN before the work runs, naming which secret', async () => {
    let hasRun = false;
    const refused = withReferenceData([['pin', '12a456']], async () => {
      hasRun = true;
    });
    await expect(refused).rejects.toBeInstanceOf(PinFormatError);
    await expect(withReferenceData([['puk', '123']], async () => undefined)).rejects.toMatchObject({
      code: 'pin-format',
      reference: 'puk',
    });
    expect(hasRun).toBe(false);
  });

  it('leaves the caller’s buffer as it was', async () => {
    const pin = new TextEncoder().encode('654321');
    await withReferenceData([['pin', pin]], async () => undefined);
    expect(new TextDecoder().decode(pin)).toBe('654321');
  });
});
