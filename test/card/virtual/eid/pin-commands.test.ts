import {beforeAll, describe, expect, it} from 'vitest';
import {swHex} from '../card-under-test.js';
import {DEFAULT_EID_PINS, oldCa, oldSithsCardUnderTest, padded} from './eid-card-under-test.js';

const {authentication: LEGITIMERING, signature: UNDERSKRIFT, puk: PUK} = DEFAULT_EID_PINS;
const hexOf = (text: string) => Buffer.from(padded(text)).toString('hex');

beforeAll(async () => {
  await oldCa();
});

describe('VERIFY on the EID card', () => {
  it('counts wrong PINs down for each PIN on its own, 63C2 to 63C0, then answers 6983', async () => {
    const {verify, card} = await oldSithsCardUnderTest();
    const answers = [];
    for (let attempt = 0; attempt < 4; attempt++) answers.push(swHex(await verify(0x81, '999999')));
    expect(answers).toEqual(['63C2', '63C1', '63C0', '6983']);
    expect(swHex(await verify(0x81, LEGITIMERING))).toBe('6983');
    expect(card.inspect().pins.get(0x82)!.remainingRetries).toBe(3);
    expect(swHex(await verify(0x82, UNDERSKRIFT))).toBe('9000');
  });

  it('resets the counter on the right PIN and tells the tries left on a VERIFY without data', async () => {
    const {verify, raw} = await oldSithsCardUnderTest();
    await verify(0x82, '999999');
    expect(swHex((await raw('00 20 00 82')).sw)).toBe('63C2');
    expect(swHex(await verify(0x82, UNDERSKRIFT))).toBe('9000');
    expect(swHex((await raw('00 20 00 82')).sw)).toBe('9000');
    expect(swHex((await raw('00 20 00 81')).sw)).toBe('63C3');
  });

  it('logs a PIN out with VERIFY P1 FF', async () => {
    const {verify, raw} = await oldSithsCardUnderTest();
    await verify(0x81, LEGITIMERING);
    expect(swHex((await raw('00 20 FF 81')).sw)).toBe('9000');
    expect(swHex((await raw('00 20 00 81')).sw)).toBe('63C3');
  });

  it('refuses the PUK and unknown references with 6A88, and a PIN of the wrong length with 6700', async () => {
    const {raw} = await oldSithsCardUnderTest();
    expect(swHex((await raw(`00 20 00 83 08 ${hexOf(PUK)}`)).sw)).toBe('6A88');
    expect(swHex((await raw(`00 20 00 84 08 ${hexOf(LEGITIMERING)}`)).sw)).toBe('6A88');
    expect(swHex((await raw('00 20 00 81 06 31 32 33 34 35 36')).sw)).toBe('6700');
  });

  it('starts blocked when the profile says so', async () => {
    const {verify} = await oldSithsCardUnderTest({triesLeft: {authentication: 0}});
    expect(swHex(await verify(0x81, LEGITIMERING))).toBe('6983');
    expect(swHex(await verify(0x82, UNDERSKRIFT))).toBe('9000');
  });
});

describe('CHANGE REFERENCE DATA and RESET RETRY COUNTER on the EID card', () => {
  it('changes the Underskrift PIN with the current one, and the new one verifies', async () => {
    const {raw, verify} = await oldSithsCardUnderTest();
    expect(swHex((await raw(`00 24 00 82 10 ${hexOf(UNDERSKRIFT)}${hexOf('24681357')}`)).sw)).toBe('9000');
    expect(swHex(await verify(0x82, UNDERSKRIFT))).toBe('63C2');
    expect(swHex(await verify(0x82, '24681357'))).toBe('9000');
  });

  it('refuses a new PIN shorter than 6 digits or not digits with 6A80, changing nothing', async () => {
    const {raw, card} = await oldSithsCardUnderTest();
    expect(swHex((await raw(`00 24 00 81 10 ${hexOf(LEGITIMERING)}${hexOf('12345')}`)).sw)).toBe('6A80');
    expect(swHex((await raw(`00 24 00 81 10 ${hexOf(LEGITIMERING)}${hexOf('12345a')}`)).sw)).toBe('6A80');
    expect(card.inspect().pins.get(0x81)!.remainingRetries).toBe(3);
  });

  it('never changes the PUK (6985)', async () => {
    const {raw} = await oldSithsCardUnderTest();
    expect(swHex((await raw(`00 24 00 83 10 ${hexOf(PUK)}${hexOf('87654321')}`)).sw)).toBe('6985');
  });

  it('unblocks a blocked PIN with the PUK and a new PIN, resetting both counters', async () => {
    const {raw, verify, card} = await oldSithsCardUnderTest({triesLeft: {signature: 0, puk: 7}});
    expect(swHex((await raw(`00 2C 00 82 10 ${hexOf(PUK)}${hexOf('112233')}`)).sw)).toBe('9000');
    expect(card.inspect().pins.get(0x82)).toEqual({totalRetries: 3, remainingRetries: 3});
    expect(card.inspect().pins.get(0x83)).toEqual({totalRetries: 10, remainingRetries: 10});
    expect(swHex(await verify(0x82, '112233'))).toBe('9000');
  });

  it('resets the counter with the PUK alone (P1 01), keeping the PIN', async () => {
    const {raw, verify} = await oldSithsCardUnderTest({triesLeft: {authentication: 0}});
    expect(swHex((await raw(`00 2C 01 81 08 ${hexOf(PUK)}`)).sw)).toBe('9000');
    expect(swHex(await verify(0x81, LEGITIMERING))).toBe('9000');
  });

  it('is dead after the last PUK try: both PINs blocked for good', async () => {
    const {raw, verify, card} = await oldSithsCardUnderTest({triesLeft: {puk: 1}});
    expect(swHex((await raw(`00 2C 00 81 10 ${hexOf('00000000')}${hexOf('112233')}`)).sw)).toBe('63C0');
    expect(swHex((await raw(`00 2C 00 81 10 ${hexOf(PUK)}${hexOf('112233')}`)).sw)).toBe('6983');
    expect(swHex(await verify(0x81, LEGITIMERING))).toBe('6983');
    expect(swHex(await verify(0x82, UNDERSKRIFT))).toBe('6983');
    expect([...card.inspect().pins.values()].map((pin) => pin.remainingRetries)).toEqual([0, 0, 0]);
  });
});
