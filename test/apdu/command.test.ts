import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {
  decodeCommandApdu,
  decodeResponseApdu,
  encodeCommandApdu,
  encodeResponseApdu,
  type CommandApdu,
  type LengthForm,
} from '../../source/apdu/command.js';
import {ApduFormatError} from '../../source/apdu/errors.js';
import {mutated} from './mutations.js';
import {hex, toHex} from './transcript-transport.js';

const header = {cla: 0x00, ins: 0xdb, p1: 0x3f, p2: 0xff};

/** Data of `length` bytes counting up, so a misplaced byte shows. */
function data(length: number): Uint8Array {
  return Uint8Array.from({length}, (_, index) => index & 0xff);
}

/** The expected encoding: the header, then the given length fields around `length` data bytes. */
function expected(lc: string, length: number, le: string): string {
  return [toHex(hex('00 DB 3F FF')), lc, toHex(data(length)), le].filter((part) => part !== '').join(' ');
}

describe('command APDU encoding (ISO/IEC 7816-4 clause 5.1)', () => {
  it.each<[string, CommandApdu, LengthForm, string]>([
    ['case 1', header, 'short', expected('', 0, '')],
    ['case 1 (extended asked, nothing to extend)', header, 'extended', expected('', 0, '')],
    ['case 2S, Le 1', {...header, le: 1}, 'short', expected('', 0, '01')],
    ['case 2S, Le 255', {...header, le: 255}, 'short', expected('', 0, 'FF')],
    ['case 2S, Le 256 as 00', {...header, le: 256}, 'short', expected('', 0, '00')],
    ['case 2E, Le 257', {...header, le: 257}, 'auto', expected('', 0, '00 01 01')],
    ['case 2E, Le 65536 as 00 00 00', {...header, le: 65536}, 'auto', expected('', 0, '00 00 00')],
    ['case 2E, Le 1 forced extended', {...header, le: 1}, 'extended', expected('', 0, '00 00 01')],
    ['case 3S, Lc 1', {...header, data: data(1)}, 'short', expected('01', 1, '')],
    ['case 3S, Lc 255', {...header, data: data(255)}, 'short', expected('FF', 255, '')],
    ['case 3E, Lc 256', {...header, data: data(256)}, 'auto', expected('00 01 00', 256, '')],
    ['case 3E, Lc 65535', {...header, data: data(65535)}, 'auto', expected('00 FF FF', 65535, '')],
    ['case 3E, Lc 1 forced extended', {...header, data: data(1)}, 'extended', expected('00 00 01', 1, '')],
    ['case 4S, Lc 1 Le 1', {...header, data: data(1), le: 1}, 'short', expected('01', 1, '01')],
    ['case 4S, Lc 255 Le 256', {...header, data: data(255), le: 256}, 'short', expected('FF', 255, '00')],
    [
      'case 4E, Lc 256 Le 256',
      {...header, data: data(256), le: 256},
      'auto',
      expected('00 01 00', 256, '01 00'),
    ],
    [
      'case 4E, Lc 255 Le 257',
      {...header, data: data(255), le: 257},
      'auto',
      expected('00 00 FF', 255, '01 01'),
    ],
    [
      'case 4E, Lc 65535 Le 65536',
      {...header, data: data(65535), le: 65536},
      'auto',
      expected('00 FF FF', 65535, '00 00'),
    ],
  ])('encodes %s', (_case, command, form, bytes) => {
    const encoded = encodeCommandApdu(command, form);
    expect(toHex(encoded)).toBe(bytes);
    const decoded = decodeCommandApdu(encoded);
    expect(decoded).toMatchObject({cla: command.cla, ins: command.ins, p1: command.p1, p2: command.p2});
    expect(decoded.le).toBe(command.le);
    expect(Buffer.from(decoded.data).equals(command.data ?? new Uint8Array())).toBe(true);
    expect(decoded.isExtended).toBe(hex(bytes).length > 4 && hex(bytes)[4] === 0 && hex(bytes).length !== 5);
  });

  it('treats empty data as no data', () => {
    expect(toHex(encodeCommandApdu({...header, data: new Uint8Array(), le: 256}))).toBe('00 DB 3F FF 00');
  });

  it.each<[string, CommandApdu, LengthForm]>([
    ['Lc 256 in the short form', {...header, data: data(256)}, 'short'],
    ['Le 257 in the short form', {...header, le: 257}, 'short'],
    ['Lc 65536', {...header, data: data(65536)}, 'auto'],
    ['Le 65537', {...header, le: 65537}, 'auto'],
    ['Le 0', {...header, le: 0}, 'auto'],
    ['a fractional Le', {...header, le: 1.5}, 'auto'],
    ['CLA 256', {...header, cla: 256}, 'auto'],
    ['a negative INS', {...header, ins: -1}, 'auto'],
    ['a fractional P1', {...header, p1: 0.5}, 'auto'],
    ['P2 NaN', {...header, p2: Number.NaN}, 'auto'],
  ])('refuses %s with command-out-of-range', (_what, command, form) => {
    expect(() => encodeCommandApdu(command, form)).toThrow(
      expect.objectContaining({name: 'ApduFormatError', code: 'command-out-of-range'}),
    );
  });
});

