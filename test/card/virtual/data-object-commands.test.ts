import {describe, expect, it} from 'vitest';
import {encodeTlv, encodeTlvs} from '../../../source/apdu/tlv.js';
import {objectIdBytes, ObjectId} from '../../../source/card/piv/constants.js';
import {MAX_OBJECT_BYTES, OBJECT_STORAGE_BYTES} from '../../../source/card/virtual/data-object-commands.js';
import {hex, toHex} from '../../apdu/transcript-transport.js';
import {cardUnderTest, swHex, type CardUnderTest} from './card-under-test.js';

async function adminCard(): Promise<CardUnderTest> {
  const bench = await cardUnderTest();
  await bench.select();
  await bench.authenticate();
  return bench;
}

function put(bench: CardUnderTest, id: number, value: Uint8Array) {
  const data = encodeTlvs([
    {tag: 0x5c, value: objectIdBytes(id)},
    {tag: 0x53, value},
  ]);
  return bench.send({cla: 0, ins: 0xdb, p1: 0x3f, p2: 0xff, data});
}

function get(bench: CardUnderTest, id: number) {
  return bench.send({
    cla: 0,
    ins: 0xcb,
    p1: 0x3f,
    p2: 0xff,
    data: encodeTlv(0x5c, objectIdBytes(id)),
    le: 256,
  });
}

const RETIRED_CERTIFICATES = Array.from({length: 20}, (_, index) => ObjectId.Retired1Certificate + index);

/** Every object of docs/piv-card.md section 2 that is read and written inside 53. */
const OBJECTS = [
  ObjectId.CardCapabilityContainer,
  ObjectId.Chuid,
  ObjectId.AuthenticationCertificate,
  ObjectId.SignatureCertificate,
  ObjectId.KeyManagementCertificate,
  ObjectId.CardAuthenticationCertificate,
  ...RETIRED_CERTIFICATES,
  ObjectId.SecurityObject,
  ObjectId.KeyHistory,
  ObjectId.AdminData,
  ObjectId.Attestation,
  ObjectId.MsCmapFile,
  ObjectId.MsRoots1,
  ObjectId.MsRoots2,
  ObjectId.MsRoots3,
  ObjectId.MsRoots4,
  ObjectId.MsRoots5,
];

describe('GET DATA and PUT DATA', () => {
  it('writes and reads back every PIV and YubiKey object', async () => {
    const bench = await adminCard();
    for (const id of OBJECTS) {
      const value = new TextEncoder().encode(`object ${id.toString(16)}`);
      expect(swHex((await put(bench, id, value)).sw)).toBe('9000');
      const read = await get(bench, id);
      expect([swHex(read.sw), toHex(read.data)]).toEqual(['9000', toHex(encodeTlv(0x53, value))]);
    }
  });

  it('reads and writes Discovery bare as 7E L V', async () => {
    const bench = await adminCard();
    const value = hex('4F 0B A0 00 00 03 08 00 00 10 00 01 00 5F 2F 02 60 10');
    const data = encodeTlv(0x7e, value);
    expect(swHex((await bench.send({cla: 0, ins: 0xdb, p1: 0x3f, p2: 0xff, data})).sw)).toBe('9000');
    expect(toHex((await get(bench, ObjectId.Discovery)).data)).toBe(toHex(data));
  });

  it('keeps printed information behind the PIN', async () => {
    const bench = await adminCard();
    await put(bench, ObjectId.PrintedInformation, hex('01 04 41 6E 6E 61'));
    expect(swHex((await get(bench, ObjectId.PrintedInformation)).sw)).toBe('6982');
    await bench.verifyPin();
    expect(toHex((await get(bench, ObjectId.PrintedInformation)).data)).toBe('53 06 01 04 41 6E 6E 61');
  });

  it('answers 6A82 for a missing object and deletes an object written with 53 00', async () => {
    const bench = await adminCard();
    expect(swHex((await get(bench, ObjectId.Chuid)).sw)).toBe('6A82');
    expect(swHex((await get(bench, 0x5fc1ff)).sw)).toBe('6A82');
    await put(bench, ObjectId.Chuid, hex('30 00'));
    expect(swHex((await put(bench, ObjectId.Chuid, new Uint8Array())).sw)).toBe('9000');
    expect(swHex((await get(bench, ObjectId.Chuid)).sw)).toBe('6A82');
  });

  it('reads without the management key but needs it to write', async () => {
    const bench = await cardUnderTest();
    await bench.select();
    expect(swHex((await get(bench, ObjectId.Discovery)).sw)).toBe('9000');
    expect(swHex((await put(bench, ObjectId.Chuid, hex('30 00'))).sw)).toBe('6982');
  });

  it.each([
    ['GET DATA with P1 P2 other than 3F FF', '00 CB 3F FE 05 5C 03 5F C1 02 00', '6A86'],
    ['GET DATA without a tag list', '00 CB 3F FF 03 53 01 00 00', '6A80'],
    ['GET DATA with a truncated tag list', '00 CB 3F FF 03 5C 03 5F 00', '6A80'],
    ['GET DATA with a four-byte object id', '00 CB 3F FF 06 5C 04 5F C1 02 00 00', '6A80'],
    ['PUT DATA with P1 P2 other than 3F FF', '00 DB 00 00 08 5C 03 5F C1 02 53 01 00', '6A86'],
    ['PUT DATA of an object the card does not have', '00 DB 3F FF 08 5C 03 5F C1 7F 53 01 00', '6A80'],
    ['PUT DATA without 53', '00 DB 3F FF 08 5C 03 5F C1 02 54 01 00', '6A80'],
    ['PUT DATA with a broken TLV', '00 DB 3F FF 08 5C 03 5F C1 02 53 05 00', '6A80'],
  ])('refuses %s', async (_, apdu, sw) => {
    const bench = await adminCard();
    expect(swHex((await bench.raw(apdu)).sw)).toBe(sw);
  });

  it(`holds ${MAX_OBJECT_BYTES} bytes in one object and answers 6A84 to one byte more`, async () => {
    const bench = await adminCard();
    expect(
      swHex((await put(bench, ObjectId.AuthenticationCertificate, new Uint8Array(MAX_OBJECT_BYTES))).sw),
    ).toBe('9000');
    const tooLong = await put(bench, ObjectId.SignatureCertificate, new Uint8Array(MAX_OBJECT_BYTES + 1));
    expect(swHex(tooLong.sw)).toBe('6A84');
    expect(swHex((await get(bench, ObjectId.SignatureCertificate)).sw)).toBe('6A82');
  });

  it('answers 6A84 when all objects together would pass about 51 KB, and takes the object once room is made', async () => {
    const bench = await adminCard();
    const full = new Uint8Array(MAX_OBJECT_BYTES).fill(0xab);
    // Discovery and the attestation certificate are there already: 16 full objects fit, the 17th does not.
    expect(Math.floor(OBJECT_STORAGE_BYTES / MAX_OBJECT_BYTES)).toBe(16);
    const answers = [];
    for (const id of RETIRED_CERTIFICATES.slice(0, 17)) answers.push(swHex((await put(bench, id, full)).sw));
    expect(answers.slice(0, 16).every((sw) => sw === '9000')).toBe(true);
    expect(answers[16]).toBe('6A84');
    await put(bench, RETIRED_CERTIFICATES[0]!, new Uint8Array());
    expect(swHex((await put(bench, RETIRED_CERTIFICATES[16]!, full)).sw)).toBe('9000');
  });
});
