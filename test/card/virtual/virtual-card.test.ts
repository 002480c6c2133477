import {describe, expect, it} from 'vitest';
import {encodeTlv, encodeTlvs} from '../../../source/apdu/tlv.js';
import {TransportError} from '../../../source/apdu/transports/errors.js';
import {InProcessTransport} from '../../../source/apdu/transports/in-process.js';
import {ApduProtocol} from '../../../source/apdu/protocol.js';
import {PIV_AID} from '../../../source/card/piv/constants.js';
import {CardTornError, VirtualCardError} from '../../../source/card/virtual/errors.js';
import {blankCard} from '../../../source/card/virtual/profiles.js';
import {JCOP4_TIMING} from '../../../source/card/virtual/timing.js';
import {VirtualPivCard, YUBIKEY_5_ATR} from '../../../source/card/virtual/virtual-card.js';
import {hex, toHex} from '../../apdu/transcript-transport.js';
import {cardUnderTest, encodeApdu, swHex} from './card-under-test.js';

/** PUT DATA of `value` into object 5FFF10 (a Microsoft container map object, free for any content). */
function putObjectBody(value: Uint8Array, id = hex('5F FF 10')): Uint8Array {
  return encodeTlvs([
    {tag: 0x5c, value: id},
    {tag: 0x53, value},
  ]);
}

function pattern(length: number): Uint8Array {
  return Uint8Array.from({length}, (_, index) => index & 0xff);
}