describe('command APDU decoding', () => {
  it.each([
    ['the 4-byte case 1 OpenSC sends for VERIFY status', '00 20 00 80', {data: '', le: undefined}],
    ['the "no data" form yubico-piv-tool sends', '00 20 00 80 00', {data: '', le: 256}],
    ['case 3S with a trailing Le 00', '00 20 00 80 02 31 32 00', {data: '31 32', le: 256}],
    ['case 2E with Le 00 00', '00 CB 3F FF 00 00 00', {data: '', le: 65536}],
    ['case 4E', '00 CB 3F FF 00 00 02 5C 00 01 00', {data: '5C 00', le: 256}],
  ])('reads %s', (_what, bytes, {data: body, le}) => {
    const decoded = decodeCommandApdu(hex(bytes));
    expect(toHex(decoded.data)).toBe(toHex(hex(body)));
    expect(decoded.le).toBe(le);
  });

  it.each([
    ['fewer than four bytes', '00 20 00'],
    ['Lc larger than the data', '00 20 00 80 08 31 32'],
    ['two bytes after Lc 0', '00 20 00 80 00 01'],
    ['extended Lc 0 with data', '00 DB 3F FF 00 00 00 01'],
    ['extended Lc larger than the data', '00 DB 3F FF 00 01 00 01'],
    ['one byte too many after extended data', '00 DB 3F FF 00 00 01 AA 00'],
  ])('rejects %s with command-malformed', (_what, bytes) => {
    expect(() => decodeCommandApdu(hex(bytes))).toThrow(
      expect.objectContaining({name: 'ApduFormatError', code: 'command-malformed'}),
    );
  });
});

describe('response APDUs', () => {
  it('splits data from the status word', () => {
    const response = decodeResponseApdu(hex('01 02 61 10'));
    expect(toHex(response.data)).toBe('01 02');
    expect(response.sw).toBe(0x6110);
  });

  it('reads a bare status word as no data', () => {
    expect(decodeResponseApdu(hex('90 00'))).toEqual({data: new Uint8Array(), sw: 0x9000});
  });

  it.each(['', '90'])('rejects %j as response-malformed', (bytes) => {
    expect(() => decodeResponseApdu(hex(bytes))).toThrow(
      expect.objectContaining({name: 'ApduFormatError', code: 'response-malformed'}),
    );
  });

  it('encodes data and status word and refuses a status word over 16 bits', () => {
    expect(toHex(encodeResponseApdu({data: hex('AA'), sw: 0x6a82}))).toBe('AA 6A 82');
    expect(() => encodeResponseApdu({data: hex(''), sw: 0x10000})).toThrow(ApduFormatError);
  });
});

