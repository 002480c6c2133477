import {beforeAll, describe, expect, it} from 'vitest';
import {decodeTlvs, findTlv} from '../../../../source/apdu/tlv.js';
import {TELIA_EID_IP5A_ATR} from '../../../../source/card/virtual/eid/constants.js';
import {encodeSecurityAttributes} from '../../../../source/card/virtual/eid/security-attributes.js';
import {KEY_FILE_BYTES} from '../../../../source/card/virtual/eid/state.js';
import {hex, toHex} from '../../../apdu/transcript-transport.js';
import {swHex} from '../card-under-test.js';
import {DEFAULT_EID_PINS, oldCa, oldSithsCardUnderTest} from './eid-card-under-test.js';

/** CREATE FILE data: a 62 template with size, descriptor, identifier, security attributes and life cycle 07. */
function createData(descriptor: number, fid: number, size: number, attributes: Uint8Array): string {
  const body = [
    ...[0x81, 0x02, size >> 8, size & 0xff],
    ...[0x82, 0x01, descriptor],
    ...[0x83, 0x02, fid >> 8, fid & 0xff],
    ...[0x86, attributes.length, ...attributes],
    ...[0x8a, 0x01, 0x07],
  ];
  const data = [0x62, body.length, ...body];
  return toHex(Uint8Array.of(0x00, 0xe0, 0x00, 0x00, data.length, ...data));
}

const CERTIFICATE_ATTRIBUTES = encodeSecurityAttributes('ef', {
  read: {type: 'always'},
  update: {type: 'pin', reference: 0x81},
  delete: {type: 'pin', reference: 0x81},
});
const KEY_ATTRIBUTES = encodeSecurityAttributes('key', {
  read: {type: 'always'},
  generate: {type: 'pin', reference: 0x82},
  delete: {type: 'pin', reference: 0x82},
  sign: {type: 'pin', reference: 0x82},
});

beforeAll(async () => {
  await oldCa();
});

describe('the EID card as OpenSC finds it', () => {
  it('answers reset with the Telia EID IP5a ATR and GET DATA DF30 with "v2.1" and one byte', async () => {
    const {card, raw} = await oldSithsCardUnderTest();
    expect(toHex(card.reset())).toBe(toHex(TELIA_EID_IP5A_ATR));
    const version = await raw('00 CA DF 30 05');
    expect(swHex(version.sw)).toBe('9000');
    expect(toHex(version.data)).toBe('76 32 2E 31 00');
  });

  it.each([
    ['coolkey', '00 A4 04 00 07 62 76 01 FF 00 00 00'],
    ['muscle', '00 A4 04 00 06 A0 00 00 00 01 01'],
    ['sc-hsm', '00 A4 04 00 0B E8 2B 06 01 04 01 81 C3 1F 02 01'],
    ['mcrd', '00 A4 04 0C 0F D2 33 00 00 00 45 73 74 45 49 44 20 76 33 35'],
  ])('answers 6A82 to the %s probe and keeps the selection', async (_driver, probe) => {
    const {raw, selectPath} = await oldSithsCardUnderTest();
    expect(swHex(await selectPath('5015'))).toBe('9000');
    expect(swHex((await raw(probe)).sw)).toBe('6A82');
    expect(swHex((await raw('00 A4 00 0C 02 50 31')).sw)).toBe('9000');
  });

  it('answers a case-4 SELECT without Le with 61xx and the FCI on GET RESPONSE, as T=0 cards do', async () => {
    const {raw} = await oldSithsCardUnderTest();
    const select = await raw('00 A4 08 00 02 2F 00');
    expect(swHex(select.sw)).toMatch(/^61/);
    expect(select.data.length).toBe(0);
    const fci = await raw(`00 C0 00 00 ${(select.sw & 0xff).toString(16)}`);
    expect(swHex(fci.sw)).toBe('9000');
    const items = decodeTlvs(decodeTlvs(fci.data)[0]!.value);
    expect(toHex(findTlv(items, 0x82)!)).toBe('01');
    expect(toHex(findTlv(items, 0x83)!)).toBe('2F 00');
    expect(toHex(findTlv(items, 0x8a)!)).toBe('07');
    expect(findTlv(items, 0x80)!.length).toBe(2);
    expect(findTlv(items, 0x86)).toBeDefined();
  });

  it('refuses extended APDUs with 6700', async () => {
    const {raw} = await oldSithsCardUnderTest();
    expect(swHex((await raw('00 B0 00 00 00 01 00')).sw)).toBe('6700');
  });

  it('selects the PKCS#15 DF by its AID, by path and by identifier, and an internal key EF with descriptor 11', async () => {
    const {send, raw} = await oldSithsCardUnderTest();
    const byName = await send({
      cla: 0,
      ins: 0xa4,
      p1: 0x04,
      p2: 0x00,
      data: hex('A0 00 00 00 63 50 4B 43 53 2D 31 35'),
      le: 256,
    });
    expect(swHex(byName.sw)).toBe('9000');
    expect(toHex(findTlv(decodeTlvs(decodeTlvs(byName.data)[0]!.value), 0x84)!)).toBe(
      'A0 00 00 00 63 50 4B 43 53 2D 31 35',
    );
    expect(swHex((await raw('00 A4 00 0C 02 3F 00')).sw)).toBe('9000');
    expect(swHex((await raw('00 A4 00 0C 02 50 15')).sw)).toBe('9000');
    const key = await send({cla: 0, ins: 0xa4, p1: 0x00, p2: 0x00, data: hex('4B 01'), le: 256});
    expect(toHex(findTlv(decodeTlvs(decodeTlvs(key.data)[0]!.value), 0x82)!)).toBe('11');
    expect(swHex((await raw('00 A4 00 0C 02 4B 09')).sw)).toBe('6A82');
    expect(swHex((await raw('00 A4 08 0C 03 50 15 44')).sw)).toBe('6A80');
  });
});

