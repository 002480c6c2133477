import {describe, expect, it} from 'vitest';
import {concatBytes} from '../../../source/apdu/tlv.js';
import {ObjectId, Slot} from '../../../source/card/piv/constants.js';
import {blankCard} from '../../../source/card/virtual/profiles.js';
import {padReferenceData} from '../../../source/card/virtual/state.js';
import {hex, toHex} from '../../apdu/transcript-transport.js';
import {cardUnderTest, encodeApdu, swHex, type CardUnderTest} from './card-under-test.js';

async function selectedCard(): Promise<CardUnderTest> {
  const bench = await cardUnderTest();
  await bench.select();
  return bench;
}

async function status(bench: CardUnderTest): Promise<string> {
  return swHex((await bench.raw('00 20 00 80')).sw);
}

function changeReference(p2: number, current: string, next: string): Uint8Array {
  return encodeApdu(0x24, 0x00, p2, concatBytes([padReferenceData(current), padReferenceData(next)]));
}

function resetRetryCounter(puk: string, pin: string): Uint8Array {
  return encodeApdu(0x2c, 0x00, 0x80, concatBytes([padReferenceData(puk), padReferenceData(pin)]));
}

async function metadata(bench: CardUnderTest, reference: number): Promise<string> {
  return toHex((await bench.raw(encodeApdu(0xf7, 0x00, reference, undefined, 0))).data);
}

describe('VERIFY', () => {
  it('verifies the right PIN and then reports it verified', async () => {
    const bench = await selectedCard();
    expect(await status(bench)).toBe('63C3');
    expect(swHex(await bench.verifyPin('123456'))).toBe('9000');
    expect(await status(bench)).toBe('9000');
  });

  it('counts wrong PINs down to 63C0 and then answers 6983, even to the right PIN', async () => {
    const bench = await selectedCard();
    const answers = [];
    for (let index = 0; index < 3; index++) answers.push(swHex(await bench.verifyPin('654321')));
    answers.push(swHex(await bench.verifyPin('123456')));
    expect(answers).toEqual(['63C2', '63C1', '63C0', '6983']);
    expect(await status(bench)).toBe('6983');
  });

  it('gives back every try when the right PIN follows a wrong one', async () => {
    const bench = await selectedCard();
    expect(swHex(await bench.verifyPin('000000'))).toBe('63C2');
    expect(swHex(await bench.verifyPin())).toBe('9000');
    expect(await metadata(bench, 0x80)).toBe('01 01 FF 05 01 01 06 02 03 03');
  });

  it('forgets an earlier verification when a wrong PIN is offered', async () => {
    const bench = await selectedCard();
    await bench.verifyPin();
    await bench.verifyPin('999999');
    expect(await status(bench)).toBe('63C2');
  });

  it.each([
    ['five digits', '31 32 33 34 35 FF FF FF'],
    ['a letter', '31 32 33 34 35 41 FF FF'],
    ['padding in the middle', '31 32 33 FF 34 35 36 FF'],
    ['seven bytes', '31 32 33 34 35 36 FF'],
    ['nine bytes', '31 32 33 34 35 36 FF FF FF'],
  ])('answers 6A80 to a PIN with %s and costs no try', async (_, pin) => {
    const bench = await selectedCard();
    expect(swHex((await bench.raw(encodeApdu(0x20, 0x00, 0x80, hex(pin)))).sw)).toBe('6A80');
    expect(await status(bench)).toBe('63C3');
  });

  it('logs out with P1 FF from firmware 5.4.3, and answers 6A86 to it before', async () => {
    const bench = await selectedCard();
    await bench.verifyPin();
    expect(swHex((await bench.raw('00 20 FF 80')).sw)).toBe('9000');
    expect(await status(bench)).toBe('63C3');
    const old = await cardUnderTest({
      state: await blankCard({serial: 2, firmware: {major: 5, minor: 2, patch: 7}}),
    });
    await old.select();
    expect(swHex((await old.raw('00 20 FF 80')).sw)).toBe('6A86');
  });

  it('answers 6A88 for the global PIN, the PUK and the pairing code, and 6A86 for another P1', async () => {
    const bench = await selectedCard();
    expect(swHex((await bench.raw('00 20 00 00')).sw)).toBe('6A88');
    expect(swHex((await bench.raw('00 20 00 81')).sw)).toBe('6A88');
    expect(swHex((await bench.raw('00 20 00 98')).sw)).toBe('6A88');
    expect(swHex((await bench.raw('00 20 01 80')).sw)).toBe('6A86');
  });
});