const commandArbitrary: fc.Arbitrary<CommandApdu> = fc.record(
  {
    cla: fc.integer({min: 0, max: 0xff}),
    ins: fc.integer({min: 0, max: 0xff}),
    p1: fc.integer({min: 0, max: 0xff}),
    p2: fc.integer({min: 0, max: 0xff}),
    data: fc.oneof(
      {weight: 8, arbitrary: fc.uint8Array({minLength: 1, maxLength: 300})},
      fc.uint8Array({minLength: 1, maxLength: 70_000}),
    ),
    le: fc.oneof(fc.integer({min: 1, max: 300}), fc.integer({min: 1, max: 65536})),
  },
  {requiredKeys: ['cla', 'ins', 'p1', 'p2']},
);

const formArbitrary = fc.constantFrom<LengthForm>('short', 'extended', 'auto');

/** Encodes or throws command-out-of-range; never anything else. */
function tryEncode(command: CommandApdu, form: LengthForm): Uint8Array | undefined {
  try {
    return encodeCommandApdu(command, form);
  } catch (error) {
    expect(error).toMatchObject({name: 'ApduFormatError', code: 'command-out-of-range'});
    return undefined;
  }
}

/** Decodes to a command that encodes back to the same bytes, or throws command-malformed. */
function expectCommandDecodesExactlyOrMalformed(bytes: Uint8Array): void {
  let decoded;
  try {
    decoded = decodeCommandApdu(bytes);
  } catch (error) {
    expect(error).toMatchObject({name: 'ApduFormatError', code: 'command-malformed'});
    return;
  }
  const again = encodeCommandApdu(decoded, decoded.isExtended ? 'extended' : 'short');
  expect(Buffer.from(again).equals(bytes)).toBe(true);
}

describe('command and response properties', () => {
  it('decodes every encodable command back to itself, in each length form', () => {
    fc.assert(
      fc.property(commandArbitrary, formArbitrary, (command, form) => {
        const encoded = tryEncode(command, form);
        if (encoded === undefined) return;
        const decoded = decodeCommandApdu(encoded);
        expect(decoded).toMatchObject({cla: command.cla, ins: command.ins, p1: command.p1, p2: command.p2});
        expect(decoded.le).toBe(command.le);
        expect(Buffer.from(decoded.data).equals(command.data ?? new Uint8Array())).toBe(true);
      }),
      {numRuns: 3_000},
    );
  });

  it('decodes random bytes to a command that re-encodes exactly, or throws command-malformed', () => {
    fc.assert(fc.property(fc.uint8Array({maxLength: 300}), expectCommandDecodesExactlyOrMalformed), {
      numRuns: 15_000,
    });
  });

  it('decodes mutated commands (truncated, flipped, length-bumped) exactly, or throws command-malformed', () => {
    const encodedCommands = fc
      .tuple(
        commandArbitrary.map((command) => ({...command, data: command.data?.subarray(0, 600)})),
        formArbitrary,
      )
      .map(([command, form]) => tryEncode(command, form) ?? encodeCommandApdu(command, 'auto'));
    fc.assert(fc.property(mutated(encodedCommands), expectCommandDecodesExactlyOrMalformed), {
      numRuns: 25_000,
    });
  });

  it('splits random and mutated response bytes, or throws response-malformed', () => {
    const responses = fc.oneof(
      fc.uint8Array({maxLength: 40}),
      mutated(fc.uint8Array({maxLength: 300}).map((body) => encodeResponseApdu({data: body, sw: 0x9000}))),
    );
    fc.assert(
      fc.property(responses, (bytes) => {
        try {
          const response = decodeResponseApdu(bytes);
          expect(Buffer.from(encodeResponseApdu(response)).equals(bytes)).toBe(true);
        } catch (error) {
          expect(error).toMatchObject({name: 'ApduFormatError', code: 'response-malformed'});
          expect(bytes.length).toBeLessThan(2);
        }
      }),
      {numRuns: 10_000},
    );
  });
});
