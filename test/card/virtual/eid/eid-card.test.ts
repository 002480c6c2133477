import {mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeAll, describe, expect, it} from 'vitest';
import {ApduProtocol} from '../../../../source/apdu/protocol.js';
import {TransportError} from '../../../../source/apdu/transports/errors.js';
import {InProcessTransport} from '../../../../source/apdu/transports/in-process.js';
import {VirtualEidCard} from '../../../../source/card/virtual/eid/eid-card.js';
import {blankEidCard, oldSithsEidCard} from '../../../../source/card/virtual/eid/profiles.js';
import {
  loadEidCardState,
  parseEidCardState,
  serializeEidCardState,
} from '../../../../source/card/virtual/eid/state-file.js';
import {VirtualCardError} from '../../../../source/card/virtual/errors.js';
import {SIMULATED_HOLDER} from '../../../../source/card/virtual/simulate.js';
import {INSTANT_TIMING} from '../../../../source/card/virtual/timing.js';
import {toHex} from '../../../apdu/transcript-transport.js';
import {swHex} from '../card-under-test.js';
import {DEFAULT_EID_PINS, eidCardUnderTest, oldCa} from './eid-card-under-test.js';

let directory: string | undefined;

let issuer: Awaited<ReturnType<typeof oldCa>>;

beforeAll(async () => {
  issuer = await oldCa();
});

afterEach(() => {
  if (directory) rmSync(directory, {recursive: true, force: true});
  directory = undefined;
});

function stateFile(): string {
  directory = mkdtempSync(join(tmpdir(), 'siths-eid-'));
  return join(directory, 'card.json');
}

describe('the EID card state file', () => {
  it('round-trips the old-siths card: PINs, files, keys and their contents', async () => {
    const state = await oldSithsEidCard({holder: SIMULATED_HOLDER, issuer});
    const text = serializeEidCardState(state);
    expect(serializeEidCardState(parseEidCardState(text))).toBe(text);
  });

  it('is saved after every change, mode 0600, and a card loaded from it carries on', async () => {
    const file = stateFile();
    const card = await VirtualEidCard.loadOrCreate(
      file,
      () => oldSithsEidCard({holder: SIMULATED_HOLDER, issuer}),
      {timing: INSTANT_TIMING},
    );
    card.reset();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const wrong = await new ApduProtocol(new InProcessTransport(card)).transmit({
      cla: 0,
      ins: 0x20,
      p1: 0,
      p2: 0x82,
      data: new Uint8Array(8),
    });
    expect(swHex(wrong.sw)).toBe('63C2');
    expect(loadEidCardState(file).pins.get(0x82)!.remainingRetries).toBe(2);
    const again = await VirtualEidCard.loadOrCreate(file, () => Promise.reject(new Error('not created')));
    expect(again.inspect().pins.get(0x82)!.remainingRetries).toBe(2);
  });

  it('refuses a file that is not an EID card state with state-file-invalid', () => {
    const file = stateFile();
    writeFileSync(file, JSON.stringify({format: 'siths-upgrade/virtual-piv-card', version: 1}));
    expect(() => loadEidCardState(file)).toThrow(VirtualCardError);
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, 10));
    expect(() => loadEidCardState(file)).toThrow(expect.objectContaining({code: 'state-file-invalid'}));
  });
});

describe('the EID card torn out of the reader', () => {
  it.each([
    ['before', 'before-effect', '00 00'],
    ['after', 'after-effect', 'AB CD'],
  ] as const)(
    'keeps an UPDATE BINARY torn %s its effect exactly as far as it went, across a reload from the state file',
    async (_when, moment, expected) => {
      const file = stateFile();
      const card = await VirtualEidCard.loadOrCreate(
        file,
        () => oldSithsEidCard({holder: SIMULATED_HOLDER, issuer}),
        {timing: INSTANT_TIMING},
      );
      const transport = new InProcessTransport(card);
      const protocol = new ApduProtocol(transport);
      const send = (apdu: string) => transport.transmit(Buffer.from(apdu.replaceAll(' ', ''), 'hex'));
      await protocol.transmit({
        cla: 0,
        ins: 0x20,
        p1: 0,
        p2: 0x81,
        data: Buffer.from('3132333435360000', 'hex'),
      });
      await send('00 A4 08 0C 04 50 15 44 02');
      card.faults.tearAt(1, moment);
      await expect(send('00 D6 03 F0 02 AB CD')).rejects.toThrow(TransportError);
      const reloaded = eidCardUnderTest(loadEidCardState(file));
      await reloaded.selectPath('5015 4402');
      expect(toHex((await reloaded.raw('00 B0 03 F0 02')).data)).toBe(expected);
    },
  );
});

describe('the blank EID card', () => {
  it('has the PKCS#15 structure and both PINs but no keys and no certificates', async () => {
    const state = blankEidCard({cardNumber: SIMULATED_HOLDER.cardNumber});
    const {card, verify, selectPath, raw} = eidCardUnderTest(state);
    expect(card.inspect().keys.size).toBe(0);
    expect([...card.inspect().files.keys()].filter((path) => /^3F00501543/.test(path))).toEqual([]);
    expect(swHex(await verify(0x81, DEFAULT_EID_PINS.authentication))).toBe('9000');
    expect(swHex(await verify(0x82, DEFAULT_EID_PINS.signature))).toBe('9000');
    await selectPath('5015 4402');
    expect((await raw('00 B0 00 00 10')).data.every((byte) => byte === 0)).toBe(true);
  });

  it('refuses a malformed card number or PUK with profile-invalid', () => {
    expect(() => blankEidCard({cardNumber: '123'})).toThrow(
      expect.objectContaining({code: 'profile-invalid'}),
    );
    expect(() =>
      blankEidCard({cardNumber: SIMULATED_HOLDER.cardNumber, pins: {...DEFAULT_EID_PINS, puk: '1234'}}),
    ).toThrow(expect.objectContaining({code: 'profile-invalid'}));
  });
});
