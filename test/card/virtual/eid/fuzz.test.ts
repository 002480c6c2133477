import fc from 'fast-check';
import {beforeAll, describe, expect, it} from 'vitest';
import {serializeEidCardState} from '../../../../source/card/virtual/eid/state-file.js';
import type {EidCardUnderTest} from './eid-card-under-test.js';
import {DEFAULT_EID_PINS, oldSithsCardUnderTest} from './eid-card-under-test.js';
import {hex} from '../../../apdu/transcript-transport.js';

/**
 * Fuzzed APDUs into the EID card: whatever arrives, the card answers with a status word of ISO/IEC 7816-4 (no
 * throw), and a command it rejects changes nothing it keeps (a wrong PIN's counter is the one change a refusal
 * makes, by design: 63Cx and 6983).
 */

const INSTRUCTIONS = [
  0xa4, 0xb0, 0xd6, 0xe0, 0xe4, 0x44, 0x20, 0x24, 0x2c, 0x22, 0x2a, 0x46, 0xca, 0x84, 0xc0,
];
const STATUS = /^(9000|61..|6C..|63C.|62..|64..|65..|67..|68..|69..|6A..|6B00|6D00|6E00|6F00)$/;

let bench: EidCardUnderTest;

beforeAll(async () => {
  bench = await oldSithsCardUnderTest();
});

/** Commands the card accepts, as OpenSC and the upgrade send them, to mutate. */
const VALID = [
  '00 A4 08 0C 04 50 15 44 02',
  '00 A4 04 00 0C A0 00 00 00 63 50 4B 43 53 2D 31 35',
  '00 B0 00 00 00',
  '00 D6 00 10 02 AB CD',
  '00 E0 00 00 17 62 15 81 02 00 00 82 01 11 83 02 4B 07 86 09 01 01 02 46 82 83 01 2A 82',
  '00 E0 00 00 17 62 15 81 02 00 40 82 01 01 83 02 43 37 86 06 01 01 02 42 81 8A 01 07',
  '00 E4 00 00 02 43 31',
  '00 22 41 B6 0A 80 01 02 81 02 4B 01 84 01 01',
  '00 46 00 00 09 92 00 04 00 00 18 01 00 01',
  '00 CA 01 01 00',
  '00 2C 00 81 10 31 32 33 34 35 36 37 38 31 32 33 34 35 36 00 00',
].map(hex);

const mutated = fc
  .tuple(
    fc.constantFrom(...VALID),
    fc.array(fc.tuple(fc.nat(), fc.integer({min: 0, max: 255})), {maxLength: 3}),
  )
  .map(([command, changes]) => {
    const copy = Uint8Array.from(command);
    for (const [index, value] of changes) copy[index % copy.length] = value;
    return copy;
  });

const apdu = fc.oneof(
  mutated,
  fc.uint8Array({minLength: 0, maxLength: 300}),
  fc
    .tuple(
      fc.constantFrom(0x00, 0x10, 0x80, 0x0c),
      fc.constantFrom(...INSTRUCTIONS),
      fc.integer({min: 0, max: 255}),
      fc.integer({min: 0, max: 255}),
      fc.uint8Array({minLength: 0, maxLength: 260}),
      fc.option(fc.integer({min: 0, max: 255})),
    )
    .map(([cla, ins, p1, p2, data, le]) =>
      Uint8Array.of(
        cla,
        ins,
        p1,
        p2,
        ...(data.length > 0 ? [Math.min(data.length, 255), ...data.subarray(0, 255)] : []),
        ...(le === null ? [] : [le]),
      ),
    ),
);

describe('fuzzed APDUs into the EID card', () => {
  it('always answer a status word, and a rejected command changes nothing the card keeps', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(apdu, {minLength: 1, maxLength: 6}),
        fc.boolean(),
        async (commands, isVerified) => {
          bench.card.reset();
          if (isVerified) {
            await bench.verify(0x81, DEFAULT_EID_PINS.authentication);
            await bench.verify(0x82, DEFAULT_EID_PINS.signature);
          }
          for (const command of commands) {
            const before = serializeEidCardState(bench.state);
            const response = await bench.card.process(command);
            expect(response.length).toBeGreaterThanOrEqual(2);
            const sw = Buffer.from(response.subarray(-2)).toString('hex').toUpperCase();
            expect(sw).toMatch(STATUS);
            if (!/^(9000|61..|63C.|6983)$/.test(sw)) expect(serializeEidCardState(bench.state)).toBe(before);
          }
        },
      ),
      {numRuns: 400},
    );
  });
});