describe('READ BINARY and UPDATE BINARY on the EID card', () => {
  it('reads a file in 256-byte pieces and a short last one, and refuses an offset past the end with 6B00', async () => {
    const {raw, selectPath, card} = await oldSithsCardUnderTest();
    expect(swHex(await selectPath('5015 4402'))).toBe('9000');
    const first = await raw('00 B0 00 00 00');
    const last = await raw('00 B0 03 00 00');
    expect(first.data.length).toBe(256);
    expect(last.data.length).toBe(card.inspect().files.get('3F0050154402')!.size - 0x300);
    expect(swHex((await raw('00 B0 04 00 00')).sw)).toBe('6B00');
  });

  it('refuses READ BINARY on a key file with 6981 and without a current EF with 6986', async () => {
    const {raw, selectPath} = await oldSithsCardUnderTest();
    await selectPath('5015 4B01');
    expect(swHex((await raw('00 B0 00 00 10')).sw)).toBe('6981');
    await selectPath('5015');
    expect(swHex((await raw('00 B0 00 00 10')).sw)).toBe('6986');
  });

  it('updates a directory file only after the Legitimering PIN, and never the AODF', async () => {
    const {raw, selectPath, verify} = await oldSithsCardUnderTest();
    await selectPath('5015 4402');
    expect(swHex((await raw('00 D6 03 F0 02 AB CD')).sw)).toBe('6982');
    expect(swHex(await verify(0x82, DEFAULT_EID_PINS.signature))).toBe('9000');
    expect(swHex((await raw('00 D6 03 F0 02 AB CD')).sw)).toBe('6982');
    expect(swHex(await verify(0x81, DEFAULT_EID_PINS.authentication))).toBe('9000');
    expect(swHex((await raw('00 D6 03 F0 02 AB CD')).sw)).toBe('9000');
    expect(toHex((await raw('00 B0 03 F0 02')).data)).toBe('AB CD');
    expect(swHex((await raw('00 D6 03 FF 02 AB CD')).sw)).toBe('6A84');
    await selectPath('5015 4401');
    expect(swHex((await raw('00 D6 00 00 01 00')).sw)).toBe('6986');
  });

  it('forgets the verified PIN on reset', async () => {
    const {card, raw, selectPath, verify} = await oldSithsCardUnderTest();
    await verify(0x81, DEFAULT_EID_PINS.authentication);
    card.reset();
    await selectPath('5015 4402');
    expect(swHex((await raw('00 D6 00 00 01 00')).sw)).toBe('6982');
  });
});