describe('CHANGE REFERENCE DATA', () => {
  it('changes the PIN when the current one is right', async () => {
    const bench = await selectedCard();
    expect(swHex((await bench.raw(changeReference(0x80, '123456', '24681357'))).sw)).toBe('9000');
    expect(swHex(await bench.verifyPin('123456'))).toBe('63C2');
    expect(swHex(await bench.verifyPin('24681357'))).toBe('9000');
    expect(await metadata(bench, 0x80)).toBe('01 01 FF 05 01 00 06 02 03 03');
  });

  it('counts a wrong current PIN and keeps the PIN', async () => {
    const bench = await selectedCard();
    expect(swHex((await bench.raw(changeReference(0x80, '111111', '222222'))).sw)).toBe('63C2');
    expect(swHex(await bench.verifyPin('123456'))).toBe('9000');
  });

  it('changes the PUK with its own counter', async () => {
    const bench = await selectedCard();
    expect(swHex((await bench.raw(changeReference(0x81, '00000000', 'abcdefgh'))).sw)).toBe('63C2');
    expect(swHex((await bench.raw(changeReference(0x81, '12345678', 'abcdefgh'))).sw)).toBe('9000');
    expect(await metadata(bench, 0x81)).toBe('01 01 FF 05 01 00 06 02 03 03');
    expect(await status(bench)).toBe('63C3');
  });

  it('answers 6A80 to a malformed new PIN, 6983 when blocked and 6A88 for another reference', async () => {
    const bench = await selectedCard();
    expect(swHex((await bench.raw(changeReference(0x80, '123456', '12345'))).sw)).toBe('6A80');
    expect(swHex((await bench.raw(encodeApdu(0x24, 0x00, 0x80, padReferenceData('123456')))).sw)).toBe(
      '6A80',
    );
    expect(swHex((await bench.raw(changeReference(0x9b, '123456', '654321'))).sw)).toBe('6A88');
    for (let index = 0; index < 3; index++) await bench.verifyPin('000000');
    expect(swHex((await bench.raw(changeReference(0x80, '123456', '654321'))).sw)).toBe('6983');
  });
});

describe('RESET RETRY COUNTER', () => {
  it('unblocks a blocked PIN with the PUK and sets the new PIN with all its tries', async () => {
    const bench = await selectedCard();
    for (let index = 0; index < 3; index++) await bench.verifyPin('000000');
    expect(await status(bench)).toBe('6983');
    expect(swHex((await bench.raw(resetRetryCounter('12345678', '13572468'))).sw)).toBe('9000');
    expect(await status(bench)).toBe('63C3');
    expect(swHex(await bench.verifyPin('13572468'))).toBe('9000');
  });

  it('counts wrong PUKs and blocks the PUK at zero', async () => {
    const bench = await selectedCard();
    const answers = [];
    for (let index = 0; index < 3; index++)
      answers.push(swHex((await bench.raw(resetRetryCounter('87654321', '111111'))).sw));
    answers.push(swHex((await bench.raw(resetRetryCounter('12345678', '111111'))).sw));
    expect(answers).toEqual(['63C2', '63C1', '63C0', '6983']);
    expect(swHex(await bench.verifyPin('123456'))).toBe('9000');
  });

  it('answers 6A80 to a malformed new PIN without counting the PUK', async () => {
    const bench = await selectedCard();
    expect(swHex((await bench.raw(resetRetryCounter('12345678', '12a456'))).sw)).toBe('6A80');
    expect(await metadata(bench, 0x81)).toBe('01 01 FF 05 01 01 06 02 03 03');
  });
});

describe('SET PIN RETRIES', () => {
  it('needs the management key and the PIN', async () => {
    const bench = await selectedCard();
    expect(swHex((await bench.raw('00 FA 05 06')).sw)).toBe('6982');
    await bench.authenticate();
    expect(swHex((await bench.raw('00 FA 05 06')).sw)).toBe('6982');
    await bench.verifyPin();
    expect(swHex((await bench.raw('00 FA 00 06')).sw)).toBe('6A86');
  });

  it('sets the tries and puts PIN and PUK back to their defaults', async () => {
    const bench = await selectedCard();
    await bench.raw(changeReference(0x80, '123456', '999999'));
    await bench.authenticate();
    await bench.verifyPin('999999');
    expect(swHex((await bench.raw('00 FA 05 06')).sw)).toBe('9000');
    expect(await metadata(bench, 0x80)).toBe('01 01 FF 05 01 01 06 02 05 05');
    expect(await metadata(bench, 0x81)).toBe('01 01 FF 05 01 01 06 02 06 06');
    expect(await status(bench)).toBe('63C5');
    expect(swHex(await bench.verifyPin('123456'))).toBe('9000');
  });
});

describe('RESET', () => {
  it('is refused while the PIN or the PUK still has tries', async () => {
    const bench = await selectedCard();
    expect(swHex((await bench.raw('00 FB 00 00')).sw)).toBe('6985');
    for (let index = 0; index < 3; index++) await bench.verifyPin('000000');
    expect(swHex((await bench.raw('00 FB 00 00')).sw)).toBe('6985');
  });

  it('puts the card back to factory state, keeping the attestation key, once PIN and PUK are blocked', async () => {
    const bench = await selectedCard();
    await bench.authenticate();
    await bench.send({cla: 0, ins: 0xff, p1: 0xff, p2: 0xff, data: hex(`0A 9B 18 ${'11 '.repeat(24)}`)});
    await bench.send({cla: 0, ins: 0x47, p1: 0, p2: Slot.Authentication, data: hex('AC 03 80 01 11')});
    await bench.send({cla: 0, ins: 0xdb, p1: 0x3f, p2: 0xff, data: hex('5C 03 5F C1 02 53 02 34 00')});
    for (let index = 0; index < 3; index++) await bench.verifyPin('000000');
    for (let index = 0; index < 3; index++) await bench.raw(resetRetryCounter('00000000', '111111'));
    expect(swHex((await bench.raw('00 FB 00 00')).sw)).toBe('9000');
    const view = bench.card.inspect();
    expect([...view.keys.keys()]).toEqual([Slot.Attestation]);
    expect([...view.objects.keys()].sort()).toEqual([ObjectId.Discovery, ObjectId.Attestation].sort());
    expect(await metadata(bench, 0x80)).toBe('01 01 FF 05 01 01 06 02 03 03');
    expect(swHex(await bench.authenticate())).toBe('9000');
  });
});
