import {createHash, generateKeyPairSync, verify, X509Certificate} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {
  concatBytes,
  decodeSingleTlv,
  decodeTlvs,
  encodeTlv,
  encodeTlvs,
  findTlv,
} from '../../../source/apdu/tlv.js';
import {Algorithm, ObjectId, Slot} from '../../../source/card/piv/constants.js';
import {blankCard} from '../../../source/card/virtual/profiles.js';
import {hex, toHex} from '../../apdu/transcript-transport.js';
import {cardUnderTest, encodeApdu, swHex, type CardUnderTest} from './card-under-test.js';

async function adminCard(firmware = {major: 5, minor: 7, patch: 2}): Promise<CardUnderTest> {
  const bench = await cardUnderTest({state: await blankCard({serial: 99, firmware})});
  await bench.select();
  await bench.authenticate(undefined, firmware.minor >= 7 ? Algorithm.Aes192 : Algorithm.TripleDes);
  return bench;
}

function generate(bench: CardUnderTest, slot: number, template: string) {
  return bench.send({cla: 0, ins: 0x47, p1: 0, p2: slot, data: hex(template), le: 256});
}

async function metadata(bench: CardUnderTest, reference: number) {
  const {data, sw} = await bench.raw(encodeApdu(0xf7, 0x00, reference, undefined, 0));
  return {sw: swHex(sw), items: sw === 0x9000 ? decodeTlvs(data) : []};
}

function signEc(bench: CardUnderTest, slot: number, digest: Uint8Array) {
  return bench.send({
    cla: 0,
    ins: 0x87,
    p1: Algorithm.EccP256,
    p2: slot,
    data: encodeTlv(
      0x7c,
      encodeTlvs([
        {tag: 0x82, value: new Uint8Array()},
        {tag: 0x81, value: digest},
      ]),
    ),
    le: 256,
  });
}

function base64Url(text: string | undefined): Uint8Array {
  return new Uint8Array(Buffer.from(text ?? '', 'base64url'));
}

describe('GENERATE ASYMMETRIC KEY PAIR', () => {
  it('generates a P-256 key and answers 7F49 { 86 04|X|Y }, the key the metadata shows', async () => {
    const bench = await adminCard();
    const response = await generate(bench, Slot.Authentication, 'AC 03 80 01 11');
    expect(swHex(response.sw)).toBe('9000');
    const point = decodeSingleTlv(decodeSingleTlv(response.data, 0x7f49), 0x86);
    expect([point.length, point[0]]).toEqual([65, 0x04]);
    const {items} = await metadata(bench, Slot.Authentication);
    expect(toHex(findTlv(items, 0x01)!)).toBe('11');
    expect(toHex(findTlv(items, 0x02)!)).toBe('02 01');
    expect(toHex(findTlv(items, 0x03)!)).toBe('01');
    expect(toHex(findTlv(items, 0x04)!)).toBe(toHex(decodeSingleTlv(response.data, 0x7f49)));
  });

  it('generates an RSA-2048 key: 7F49 { 81 modulus, 82 exponent } in that order, over 256 bytes with 61xx', async () => {
    const bench = await adminCard();
    const first = await bench.raw('00 47 00 9A 05 AC 03 80 01 07 00');
    // 7F49 82 01 09 { 81 82 01 00 <256 bytes> 82 03 01 00 01 }: 270 bytes, 14 after the first 256.
    expect(swHex(first.sw)).toBe('610E');
    const rest = await bench.raw('00 C0 00 00 0E');
    const elements = decodeTlvs(decodeSingleTlv(concatBytes([first.data, rest.data]), 0x7f49));
    expect(elements.map(({tag, value}) => [tag, value.length])).toEqual([
      [0x81, 256],
      [0x82, 3],
    ]);
    expect(toHex(elements[1]!.value)).toBe('01 00 01');
  });

  it.each([
    ['9A', Slot.Authentication, '02'],
    ['9C', Slot.Signature, '03'],
    ['9D', Slot.KeyManagement, '02'],
    ['9E', Slot.CardAuthentication, '01'],
    ['95', Slot.Retired20, '02'],
  ])('gives slot %s the PIN policy it has by default when asked for the default', async (_, slot, policy) => {
    const bench = await adminCard();
    await generate(bench, slot, 'AC 06 80 01 11 AA 01 00');
    expect(toHex(findTlv((await metadata(bench, slot)).items, 0x02)!)).toBe(`${policy} 01`);
  });

  it('keeps the policies asked for', async () => {
    const bench = await adminCard();
    await generate(bench, Slot.Signature, 'AC 09 80 01 11 AA 01 02 AB 01 03');
    expect(toHex(findTlv((await metadata(bench, Slot.Signature)).items, 0x02)!)).toBe('02 03');
  });

  it('replaces the key in the slot and leaves its certificate object alone', async () => {
    const bench = await adminCard();
    await bench.send({cla: 0, ins: 0xdb, p1: 0x3f, p2: 0xff, data: hex('5C 03 5F C1 05 53 04 70 00 FE 00')});
    const first = await generate(bench, Slot.Authentication, 'AC 03 80 01 11');
    const second = await generate(bench, Slot.Authentication, 'AC 03 80 01 14');
    expect(toHex(second.data)).not.toBe(toHex(first.data));
    expect(toHex(findTlv((await metadata(bench, Slot.Authentication)).items, 0x01)!)).toBe('14');
    expect(toHex((await bench.raw('00 CB 3F FF 05 5C 03 5F C1 05 00')).data)).toBe('53 04 70 00 FE 00');
  });

  it('needs the management key', async () => {
    const bench = await cardUnderTest();
    await bench.select();
    expect(swHex((await generate(bench, Slot.Authentication, 'AC 03 80 01 11')).sw)).toBe('6982');
  });

  it.each([
    ['an unknown algorithm', 0x9a, 'AC 03 80 01 42', '6A80'],
    ['a management key algorithm', 0x9a, 'AC 03 80 01 0A', '6A80'],
    ['a PIN policy out of range', 0x9a, 'AC 06 80 01 11 AA 01 07', '6A80'],
    ['a touch policy out of range', 0x9a, 'AC 06 80 01 11 AB 01 04', '6A80'],
    ['no template', 0x9a, '80 01 11', '6A80'],
    ['slot 9B', 0x9b, 'AC 03 80 01 11', '6A88'],
    ['slot 96', 0x96, 'AC 03 80 01 11', '6A88'],
  ])('refuses %s', async (_, slot, template, sw) => {
    const bench = await adminCard();
    expect(swHex((await generate(bench, slot, template)).sw)).toBe(sw);
  });

  it('offers RSA 3072 and Ed25519 only from firmware 5.7', async () => {
    const bench = await adminCard({major: 5, minor: 4, patch: 3});
    expect(swHex((await generate(bench, Slot.Authentication, 'AC 03 80 01 05')).sw)).toBe('6A80');
    expect(swHex((await generate(bench, Slot.Authentication, 'AC 03 80 01 E0')).sw)).toBe('6A80');
    const ed = await generate(await adminCard(), Slot.Authentication, 'AC 03 80 01 E0');
    expect(decodeSingleTlv(decodeSingleTlv(ed.data, 0x7f49), 0x86).length).toBe(32);
  });
});