describe('VirtualPivCard framing', () => {
  it('answers reset with the YubiKey 5 ATR and has no application selected until SELECT', async () => {
    const {card, raw} = await cardUnderTest();
    expect(toHex(card.reset())).toBe(toHex(YUBIKEY_5_ATR));
    expect(swHex((await raw('00 FD 00 00 00')).sw)).toBe('6D00');
    expect(swHex((await raw('00 A4 04 00 05 A0 00 00 03 08')).sw)).toBe('9000');
    expect(toHex((await raw('00 FD 00 00 00')).data)).toBe('05 07 02');
  });

  it.each([5, 6, 9, 11])(
    'selects PIV by the first %i bytes of its AID and answers the YubiKey APT',
    async (length) => {
      const {raw} = await cardUnderTest();
      const response = await raw(encodeApdu(0xa4, 0x04, 0x00, PIV_AID.subarray(0, length)));
      expect(swHex(response.sw)).toBe('9000');
      expect(toHex(response.data)).toBe('61 11 4F 06 00 00 10 00 01 00 79 07 4F 05 A0 00 00 03 08');
    },
  );

  it('answers SELECT with P2 0C without data', async () => {
    const {raw} = await cardUnderTest();
    const response = await raw('00 A4 04 0C 05 A0 00 00 03 08');
    expect([swHex(response.sw), response.data.length]).toEqual(['9000', 0]);
  });

  it('answers 6A82 to a foreign AID or a file selection and keeps PIV selected with its security state', async () => {
    const {raw, select, verifyPin} = await cardUnderTest();
    await select();
    expect(swHex(await verifyPin())).toBe('9000');
    // OpenSC's PKCS#15 probe, a 4-byte AID shorter than the RID, an AID longer than PIV's, the MF by file id.
    for (const apdu of [
      '00 A4 04 00 0C A0 00 00 00 63 50 4B 43 53 2D 31 35',
      '00 A4 04 00 04 A0 00 00 03',
      '00 A4 04 00 0C A0 00 00 03 08 00 00 10 00 01 00 00',
      '00 A4 00 00 02 3F 00',
    ])
      expect(swHex((await raw(apdu)).sw)).toBe('6A82');
    expect(swHex((await raw('00 20 00 80')).sw)).toBe('9000');
  });

  it('keeps the security state when PIV is selected again and clears it when another application is selected', async () => {
    const {raw, select, verifyPin} = await cardUnderTest();
    await select();
    await verifyPin();
    await select();
    expect(swHex((await raw('00 20 00 80')).sw)).toBe('9000');
    const management = await raw('00 A4 04 00 08 A0 00 00 05 27 47 11 17');
    expect([swHex(management.sw), Buffer.from(management.data).toString()]).toEqual(['9000', '5.7.2']);
    expect(swHex((await raw('00 20 00 80')).sw)).toBe('6D00');
    await select();
    expect(swHex((await raw('00 20 00 80')).sw)).toBe('63C3');
  });

  it.each([
    ['0C', '6882'],
    ['01', '6881'],
    ['80', '6E00'],
    ['E0', '6E00'],
  ])('answers class byte %s with %s', async (cla, sw) => {
    const {raw, select} = await cardUnderTest();
    await select();
    expect(swHex((await raw(`${cla} FD 00 00 00`)).sw)).toBe(sw);
  });

  it('answers 6700 to bytes that fit none of the APDU cases', async () => {
    const {raw, select} = await cardUnderTest();
    await select();
    expect(swHex((await raw('00 CB 3F FF 05 5C 03')).sw)).toBe('6700');
    expect(swHex((await raw('00 CB 3F')).sw)).toBe('6700');
  });

  it('accepts the APDU forms of OpenSC, yubico-piv-tool and piv-go', async () => {
    const {raw, select} = await cardUnderTest();
    await select();
    // Case 1 (OpenSC VERIFY status), Le 00 without data (yubico-piv-tool), no Le (piv-go), trailing Le 00.
    expect(swHex((await raw('00 20 00 80')).sw)).toBe('63C3');
    expect(toHex((await raw('00 FD 00 00 00')).data)).toBe('05 07 02');
    expect(toHex((await raw('00 FD 00 00')).data)).toBe('05 07 02');
    const discovery = await raw('00 CB 3F FF 03 5C 01 7E 00');
    expect(toHex(discovery.data)).toBe('7E 12 4F 0B A0 00 00 03 08 00 00 10 00 01 00 5F 2F 02 40 00');
    expect(toHex((await raw('00 CB 3F FF 03 5C 01 7E')).data)).toBe(toHex(discovery.data));
  });

  it('joins command data sent in CLA 10 pieces, answering 9000 to each piece', async () => {
    const {raw, select, authenticate} = await cardUnderTest();
    await select();
    await authenticate();
    const body = putObjectBody(pattern(600));
    const pieces = [body.subarray(0, 255), body.subarray(255, 510), body.subarray(510)];
    expect(swHex((await raw(Uint8Array.of(0x10, 0xdb, 0x3f, 0xff, 255, ...pieces[0]!))).sw)).toBe('9000');
    expect(swHex((await raw(Uint8Array.of(0x10, 0xdb, 0x3f, 0xff, 255, ...pieces[1]!))).sw)).toBe('9000');
    expect(
      swHex((await raw(Uint8Array.of(0x00, 0xdb, 0x3f, 0xff, pieces[2]!.length, ...pieces[2]!))).sw),
    ).toBe('9000');
    expect(toHex(await getObject(raw))).toBe(toHex(encodeTlv(0x53, pattern(600))));
  });

  it('rolls a chain back when another command arrives before its last piece', async () => {
    const {raw, select, authenticate} = await cardUnderTest();
    await select();
    await authenticate();
    const body = putObjectBody(pattern(300));
    await raw(Uint8Array.of(0x10, 0xdb, 0x3f, 0xff, 255, ...body.subarray(0, 255)));
    expect(toHex((await raw('00 FD 00 00 00')).data)).toBe('05 07 02');
    const rest = body.subarray(255);
    expect(swHex((await raw(Uint8Array.of(0x00, 0xdb, 0x3f, 0xff, rest.length, ...rest))).sw)).toBe('6A80');
    expect(swHex((await raw('00 CB 3F FF 05 5C 03 5F FF 10 00')).sw)).toBe('6A82');
  });

  it('answers a long response in chunks of at most Ne bytes with 61xx, fetched by GET RESPONSE', async () => {
    const {raw, select, authenticate, send} = await cardUnderTest();
    await select();
    await authenticate();
    expect(
      swHex((await send({cla: 0, ins: 0xdb, p1: 0x3f, p2: 0xff, data: putObjectBody(pattern(1000))})).sw),
    ).toBe('9000');
    const expected = encodeTlv(0x53, pattern(1000));
    const first = await raw('00 CB 3F FF 05 5C 03 5F FF 10 00');
    expect([first.data.length, swHex(first.sw)]).toEqual([256, '6100']);
    const received = [first.data];
    const statuses = [first.sw];
    const small = await raw('00 C0 00 00 10');
    expect([small.data.length, swHex(small.sw)]).toEqual([16, '6100']);
    received.push(small.data);
    for (;;) {
      const {data, sw} = await raw('00 C0 00 00 00');
      expect(data.length).toBeLessThanOrEqual(256);
      received.push(data);
      statuses.push(sw);
      if (sw === 0x9000) break;
    }
    // 1004 bytes: 256 + 16 + 256 + 256 + 220.
    expect(statuses.map(swHex)).toEqual(['6100', '6100', '61DC', '9000']);
    expect(toHex(Buffer.concat(received))).toBe(toHex(expected));
  });

  it('answers 6Cxx to a short Le on version, serial and metadata, and 61xx with the first Ne bytes otherwise', async () => {
    const {raw, select} = await cardUnderTest();
    await select();
    // GET DATA with a short Le gives the first bytes and 61xx: OpenSC reads an object's head with Le 08.
    const head = await raw('00 CB 3F FF 03 5C 01 7E 08');
    expect([toHex(head.data), swHex(head.sw)]).toEqual(['7E 12 4F 0B A0 00 00 03', '610C']);
    expect(swHex((await raw('00 FD 00 00 01')).sw)).toBe('6C03');
    const witness = await raw('00 87 0A 9B 04 7C 02 80 00 04');
    expect([witness.data.length, swHex(witness.sw)]).toEqual([4, '6110']);
    const rest = await raw('00 C0 00 00 10');
    expect([rest.data.length, swHex(rest.sw)]).toEqual([16, '9000']);
  });

  it('drops a pending response when another command arrives', async () => {
    const {raw, select} = await cardUnderTest();
    await select();
    await raw('00 87 0A 9B 04 7C 02 80 00 04');
    await raw('00 FD 00 00 00');
    expect(swHex((await raw('00 C0 00 00 00')).sw)).toBe('6985');
    expect(swHex((await raw('00 C0 01 00 00')).sw)).toBe('6A86');
  });

  it('takes extended-length commands and answers up to an extended Ne at once', async () => {
    const {raw, select, authenticate} = await cardUnderTest();
    await select();
    await authenticate();
    const body = putObjectBody(pattern(2000));
    const put = Uint8Array.of(0x00, 0xdb, 0x3f, 0xff, 0x00, body.length >> 8, body.length & 0xff, ...body);
    expect(swHex((await raw(put)).sw)).toBe('9000');
    const response = await raw('00 CB 3F FF 00 00 05 5C 03 5F FF 10 00 00');
    expect(swHex(response.sw)).toBe('9000');
    expect(toHex(response.data)).toBe(toHex(encodeTlv(0x53, pattern(2000))));
  });

  it('serves the APDU stack: objects of every size round-trip through InProcessTransport and ApduProtocol', async () => {
    const {select, authenticate, send} = await cardUnderTest();
    await select();
    await authenticate();
    for (const length of [1, 127, 128, 250, 251, 255, 256, 257, 1500, 3063]) {
      const value = pattern(length);
      expect(
        swHex((await send({cla: 0, ins: 0xdb, p1: 0x3f, p2: 0xff, data: putObjectBody(value)})).sw),
      ).toBe('9000');
      const read = await send({cla: 0, ins: 0xcb, p1: 0x3f, p2: 0xff, data: hex('5C 03 5F FF 10'), le: 256});
      expect(toHex(read.data)).toBe(toHex(encodeTlv(0x53, value)));
    }
  });

  it('runs concurrent commands one at a time, in order', async () => {
    const {card, select} = await cardUnderTest();
    await select();
    const answers = await Promise.all([
      card.process(hex('00 FD 00 00 00')),
      card.process(hex('00 F8 00 00 00')),
      card.process(hex('00 20 00 80')),
    ]);
    expect(answers.map(toHex)).toEqual(['05 07 02 90 00', '00 BC 61 4E 90 00', '63 C3']);
  });

  it('refuses commands while powered off, and forgets the PIN and management key on power off and reset', async () => {
    const {card, raw, select, verifyPin, authenticate} = await cardUnderTest();
    await select();
    await verifyPin();
    await authenticate();
    card.powerOff();
    await expect(card.process(hex('00 FD 00 00 00'))).rejects.toMatchObject({code: 'card-powered-off'});
    await expect(card.process(hex('00 FD 00 00 00'))).rejects.toBeInstanceOf(VirtualCardError);
    card.reset();
    await select();
    expect(swHex((await raw('00 20 00 80')).sw)).toBe('63C3');
    const put = Uint8Array.of(0, 0xdb, 0x3f, 0xff, ...lengthPrefixed(putObjectBody(hex('01'))));
    expect(swHex((await raw(put)).sw)).toBe('6982');
    await verifyPin();
    card.reset();
    await select();
    expect(swHex((await raw('00 20 00 80')).sw)).toBe('63C3');
  });

  it('waits out its timing model through the injected clock', async () => {
    const sleeps: number[] = [];
    const card = new VirtualPivCard({
      state: await blankCard({serial: 1}),
      timing: JCOP4_TIMING,
      clock: {now: () => 0, sleep: async (ms) => void sleeps.push(ms)},
    });
    card.reset();
    await card.process(hex('00 A4 04 00 05 A0 00 00 03 08'));
    await card.process(hex('00 FD 00 00 00'));
    // 40 ms per command plus the bytes both ways at 10,000 bytes per second.
    expect(sleeps).toEqual([40 + ((10 + 21) / 10_000) * 1000, 40 + ((5 + 5) / 10_000) * 1000]);
  });

  it('reports a tear to the in-process transport as a removed card, and works again after reconnect', async () => {
    const {card, faults} = await cardUnderTest();
    const transport = new InProcessTransport(card);
    const protocol = new ApduProtocol(transport);
    const select = {cla: 0, ins: 0xa4, p1: 4, p2: 0, data: PIV_AID.subarray(0, 5)};
    await protocol.send(select);
    faults.tearAt(1, 'before-effect');
    const error = await protocol
      .send({cla: 0, ins: 0xfd, p1: 0, p2: 0, le: 256})
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).code).toBe('card-removed');
    expect((error as TransportError).cause).toBeInstanceOf(CardTornError);
    await transport.reconnect();
    await protocol.send(select);
    expect(toHex(await protocol.send({cla: 0, ins: 0xfd, p1: 0, p2: 0, le: 256}))).toBe('05 07 02');
  });
});

function lengthPrefixed(data: Uint8Array): number[] {
  return [data.length, ...data];
}

/** GET DATA of 5FFF10 with Le 00, following 61xx with GET RESPONSE: the whole answer. */
async function getObject(
  raw: (apdu: string) => Promise<{data: Uint8Array; sw: number}>,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let response = await raw('00 CB 3F FF 05 5C 03 5F FF 10 00');
  chunks.push(response.data);
  while (response.sw >> 8 === 0x61) {
    response = await raw('00 C0 00 00 00');
    chunks.push(response.data);
  }
  return new Uint8Array(Buffer.concat(chunks));
}
