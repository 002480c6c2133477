import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {ObjectId, Slot} from '../../../source/card/piv/constants.js';
import {CardTornError} from '../../../source/card/virtual/errors.js';
import {FaultInjector} from '../../../source/card/virtual/faults.js';
import {loadCardState} from '../../../source/card/virtual/state-file.js';
import {hex, toHex} from '../../apdu/transcript-transport.js';
import {cardUnderTest, swHex} from './card-under-test.js';

let directory: string;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'virtual-card-faults-'));
});

afterEach(() => {
  rmSync(directory, {recursive: true, force: true});
});

const PUT_CHUID = hex('00 DB 3F FF 08 5C 03 5F C1 02 53 01 00');

describe('fault injection', () => {
  it('tears before the effect: the command changes nothing, and the card is gone until reset', async () => {
    const file = join(directory, 'card.json');
    const bench = await cardUnderTest({stateFile: file});
    bench.card.save();
    await bench.select();
    await bench.authenticate();
    bench.faults.tearAt(1, 'before-effect');
    await expect(bench.card.process(PUT_CHUID)).rejects.toBeInstanceOf(CardTornError);
    await expect(bench.card.process(hex('00 FD 00 00 00'))).rejects.toMatchObject({code: 'card-torn'});
    expect(loadCardState(file).objects.has(ObjectId.Chuid)).toBe(false);
    bench.card.reset();
    await bench.select();
    expect(swHex((await bench.raw('00 CB 3F FF 05 5C 03 5F C1 02 00')).sw)).toBe('6A82');
    // The tear took the management key authentication with it.
    expect(swHex((await bench.raw(PUT_CHUID)).sw)).toBe('6982');
  });

  it('tears after the effect: the command took effect and was saved, but its answer is lost', async () => {
    const file = join(directory, 'card.json');
    const bench = await cardUnderTest({stateFile: file});
    await bench.select();
    await bench.authenticate();
    bench.faults.tearAt(1, 'after-effect');
    await expect(bench.card.process(PUT_CHUID)).rejects.toBeInstanceOf(CardTornError);
    expect(toHex(loadCardState(file).objects.get(ObjectId.Chuid)!)).toBe('00');
    bench.card.reset();
    await bench.select();
    expect(toHex((await bench.raw('00 CB 3F FF 05 5C 03 5F C1 02 00')).data)).toBe('53 01 00');
  });

  it('tears at the Nth command from now, counting chained pieces and GET RESPONSE', async () => {
    const bench = await cardUnderTest();
    await bench.select();
    const before = bench.faults.commandCount;
    bench.faults.tearAt(3, 'before-effect');
    expect(swHex((await bench.raw('00 87 0A 9B 04 7C 02 80 00 04')).sw)).toBe('6110');
    expect(swHex((await bench.raw('00 C0 00 00 10')).sw)).toBe('9000');
    await expect(bench.raw('00 FD 00 00 00')).rejects.toBeInstanceOf(CardTornError);
    expect(bench.faults.commandCount - before).toBe(3);
  });

  it('counts a wrong PIN that was torn after its effect', async () => {
    const bench = await cardUnderTest();
    await bench.select();
    bench.faults.tearAt(1, 'after-effect');
    await expect(bench.verifyPin('000000')).rejects.toMatchObject({code: 'card-removed'});
    bench.card.reset();
    await bench.select();
    expect(swHex((await bench.raw('00 20 00 80')).sw)).toBe('63C2');
  });

  it('fails key generation with the status word asked for and keeps the key the slot had', async () => {
    const bench = await cardUnderTest();
    await bench.select();
    await bench.authenticate();
    const generate = () =>
      bench.send({cla: 0, ins: 0x47, p1: 0, p2: Slot.Authentication, data: hex('AC 03 80 01 11')});
    await generate();
    const key = toHex(bench.card.inspect().keys.get(Slot.Authentication)!.publicKey);
    bench.faults.failKeyGeneration();
    expect(swHex((await generate()).sw)).toBe('6F00');
    expect(toHex(bench.card.inspect().keys.get(Slot.Authentication)!.publicKey)).toBe(key);
    bench.faults.failKeyGeneration(2, 0x6581);
    expect([
      swHex((await generate()).sw),
      swHex((await generate()).sw),
      swHex((await generate()).sw),
    ]).toEqual(['6581', '6581', '9000']);
  });

  it('answers 6A84 to PUT DATA while memory is full, still deletes, and writes again once cleared', async () => {
    const faults = new FaultInjector();
    const bench = await cardUnderTest({faults});
    await bench.select();
    await bench.authenticate();
    expect(swHex((await bench.raw(PUT_CHUID)).sw)).toBe('9000');
    faults.setMemoryFull(true);
    expect(swHex((await bench.raw(PUT_CHUID)).sw)).toBe('6A84');
    expect(swHex((await bench.raw('00 DB 3F FF 07 5C 03 5F C1 02 53 00')).sw)).toBe('9000');
    faults.clear();
    expect(swHex((await bench.raw(PUT_CHUID)).sw)).toBe('9000');
  });

  it('refuses a tear that is not a positive count', () => {
    expect(() => new FaultInjector().tearAt(0, 'before-effect')).toThrow(RangeError);
  });
});