describe('IMPORT KEY', () => {
  it('imports a P-256 key that then signs for its public key', async () => {
    const bench = await adminCard();
    const {privateKey, publicKey} = generateKeyPairSync('ec', {namedCurve: 'P-256'});
    const d = base64Url(privateKey.export({format: 'jwk'}).d);
    const data = encodeTlvs([
      {tag: 0x06, value: d},
      {tag: 0xaa, value: hex('01')},
    ]);
    expect(swHex((await bench.send({cla: 0, ins: 0xfe, p1: 0x11, p2: 0x9e, data})).sw)).toBe('9000');
    const {items} = await metadata(bench, Slot.CardAuthentication);
    expect(toHex(findTlv(items, 0x03)!)).toBe('02');
    const digest = createHash('sha256').update('imported').digest();
    const signature = decodeTlvs(decodeSingleTlv((await signEc(bench, 0x9e, digest)).data, 0x7c))[0]!.value;
    expect(verify('sha256', Buffer.from('imported'), {key: publicKey, dsaEncoding: 'der'}, signature)).toBe(
      true,
    );
  });

  it('imports an RSA key from its CRT parts and rejects parts that do not belong together', async () => {
    const bench = await adminCard();
    const {privateKey, publicKey} = generateKeyPairSync('rsa', {modulusLength: 1024});
    const jwk = privateKey.export({format: 'jwk'});
    const parts = [jwk.p, jwk.q, jwk.dp, jwk.dq, jwk.qi].map(base64Url);
    const data = encodeTlvs(parts.map((value, index) => ({tag: index + 1, value})));
    expect(swHex((await bench.send({cla: 0, ins: 0xfe, p1: 0x06, p2: 0x9d, data})).sw)).toBe('9000');
    const {items} = await metadata(bench, Slot.KeyManagement);
    const spki = publicKey.export({format: 'der', type: 'spki'});
    const modulus = findTlv(decodeTlvs(findTlv(items, 0x04)!), 0x81)!;
    expect(Buffer.from(spki).includes(Buffer.from(modulus))).toBe(true);
    const broken = parts.slice();
    broken[2] = Uint8Array.from(broken[2]!, (byte, index) => (index === 10 ? byte ^ 1 : byte));
    const bad = encodeTlvs(broken.map((value, index) => ({tag: index + 1, value})));
    expect(swHex((await bench.send({cla: 0, ins: 0xfe, p1: 0x06, p2: 0x9d, data: bad})).sw)).toBe('6A80');
  });

  it('answers 6A86 for an algorithm the card does not offer and 6A80 for a key of the wrong size', async () => {
    const bench = await adminCard();
    expect(swHex((await bench.send({cla: 0, ins: 0xfe, p1: 0x42, p2: 0x9a, data: hex('06 01 01')})).sw)).toBe(
      '6A86',
    );
    expect(swHex((await bench.send({cla: 0, ins: 0xfe, p1: 0x11, p2: 0x9a, data: hex('06 01 01')})).sw)).toBe(
      '6A80',
    );
    const order = hex(
      'FF FF FF FF 00 00 00 00 FF FF FF FF FF FF FF FF BC E6 FA AD A7 17 9E 84 F3 B9 CA C2 FC 63 25 51',
    );
    expect(
      swHex((await bench.send({cla: 0, ins: 0xfe, p1: 0x11, p2: 0x9a, data: encodeTlv(0x06, order)})).sw),
    ).toBe('6A80');
  });
});

