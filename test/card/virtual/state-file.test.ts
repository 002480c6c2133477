import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {Algorithm, ObjectId, Slot} from '../../../source/card/piv/constants.js';
import {VirtualCardError} from '../../../source/card/virtual/errors.js';
import {blankCard} from '../../../source/card/virtual/profiles.js';
import {
  loadCardState,
  parseCardState,
  saveCardState,
  serializeCardState,
} from '../../../source/card/virtual/state-file.js';
import {INSTANT_TIMING} from '../../../source/card/virtual/timing.js';
import {VirtualPivCard} from '../../../source/card/virtual/virtual-card.js';
import {hex, toHex} from '../../apdu/transcript-transport.js';
import {cardUnderTest, swHex} from './card-under-test.js';

let directory: string;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'virtual-card-'));
});

afterEach(() => {
  rmSync(directory, {recursive: true, force: true});
});

describe('the state file', () => {
  it('keeps what the card did across a reload: tries counted, keys generated, objects written', async () => {
    const file = join(directory, 'card.json');
    const first = await cardUnderTest({stateFile: file});
    first.card.save();
    await first.select();
    expect(swHex(await first.verifyPin('000000'))).toBe('63C2');
    await first.authenticate();
    await first.send({cla: 0, ins: 0x47, p1: 0, p2: Slot.Signature, data: hex('AC 03 80 01 11')});
    await first.send({cla: 0, ins: 0xdb, p1: 0x3f, p2: 0xff, data: hex('5C 03 5F C1 02 53 02 30 00')});
    const before = first.card.inspect();

    const second = VirtualPivCard.load(file, {timing: INSTANT_TIMING});
    const after = second.inspect();
    expect(after.pin).toEqual({totalRetries: 3, remainingRetries: 2});
    expect(toHex(after.keys.get(Slot.Signature)!.publicKey)).toBe(
      toHex(before.keys.get(Slot.Signature)!.publicKey),
    );
    expect(toHex(after.objects.get(ObjectId.Chuid)!)).toBe('30 00');
    expect(after.serial).toBe(before.serial);
    second.reset();
    const response = await second.process(hex('00 A4 04 00 05 A0 00 00 03 08'));
    expect(toHex(response.subarray(-2))).toBe('90 00');
    expect(toHex(await second.process(hex('00 20 00 80')))).toBe('63 C2');
  });

  it('round-trips every part of the state through its JSON', async () => {
    const state = await blankCard({serial: 42_424_242, firmware: {major: 5, minor: 4, patch: 3}});
    state.pin.remainingRetries = 1;
    state.objects.set(ObjectId.PrintedInformation, hex('01 02 03'));
    const copy = parseCardState(serializeCardState(state));
    expect(copy.firmware).toEqual({major: 5, minor: 4, patch: 3});
    expect(copy.managementKey.algorithm).toBe(Algorithm.TripleDes);
    expect(serializeCardState(copy)).toBe(serializeCardState(state));
  });

  it('is written with mode 0600 and leaves no temporary file behind', async () => {
    const file = join(directory, 'card.json');
    saveCardState(file, await blankCard({serial: 1}));
    saveCardState(file, await blankCard({serial: 2}));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(directory)).toEqual(['card.json']);
    expect(loadCardState(file).serial).toBe(2);
  });

  it.each([
    ['text that is not JSON', 'not json'],
    ['another format', '{"format": "something else", "version": 1}'],
  ])('refuses %s as state-file-invalid', (_, text) => {
    const file = join(directory, 'card.json');
    writeFileSync(file, text);
    expect(() => loadCardState(file)).toThrow(VirtualCardError);
    expect(() => loadCardState(file)).toThrow(expect.objectContaining({code: 'state-file-invalid'}));
  });

  it('refuses a state whose values a card cannot have', async () => {
    interface StateJson {
      firmware: string;
      pin: {value: string; remainingRetries: number};
      managementKey: {key: string};
      keys: {slot: string; algorithm: number}[];
    }
    const json = JSON.parse(serializeCardState(await blankCard({serial: 3}))) as StateJson;
    const broken = (change: (copy: StateJson) => void) => {
      const copy = structuredClone(json);
      change(copy);
      return () => parseCardState(JSON.stringify(copy));
    };
    for (const attempt of [
      broken((copy) => (copy.pin.remainingRetries = 4)),
      broken((copy) => (copy.pin.value = 'abc')),
      broken((copy) => (copy.managementKey.key = '0102')),
      broken((copy) => (copy.keys[0]!.slot = '9b')),
      broken((copy) => (copy.keys[0]!.algorithm = Algorithm.Rsa2048)),
      broken((copy) => (copy.firmware = 'five')),
    ])
      expect(attempt).toThrow(expect.objectContaining({code: 'state-file-invalid'}));
  });

  it('reports a missing file as state-file-invalid and an unwritable place as state-file-failed', async () => {
    expect(() => loadCardState(join(directory, 'absent.json'))).toThrow(
      expect.objectContaining({code: 'state-file-invalid'}),
    );
    const state = await blankCard({serial: 5});
    expect(() => saveCardState(join(directory, 'no', 'such', 'card.json'), state)).toThrow(
      expect.objectContaining({code: 'state-file-failed'}),
    );
  });

  it('creates a card from its profile once and loads it afterwards', async () => {
    const file = join(directory, 'card.json');
    let created = 0;
    const create = async () => {
      created++;
      return blankCard({serial: 77});
    };
    const first = await VirtualPivCard.loadOrCreate(file, create, {timing: INSTANT_TIMING});
    const second = await VirtualPivCard.loadOrCreate(file, create, {timing: INSTANT_TIMING});
    expect(created).toBe(1);
    expect(second.inspect().serial).toBe(first.inspect().serial);
    writeFileSync(file, 'garbage');
    await expect(VirtualPivCard.loadOrCreate(file, create)).rejects.toMatchObject({
      code: 'state-file-invalid',
    });
  });

  it('does not quote the PIN in its error messages', async () => {
    const file = join(directory, 'card.json');
    saveCardState(file, await blankCard({serial: 6}));
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('"pin"');
    writeFileSync(file, text.replace('"totalRetries": 3', '"totalRetries": 300'));
    const error = (() => {
      try {
        loadCardState(file);
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(error?.message).not.toContain('313233343536');
  });
});