describe('CREATE FILE and DELETE FILE on the EID card', () => {
  it('has room beside the old credential for two new pairs: four key files, four keys and four certificates', async () => {
    const {raw, send, selectPath, verify, card} = await oldSithsCardUnderTest();
    await verify(0x81, DEFAULT_EID_PINS.authentication);
    for (let index = 0; index < 4; index++) {
      await selectPath('5015');
      expect(swHex((await raw(createData(0x11, 0x4b03 + index, 0, KEY_ATTRIBUTES))).sw)).toBe('9000');
      expect(swHex(await verify(0x82, DEFAULT_EID_PINS.signature))).toBe('9000');
      expect(swHex((await raw('00 46 00 00 09 92 00 08 00 00 18 01 00 01')).sw)).toBe('9000');
      await selectPath('5015');
      expect(swHex((await raw(createData(0x01, 0x4333 + index, 2048, CERTIFICATE_ATTRIBUTES))).sw)).toBe(
        '9000',
      );
      const written = await send({cla: 0, ins: 0xd6, p1: 0, p2: 0, data: new Uint8Array(255).fill(index)});
      expect(swHex(written.sw)).toBe('9000');
    }
    const view = card.inspect();
    expect(view.keys.size).toBe(6);
    expect(view.usedBytes).toBeLessThanOrEqual(view.capacity);
  });

  it('refuses CREATE FILE without the Legitimering PIN (6982), for an existing identifier (6A89), and on a full card (6A84)', async () => {
    const full = await oldSithsCardUnderTest({freeBytes: KEY_FILE_BYTES});
    await full.selectPath('5015');
    expect(swHex((await full.raw(createData(0x11, 0x4b03, 0, KEY_ATTRIBUTES))).sw)).toBe('6982');
    await full.verify(0x81, DEFAULT_EID_PINS.authentication);
    expect(swHex((await full.raw(createData(0x11, 0x4b01, 0, KEY_ATTRIBUTES))).sw)).toBe('6A89');
    expect(swHex((await full.raw(createData(0x11, 0x4b03, 0, KEY_ATTRIBUTES))).sw)).toBe('6A84');
    const before = full.card.inspect().files.size;
    full.card.faults.setMemoryFull(true);
    await full.selectPath('5015');
    expect(swHex((await full.raw(createData(0x01, 0x4333, 16, CERTIFICATE_ATTRIBUTES))).sw)).toBe('6A84');
    expect(full.card.inspect().files.size).toBe(before);
  });

  it('refuses CREATE FILE data it cannot read with 6A80, creating nothing', async () => {
    const {raw, selectPath, verify, card} = await oldSithsCardUnderTest();
    await verify(0x81, DEFAULT_EID_PINS.authentication);
    await selectPath('5015');
    const before = card.inspect().files.size;
    expect(swHex((await raw(createData(0x11, 0x4b03, 0, hex('21 01 01')))).sw)).toBe('6A80');
    expect(swHex((await raw(createData(0x07, 0x4b03, 0, KEY_ATTRIBUTES))).sw)).toBe('6A80');
    expect(swHex((await raw(createData(0x01, 0x3f00, 4, CERTIFICATE_ATTRIBUTES))).sw)).toBe('6A80');
    expect(swHex((await raw('00 E0 00 00 03 62 01 82')).sw)).toBe('6A80');
    expect(card.inspect().files.size).toBe(before);
  });

  it('deletes the old Underskrift key only after the Underskrift PIN, and its certificate after the Legitimering PIN', async () => {
    const {raw, selectPath, verify, card} = await oldSithsCardUnderTest();
    await selectPath('5015');
    await verify(0x81, DEFAULT_EID_PINS.authentication);
    expect(swHex((await raw('00 E4 00 00 02 4B 02')).sw)).toBe('6982');
    expect(swHex((await raw('00 E4 00 00 02 43 32')).sw)).toBe('9000');
    await verify(0x82, DEFAULT_EID_PINS.signature);
    await selectPath('5015 4B02');
    expect(swHex((await raw('00 E4 00 00')).sw)).toBe('9000');
    expect(swHex((await raw('00 A4 00 0C 02 4B 02')).sw)).toBe('6A82');
    expect([...card.inspect().files.keys()]).not.toContain('3F0050154B02');
    expect([...card.inspect().files.keys()]).not.toContain('3F0050154332');
    expect(swHex((await raw('00 A4 00 0C 02 3F 00')).sw)).toBe('9000');
    expect(swHex((await raw('00 E4 00 00 02 50 15')).sw)).toBe('6986');
  });

  it('activates a file created in its creation state', async () => {
    const {raw, send, selectPath, verify} = await oldSithsCardUnderTest();
    await verify(0x81, DEFAULT_EID_PINS.authentication);
    await selectPath('5015');
    const data = createData(0x01, 0x4333, 8, CERTIFICATE_ATTRIBUTES).replace(/8A 01 07$/, '8A 01 01');
    expect(swHex((await raw(data)).sw)).toBe('9000');
    const lifeCycle = async () =>
      toHex(
        findTlv(
          decodeTlvs(
            decodeTlvs((await send({cla: 0, ins: 0xa4, p1: 0, p2: 0, data: hex('43 33'), le: 256})).data)[0]!
              .value,
          ),
          0x8a,
        )!,
      );
    expect(await lifeCycle()).toBe('01');
    expect(swHex((await raw('00 44 00 00')).sw)).toBe('9000');
    expect(await lifeCycle()).toBe('07');
  });
});