describe('MOVE KEY', () => {
  it('moves a key to an empty slot, where it signs, and leaves the source empty', async () => {
    const bench = await adminCard();
    const generated = await generate(bench, Slot.Authentication, 'AC 03 80 01 11');
    expect(swHex((await bench.raw('00 F6 82 9A')).sw)).toBe('9000');
    expect((await metadata(bench, Slot.Authentication)).sw).toBe('6A88');
    expect(toHex(findTlv((await metadata(bench, Slot.Retired1)).items, 0x04)!)).toBe(
      toHex(decodeSingleTlv(generated.data, 0x7f49)),
    );
  });

  it('deletes a key with destination FF', async () => {
    const bench = await adminCard();
    await generate(bench, Slot.Signature, 'AC 03 80 01 11');
    expect(swHex((await bench.raw('00 F6 FF 9C')).sw)).toBe('9000');
    expect((await metadata(bench, Slot.Signature)).sw).toBe('6A88');
    expect(swHex((await bench.raw('00 F6 FF 9C')).sw)).toBe('6A88');
  });

  it('refuses an occupied destination, needs the management key, and exists only from firmware 5.7', async () => {
    const bench = await adminCard();
    await generate(bench, Slot.Authentication, 'AC 03 80 01 11');
    await generate(bench, Slot.Signature, 'AC 03 80 01 11');
    expect(swHex((await bench.raw('00 F6 9C 9A')).sw)).toBe('6985');
    bench.card.reset();
    await bench.select();
    expect(swHex((await bench.raw('00 F6 FF 9A')).sw)).toBe('6982');
    const older = await adminCard({major: 5, minor: 4, patch: 3});
    expect(swHex((await older.raw('00 F6 FF 9A')).sw)).toBe('6D00');
  });
});

describe('GET METADATA', () => {
  it('describes PIN, PUK and management key of a blank card', async () => {
    const bench = await cardUnderTest();
    await bench.select();
    expect(toHex((await bench.raw('00 F7 00 80 00')).data)).toBe('01 01 FF 05 01 01 06 02 03 03');
    expect(toHex((await bench.raw('00 F7 00 81 00')).data)).toBe('01 01 FF 05 01 01 06 02 03 03');
    expect(toHex((await bench.raw('00 F7 00 9B 00')).data)).toBe('01 01 0A 02 02 00 01 05 01 01');
  });

  it('answers 6A88 for an empty slot or an unknown reference, and 6D00 before firmware 5.3', async () => {
    const bench = await cardUnderTest();
    await bench.select();
    expect(swHex((await bench.raw('00 F7 00 9A 00')).sw)).toBe('6A88');
    expect(swHex((await bench.raw('00 F7 00 42 00')).sw)).toBe('6A88');
    const old = await cardUnderTest({
      state: await blankCard({serial: 1, firmware: {major: 5, minor: 2, patch: 7}}),
    });
    await old.select();
    expect(swHex((await old.raw('00 F7 00 80 00')).sw)).toBe('6D00');
  });
});

describe('ATTEST', () => {
  it('issues a certificate for a generated key, signed by the attestation certificate', async () => {
    const bench = await adminCard();
    const generated = await generate(bench, Slot.Signature, 'AC 03 80 01 11');
    const response = await bench.send({cla: 0, ins: 0xf9, p1: 0x9c, p2: 0, le: 256});
    expect(swHex(response.sw)).toBe('9000');
    const attestation = new X509Certificate(response.data);
    const root = new X509Certificate(bench.card.inspect().objects.get(ObjectId.Attestation)!);
    expect(attestation.verify(root.publicKey)).toBe(true);
    expect(attestation.subject).toBe('CN=YubiKey PIV Attestation 9c');
    const point = decodeSingleTlv(decodeSingleTlv(generated.data, 0x7f49), 0x86);
    const spki = attestation.publicKey.export({format: 'der', type: 'spki'});
    expect(toHex(spki.subarray(-65))).toBe(toHex(point));
  });

  it('refuses an imported key and an empty slot', async () => {
    const bench = await adminCard();
    const {privateKey} = generateKeyPairSync('ec', {namedCurve: 'P-256'});
    const data = encodeTlv(0x06, base64Url(privateKey.export({format: 'jwk'}).d));
    await bench.send({cla: 0, ins: 0xfe, p1: 0x11, p2: 0x9a, data});
    expect(swHex((await bench.raw('00 F9 9A 00 00')).sw)).toBe('6A80');
    expect(swHex((await bench.raw('00 F9 9D 00 00')).sw)).toBe('6A88');
  });
});
